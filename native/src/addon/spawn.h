// Starting a detached program (berth-monitor) without forking the Node process.
#pragma once
#include <napi.h>

Napi::Value SpawnDetached(const Napi::CallbackInfo& info);
