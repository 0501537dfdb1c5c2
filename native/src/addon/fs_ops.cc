#include "fs_ops.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <cerrno>
#include <string>
#include <vector>

#include "errno_error.h"

// mknod(path, mode, major, minor): mode carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions.
Napi::Value Mknod(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  dev_t dev = makedev(info[2].As<Napi::Number>().Uint32Value(), info[3].As<Napi::Number>().Uint32Value());
  if (mknod(path.c_str(), mode, dev) != 0) throw ErrnoError(info.Env(), errno, "mknod", path);
  return info.Env().Undefined();
}

// lsetxattr(path, name, value: Buffer)
Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  Napi::Buffer<char> value = info[2].As<Napi::Buffer<char>>();
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), 0) != 0) {
    throw ErrnoError(info.Env(), errno, "lsetxattr", path);
  }
  return info.Env().Undefined();
}

// lgetxattr(path, name): Buffer. A missing attribute throws ENODATA.
Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>();
  std::string name = info[1].As<Napi::String>();
  for (;;) {
    ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) throw ErrnoError(info.Env(), errno, "lgetxattr", path);
    std::vector<char> value(size);
    ssize_t got = lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    // ERANGE: the attribute grew between the two calls; ask for its size again.
    if (got < 0 && errno == ERANGE) continue;
    if (got < 0) throw ErrnoError(info.Env(), errno, "lgetxattr", path);
    return Napi::Buffer<char>::Copy(info.Env(), value.data(), got);
  }
}
