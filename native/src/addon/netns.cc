#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "errno_error.h"

// Sockets belong to the netns of the thread that creates them, so a netlink socket for a container's
// netns is made by switching this thread there for the duration of one synchronous callback.
// setns/unshare of CLONE_NEWNET affect only the calling thread, even in a multi-threaded process.
class NetnsGuard {
 public:
  explicit NetnsGuard(int original) : original_(original) {}
  ~NetnsGuard() {
    // Running Node's main thread on in a foreign netns would silently misroute every later socket.
    if (setns(original_, CLONE_NEWNET) != 0) {
      perror("berth: cannot return to the original network namespace");
      abort();
    }
    close(original_);
  }

 private:
  int original_;
};

// inNetns(path | null, fn): fn's result. With a path, joins the netns bound there; with null,
// enters a brand-new one (fn typically opens /proc/thread-self/ns/net to keep it).
Napi::Value InNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Function fn = info[1].As<Napi::Function>();
  int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) throw ErrnoError(env, errno, "open", "/proc/thread-self/ns/net");

  if (info[0].IsNull()) {
    if (unshare(CLONE_NEWNET) != 0) {
      int err = errno;
      close(original);
      throw ErrnoError(env, err, "unshare");
    }
  } else {
    std::string path = info[0].As<Napi::String>();
    int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0 || setns(target, CLONE_NEWNET) != 0) {
      int err = errno;
      if (target >= 0) close(target);
      close(original);
      throw ErrnoError(env, err, target < 0 ? "open" : "setns", path);
    }
    close(target);
  }
  NetnsGuard back(original);
  return fn.Call({});
}
