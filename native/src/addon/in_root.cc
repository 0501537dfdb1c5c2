#include "in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errno_error.h"

// openInRoot(rootFd, path, flags): fd. openat2 with RESOLVE_IN_ROOT: "..", absolute paths and absolute
// symlinks all stay at rootFd, so whatever the tree holds, the result is inside it; magic links
// (/proc/self/fd/N and the like) are refused. The fd is close-on-exec.
Napi::Value OpenInRoot(const Napi::CallbackInfo& info) {
  int root = info[0].As<Napi::Number>().Int32Value();
  std::string path = info[1].As<Napi::String>();
  struct open_how how = {};
  how.flags = static_cast<unsigned long long>(info[2].As<Napi::Number>().Int32Value()) | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd = -1;
  // EAGAIN: a rename in the tree raced the lookup and the kernel asks to retry (a bounded number of times,
  // so that a container renaming in a loop cannot hold berthd here).
  for (int attempt = 0; attempt < 64; attempt++) {
    fd = syscall(SYS_openat2, root, path.c_str(), &how, sizeof how);
    if (fd >= 0 || errno != EAGAIN) break;
  }
  if (fd < 0) throw ErrnoError(info.Env(), errno, "openat2", path);
  return Napi::Number::New(info.Env(), static_cast<double>(fd));
}
