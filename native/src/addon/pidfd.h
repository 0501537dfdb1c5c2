// Process handles for pids that are not our children (containers belong to their monitors).
#pragma once
#include <napi.h>

Napi::Value PidfdOpen(const Napi::CallbackInfo& info);
Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info);
Napi::Value WaitPid(const Napi::CallbackInfo& info);
