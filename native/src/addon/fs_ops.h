// Filesystem syscalls that node:fs lacks: device nodes and extended attributes on symlinks.
#pragma once
#include <napi.h>

Napi::Value Mknod(const Napi::CallbackInfo& info);
Napi::Value Lsetxattr(const Napi::CallbackInfo& info);
Napi::Value Lgetxattr(const Napi::CallbackInfo& info);
