#include "rtnl.h"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "errno_error.h"

// rtnlSocket(): a NETLINK_ROUTE socket in the calling thread's netns (call it inside inNetns for another one).
// rtnlRequest takes it over.
Napi::Value RtnlSocket(const Napi::CallbackInfo& info) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "socket");
  return Napi::Number::New(info.Env(), fd);
}

// Sends one request with NLM_F_ACK and reads until its acknowledgement; returns 0 or the kernel's errno.
static int Transact(int fd, const std::vector<char>& message) {
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do {
    sent = sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return errno;
  alignas(nlmsghdr) char reply[8192];
  for (;;) {
    ssize_t got = recv(fd, reply, sizeof reply, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    int left = static_cast<int>(got);
    for (auto* header = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(header, left); header = NLMSG_NEXT(header, left)) {
      if (header->nlmsg_type == NLMSG_ERROR) return -static_cast<nlmsgerr*>(NLMSG_DATA(header))->error;
    }
  }
}

class RequestWorker : public Napi::AsyncWorker {
 public:
  RequestWorker(Napi::Env env, int fd, std::vector<char> message)
      : Napi::AsyncWorker(env, "berth.rtnlRequest"), fd_(fd), message_(std::move(message)), deferred_(env) {}
  ~RequestWorker() override { close(fd_); }
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { error_ = Transact(fd_, message_); }
  void OnOK() override {
    if (error_ == 0) deferred_.Resolve(Env().Undefined());
    else deferred_.Reject(ErrnoError(Env(), error_, "rtnetlink").Value());
  }
  void OnError(const Napi::Error& err) override { deferred_.Reject(err.Value()); }

 private:
  int fd_;
  std::vector<char> message_;
  int error_ = 0;
  Napi::Promise::Deferred deferred_;
};

// rtnlRequest(fd, message): Promise<void>. Sends a complete netlink message (NLM_F_ACK set) on the socket
// from rtnlSocket, which it closes, and settles with the kernel's answer (rejects with err.code, e.g. ENODEV).
Napi::Value RtnlRequest(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> message = info[1].As<Napi::Buffer<char>>();
  auto* worker = new RequestWorker(info.Env(), fd, std::vector<char>(message.Data(), message.Data() + message.Length()));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
