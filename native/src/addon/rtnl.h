// rtnetlink requests that block in the kernel (deleting a link waits for RCU grace periods), made on a
// threadpool thread instead of Node's event loop.
#pragma once
#include <napi.h>

Napi::Value RtnlSocket(const Napi::CallbackInfo& info);
Napi::Value RtnlRequest(const Napi::CallbackInfo& info);
