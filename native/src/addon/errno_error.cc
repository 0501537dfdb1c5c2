#include "errno_error.h"

#include <cstring>

// Mirrors libuv's naming so callers can switch on err.code exactly as with node:fs.
static const char* ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name != nullptr ? name : "UNKNOWN";
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& path) {
  std::string message = std::string(ErrnoName(err)) + ": " + strerror(err) + ", " + syscall;
  if (!path.empty()) message += " '" + path + "'";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", ErrnoName(err));
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("syscall", syscall);
  if (!path.empty()) error.Set("path", path);
  return error;
}
