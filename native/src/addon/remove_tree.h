// Deleting a directory tree in one threadpool job, instead of one JavaScript round trip per entry.
#pragma once
#include <napi.h>

Napi::Value RemoveTree(const Napi::CallbackInfo& info);
