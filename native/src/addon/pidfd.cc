#include "pidfd.h"

#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstdio>

#include "errno_error.h"

static int OpenPidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// pidfdOpen(pid): fd. The caller closes it with fs.closeSync.
Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int fd = OpenPidfd(pid);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "pidfd_open");
  return Napi::Number::New(info.Env(), fd);
}

// pidfdSendSignal(fd, signal): a pidfd cannot hit a recycled pid, unlike kill(2).
Napi::Value PidfdSendSignal(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int signal = info[1].As<Napi::Number>().Int32Value();
  if (syscall(SYS_pidfd_send_signal, fd, signal, nullptr, 0) != 0) {
    throw ErrnoError(info.Env(), errno, "pidfd_send_signal");
  }
  return info.Env().Undefined();
}

// One pending waitPid: a pidfd turns readable when the process exits, so libuv polls it
// on the loop thread. No SIGCHLD handler and no threadpool thread are involved, and the
// process need not be our child (its exit status belongs to its parent, the monitor).
struct PidWait {
  PidWait(Napi::Env env, int pidfd) : pidfd(pidfd), deferred(env), context(env, "berth.waitPid") {}
  uv_poll_t poll;
  int pidfd;
  Napi::Promise::Deferred deferred;
  Napi::AsyncContext context;
};

static void OnClosed(uv_handle_t* handle) {
  PidWait* wait = static_cast<PidWait*>(handle->data);
  close(wait->pidfd);
  delete wait;
}

static void OnExit(uv_poll_t* poll, int status, int /*events*/) {
  PidWait* wait = static_cast<PidWait*>(poll->data);
  uv_poll_stop(poll);
  // A C++ exception must not unwind through libuv (it would terminate the process): one from Node-API here
  // has nowhere to go in JS, so it is logged.
  try {
    Napi::Env env = wait->deferred.Env();
    Napi::HandleScope handles(env);
    // The callback scope runs the promise's reactions once we return to the loop.
    Napi::CallbackScope scope(env, wait->context);
    if (status < 0) {
      wait->deferred.Reject(ErrnoError(env, -status, "uv_poll").Value());
    } else {
      wait->deferred.Resolve(env.Undefined());
    }
  } catch (const Napi::Error& err) {
    fprintf(stderr, "berth native: waitPid: %s\n", err.what());
  }
  uv_close(reinterpret_cast<uv_handle_t*>(poll), OnClosed);
}

// waitPid(pid): Promise<void>, resolved when the process exits. Rejects with ESRCH when
// there is no such process (it may have exited already).
Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int fd = OpenPidfd(pid);
  if (fd < 0) throw ErrnoError(env, errno, "pidfd_open");

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    throw Napi::Error::New(env, "waitPid: no libuv loop in this environment");
  }
  PidWait* wait = new PidWait(env, fd);
  wait->poll.data = wait;
  int rc = uv_poll_init(loop, &wait->poll, fd);
  if (rc != 0) {
    close(fd);
    delete wait;
    throw ErrnoError(env, -rc, "uv_poll_init");
  }
  Napi::Promise promise = wait->deferred.Promise();
  rc = uv_poll_start(&wait->poll, UV_READABLE, OnExit);
  if (rc != 0) {
    wait->deferred.Reject(ErrnoError(env, -rc, "uv_poll_start").Value());
    uv_close(reinterpret_cast<uv_handle_t*>(&wait->poll), OnClosed);
  }
  return promise;
}
