// Bind mounts made and undone in-process: spawning mount(8)/umount(8) costs ~7 ms each on a container's path.
#pragma once
#include <napi.h>

Napi::Value BindMount(const Napi::CallbackInfo& info);
Napi::Value DetachMount(const Napi::CallbackInfo& info);
