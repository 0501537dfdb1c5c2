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

class DetachWorker : public Napi::AsyncWorker {
 public:
  DetachWorker(Napi::Env env, std::string target) : Napi::AsyncWorker(env, "berth.detachMount"), target_(std::move(target)), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { error_ = umount2(target_.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ? 0 : errno; }
  void OnOK() override {
    if (error_ == 0) deferred_.Resolve(Env().Undefined());
    else deferred_.Reject(ErrnoError(Env(), error_, "umount2", target_).Value());
  }
  void OnError(const Napi::Error& err) override { deferred_.Reject(err.Value()); }

 private:
  std::string target_;
  int error_ = 0;
  Napi::Promise::Deferred deferred_;
};

// detachMount(target): Promise<void>, umount --lazy. The mount leaves the tree at once; what holds it open keeps it
// until it lets go. On a threadpool thread: the kernel waits for an RCU grace period (~1 ms) before it returns.
Napi::Value DetachMount(const Napi::CallbackInfo& info) {
  auto* worker = new DetachWorker(info.Env(), info[0].As<Napi::String>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
