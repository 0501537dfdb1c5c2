// Network namespaces: run a synchronous callback with the calling thread in another (or a new) netns.
#pragma once
#include <napi.h>

Napi::Value InNetns(const Napi::CallbackInfo& info);
