#include "mounts.h"

#include <sys/mount.h>

#include <cerrno>
#include <string>

#include "errno_error.h"

// bindMount(source, target): mount --bind. Resolved by the calling thread, so /proc/thread-self/... names
// what this thread sees (e.g. the netns inNetns(null, ...) just made).
Napi::Value BindMount(const Napi::CallbackInfo& info) {
  std::string source = info[0].As<Napi::String>();
  std::string target = info[1].As<Napi::String>();
  if (mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) throw ErrnoError(info.Env(), errno, "mount", target);
  return info.Env().Undefined();
}

// detachMount(target): umount --lazy. The mount leaves the tree at once; what holds it open keeps it until it lets go.
Napi::Value DetachMount(const Napi::CallbackInfo& info) {
  std::string target = info[0].As<Napi::String>();
  if (umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) throw ErrnoError(info.Env(), errno, "umount2", target);
  return info.Env().Undefined();
}
