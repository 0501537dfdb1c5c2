// Node-style errors (err.code, err.errno, err.syscall, err.path) for failed syscalls.
#pragma once
#include <napi.h>
#include <string>

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path = "");
