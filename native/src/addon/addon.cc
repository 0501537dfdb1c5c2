#include <napi.h>

#include "fs_ops.h"
#include "in_root.h"
#include "mounts.h"
#include "netns.h"
#include "pidfd.h"
#include "rtnl.h"
#include "spawn.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen, "pidfdOpen"));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal, "pidfdSendSignal"));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid, "waitPid"));
  exports.Set("openInRoot", Napi::Function::New(env, OpenInRoot, "openInRoot"));
  exports.Set("bindMount", Napi::Function::New(env, BindMount, "bindMount"));
  exports.Set("detachMount", Napi::Function::New(env, DetachMount, "detachMount"));
  exports.Set("inNetns", Napi::Function::New(env, InNetns, "inNetns"));
  exports.Set("rtnlSocket", Napi::Function::New(env, RtnlSocket, "rtnlSocket"));
  exports.Set("rtnlRequest", Napi::Function::New(env, RtnlRequest, "rtnlRequest"));
  exports.Set("spawnDetached", Napi::Function::New(env, SpawnDetached, "spawnDetached"));
  return exports;
}

NODE_API_MODULE(berth_native, Init)
