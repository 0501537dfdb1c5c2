// Network namespaces: run a synchronous callback with the calling thread in another (or a new) netns, and make
// a new one bound to a file from a threadpool thread.
#pragma once
#include <napi.h>

Napi::Value InNetns(const Napi::CallbackInfo& info);
Napi::Value BindNewNetns(const Napi::CallbackInfo& info);
