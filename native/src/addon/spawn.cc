#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "errno_error.h"

extern char** environ;

// The program's stdout is a start report of one line; this bounds what a runaway writer costs us.
static constexpr size_t kMaxOutput = 64 * 1024;

// The spawned program is our child, and libuv only reaps the children it spawned itself: each
// spawned program gets a reaper, so that it never stays a zombie for the rest of berthd's life.
struct Reaper {
  uv_poll_t poll;
  pid_t pid;
  int pidfd;
};

static void OnReaperClosed(uv_handle_t* handle) {
  Reaper* reaper = static_cast<Reaper*>(handle->data);
  close(reaper->pidfd);
  delete reaper;
}

static void OnChildExit(uv_poll_t* poll, int status, int /*events*/) {
  Reaper* reaper = static_cast<Reaper*>(poll->data);
  // Until this waitpid the pid stays ours, so it cannot name a recycled process.
  pid_t rc;
  do {
    rc = waitpid(reaper->pid, nullptr, WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0 && status >= 0) return;  // not ended yet
  uv_poll_stop(poll);
  uv_close(reinterpret_cast<uv_handle_t*>(poll), OnReaperClosed);
}

// Watches the child's pidfd without keeping the event loop alive: berthd may exit while it runs.
static int StartReaper(uv_loop_t* loop, pid_t pid) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return -errno;
  Reaper* reaper = new Reaper{{}, pid, pidfd};
  reaper->poll.data = reaper;
  int rc = uv_poll_init(loop, &reaper->poll, pidfd);
  if (rc != 0) {
    close(pidfd);
    delete reaper;
    return rc;
  }
  uv_poll_start(&reaper->poll, UV_READABLE, OnChildExit);
  uv_unref(reinterpret_cast<uv_handle_t*>(&reaper->poll));
  return 0;
}

// The read end of the child's stdout, read on the loop thread until EOF.
struct OutputRead {
  OutputRead(Napi::Env env, pid_t pid, int fd) : pid(pid), fd(fd), deferred(env), context(env, "berth.spawnDetached") {}
  uv_poll_t poll;
  pid_t pid;
  int fd;
  std::string output;
  Napi::Promise::Deferred deferred;
  Napi::AsyncContext context;
};

static void OnOutputClosed(uv_handle_t* handle) {
  OutputRead* read = static_cast<OutputRead*>(handle->data);
  close(read->fd);
  delete read;
}

static void OnOutput(uv_poll_t* poll, int status, int /*events*/) {
  OutputRead* r = static_cast<OutputRead*>(poll->data);
  int err = status < 0 ? -status : 0;
  while (err == 0) {
    char buffer[4096];
    ssize_t n = read(r->fd, buffer, sizeof buffer);
    if (n > 0) {
      r->output.append(buffer, std::min(static_cast<size_t>(n), kMaxOutput - r->output.size()));
      continue;
    }
    if (n == 0) break;  // EOF: the program closed its stdout
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return;  // more to come
    err = errno;
  }
  uv_poll_stop(poll);
  // No C++ exception may unwind through libuv (see pidfd.cc OnExit).
  try {
    Napi::Env env = r->deferred.Env();
    Napi::HandleScope handles(env);
    Napi::CallbackScope scope(env, r->context);
    if (err != 0) {
      r->deferred.Reject(ErrnoError(env, err, "read").Value());
    } else {
      Napi::Object result = Napi::Object::New(env);
      result.Set("pid", Napi::Number::New(env, r->pid));
      result.Set("output", Napi::String::New(env, r->output));
      r->deferred.Resolve(result);
    }
  } catch (const Napi::Error& err) {
    fprintf(stderr, "berth native: spawnDetached: %s\n", err.what());
  }
  uv_close(reinterpret_cast<uv_handle_t*>(poll), OnOutputClosed);
}

// What the vfork child needs, prepared by the parent: the child may only make system calls.
struct ChildArgs {
  const char* file;
  char* const* argv;
  int stdout_fd;
  volatile int error;  // set by the child when it fails before execve (it shares our memory)
};

// The zeroed kernel sigaction is SIG_DFL, no flags, nothing masked, whatever the architecture's field order.
struct KernelSigaction {
  uint64_t fields[4];
};
static constexpr size_t kSigsetBytes = 8;  // the kernel's sigset_t: 64 signals
static constexpr int kSignals = 64;

static int RunChild(void* arg) {
  ChildArgs* a = static_cast<ChildArgs*>(arg);
  // Every signal to its default while all are still blocked: Node's handlers must not run in here, and its
  // ignored SIGPIPE must not reach the program. The raw call also resets glibc's own signals (32, 33).
  KernelSigaction default_action = {};
  for (int sig = 1; sig <= kSignals; sig++) syscall(SYS_rt_sigaction, sig, &default_action, nullptr, kSigsetBytes);
  uint64_t none = 0;
  int null = open("/dev/null", O_RDWR);
  if (setsid() < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(a->stdout_fd, STDOUT_FILENO) < 0 ||
      dup2(null, STDERR_FILENO) < 0 || syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0) < 0 ||
      syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, kSigsetBytes) < 0) {
    a->error = errno;
    _exit(127);
  }
  execve(a->file, a->argv, environ);
  a->error = errno;
  _exit(127);
}

// Starts `file` with clone(CLONE_VM | CLONE_VFORK): unlike fork, nothing of a large Node process is
// copied, and we are suspended only until the child has called execve. The program gets a new session,
// every signal at its default and none blocked, stdin and stderr on /dev/null, stdout_fd as stdout,
// and no other descriptor. Returns the pid, or -errno.
static pid_t Spawn(const std::string& file, std::vector<char*>& argv, int stdout_fd) {
  static constexpr size_t kStackSize = 64 * 1024;
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -errno;
  ChildArgs args = {file.c_str(), argv.data(), stdout_fd, 0};
  uint64_t all = ~0ULL, previous = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &previous, kSigsetBytes);
  pid_t pid = clone(RunChild, static_cast<char*>(stack) + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
  int clone_error = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, nullptr, kSigsetBytes);
  munmap(stack, kStackSize);
  if (pid < 0) return -clone_error;
  if (args.error != 0) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return -args.error;
  }
  return pid;
}

// spawnDetached(file, argv): Promise<{pid, output}>, resolved once the program closes its stdout, with
// what it wrote there. The program runs on in its own session; when it ends, the addon reaps it.
Napi::Value SpawnDetached(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string file = info[0].As<Napi::String>();
  Napi::Array args = info[1].As<Napi::Array>();
  std::vector<std::string> strings;
  for (uint32_t i = 0; i < args.Length(); i++) strings.push_back(args.Get(i).As<Napi::String>());
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "spawnDetached: no libuv loop in this environment");
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw ErrnoError(env, errno, "pipe2");
  fcntl(out[0], F_SETFL, O_NONBLOCK);  // our end only: the program's writes stay blocking
  pid_t pid = Spawn(file, argv, out[1]);
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    throw ErrnoError(env, -pid, "spawn", file);
  }
  int rc = StartReaper(loop, pid);
  OutputRead* read = new OutputRead(env, pid, out[0]);
  read->poll.data = read;
  if (rc == 0) rc = uv_poll_init(loop, &read->poll, out[0]);
  if (rc != 0) {
    // Without a reaper or a reader the program would be unaccounted for: stop it here.
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    close(out[0]);
    delete read;
    throw ErrnoError(env, -rc, "spawnDetached");
  }
  Napi::Promise promise = read->deferred.Promise();
  uv_poll_start(&read->poll, UV_READABLE, OnOutput);
  return promise;
}
