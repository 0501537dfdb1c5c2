#include "remove_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "errno_error.h"

// Deletes `name` in the directory `parent`, and all below it; returns 0 or an errno. Symlinks are unlinked,
// never followed (O_NOFOLLOW), so the walk cannot leave the tree.
static int RemoveAt(int parent, const char* name) {
  if (unlinkat(parent, name, 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR) return errno;
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    close(fd);
    return err;
  }
  // All names first: removing entries while reading the stream could make it skip others.
  std::vector<std::string> children;
  for (dirent* entry; (errno = 0, entry = readdir(dir)) != nullptr;) {
    std::string child = entry->d_name;
    if (child != "." && child != "..") children.push_back(std::move(child));
  }
  int err = errno;  // readdir's, if it failed
  for (size_t i = 0; err == 0 && i < children.size(); i++) err = RemoveAt(fd, children[i].c_str());
  closedir(dir);
  if (err != 0) return err;
  return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : errno;
}

class RemoveTreeWorker : public Napi::AsyncWorker {
 public:
  RemoveTreeWorker(Napi::Env env, std::string path) : Napi::AsyncWorker(env, "berth.removeTree"), path_(std::move(path)), deferred_(env) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override { error_ = RemoveAt(AT_FDCWD, path_.c_str()); }
  void OnOK() override {
    if (error_ == 0) deferred_.Resolve(Env().Undefined());
    else deferred_.Reject(ErrnoError(Env(), error_, "removeTree", path_).Value());
  }
  void OnError(const Napi::Error& err) override { deferred_.Reject(err.Value()); }

 private:
  std::string path_;
  int error_ = 0;
  Napi::Promise::Deferred deferred_;
};

// removeTree(path): Promise<void>, as `rm -rf` (a missing path is fine) in one threadpool job.
Napi::Value RemoveTree(const Napi::CallbackInfo& info) {
  auto* worker = new RemoveTreeWorker(info.Env(), info[0].As<Napi::String>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}
