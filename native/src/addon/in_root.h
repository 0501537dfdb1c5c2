// Opening paths inside a directory tree that symlinks cannot leave: a container's root seen through
// /proc/<pid>/root, or a volume's directory.
#pragma once
#include <napi.h>

Napi::Value OpenInRoot(const Napi::CallbackInfo& info);
