#include "netns.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// Sets loopback up in the calling thread's netns (SIOCSIFFLAGS: no netlink needed); returns 0 or an errno.
static int LoopbackUp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ifreq request = {};
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  int err = ioctl(fd, SIOCGIFFLAGS, &request) == 0 ? 0 : errno;
  request.ifr_flags |= IFF_UP;
  if (err == 0 && ioctl(fd, SIOCSIFFLAGS, &request) != 0) err = errno;
  close(fd);
  return err;
}

// A new netns with loopback up, bound at `path` (an existing file), made by a threadpool thread: creating a
// namespace costs the kernel ~1 ms, which the event loop need not wait for. The thread returns to its own netns.
class NewNetnsWorker : public Napi::AsyncWorker {
 public:
  NewNetnsWorker(Napi::Env env, std::string path) : Napi::AsyncWorker(env, "berth.bindNewNetns"), path_(std::move(path)), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    int original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original < 0) {
      Fail("open", errno);
      return;
    }
    if (unshare(CLONE_NEWNET) != 0) {
      Fail("unshare", errno);
      close(original);
      return;
    }
    NetnsGuard back(original);
    if (int err = LoopbackUp(); err != 0) Fail("SIOCSIFFLAGS", err);
    else if (mount("/proc/thread-self/ns/net", path_.c_str(), nullptr, MS_BIND, nullptr) != 0) Fail("mount", errno);
  }
  void OnOK() override {
    if (error_ == 0) deferred_.Resolve(Env().Undefined());
    else deferred_.Reject(ErrnoError(Env(), error_, syscall_, path_).Value());
  }
  void OnError(const Napi::Error& err) override { deferred_.Reject(err.Value()); }

 private:
  void Fail(const char* syscall, int err) {
    syscall_ = syscall;
    error_ = err;
  }
  std::string path_;
  const char* syscall_ = "";
  int error_ = 0;
  Napi::Promise::Deferred deferred_;
};

// bindNewNetns(path): Promise<void>.
Napi::Value BindNewNetns(const Napi::CallbackInfo& info) {
  auto* worker = new NewNetnsWorker(info.Env(), info[0].As<Napi::String>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
