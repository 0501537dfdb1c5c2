#include "supervise.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "console.h"
#include "jsonlog.h"

/* After the container exits, output still held by escaped processes is waited for this long at most. */
#define DRAIN_TIMEOUT_MS 1000
#define STDIN_BUFFER 65536

static struct supervised *current;
static char stdin_buffer[STDIN_BUFFER];
static size_t stdin_len;
static struct log_stream log_stdout = {.name = "stdout"}, log_stderr = {.name = "stderr"};

static size_t stdin_space(void) { return current->stdin_fd >= 0 ? sizeof stdin_buffer - stdin_len : ATTACH_STDIN_CHUNK; }

static void on_stdin(const char *data, size_t len) {
  if (current->stdin_fd < 0) return; /* no OpenStdin: input is discarded, as Docker does */
  for (size_t i = 0; i < len; i++) stdin_buffer[stdin_len++] = data[i];
}

static void on_close_stdin(void) {
  /* A TTY has no separate stdin to close; closing the master would hang up the container. */
  if (current->tty || current->stdin_fd < 0) return;
  close(current->stdin_fd);
  current->stdin_fd = -1;
  stdin_len = 0;
}

static void on_resize(unsigned rows, unsigned cols) {
  if (current->tty) console_resize(current->stdout_fd, rows, cols);
}

static void on_start(void) {
  if (current->gate_fd < 0) return;
  (void)!write(current->gate_fd, "", 1);
  close(current->gate_fd);
  current->gate_fd = -1;
}

static const struct attach_handlers handlers = {on_stdin, on_close_stdin, on_resize, on_start};

static void flush_stdin(void) {
  ssize_t written = write(current->stdin_fd, stdin_buffer, stdin_len);
  if (written < 0) {
    if (errno == EAGAIN) return;
    stdin_len = 0; /* the container closed its stdin */
    return;
  }
  for (size_t i = (size_t)written; i < stdin_len; i++) stdin_buffer[i - (size_t)written] = stdin_buffer[i];
  stdin_len -= (size_t)written;
}

/* Returns 0 at EOF (or EIO: a pty whose slaves are all closed). */
static int forward_output(int fd, struct log_stream *stream, enum frame_type type) {
  static char chunk[16384];
  ssize_t got = read(fd, chunk, sizeof chunk);
  if (got <= 0) return got < 0 && errno == EAGAIN;
  if (current->log_fd >= 0) jsonlog_write(current->log_fd, stream, chunk, (size_t)got);
  attach_broadcast(type, chunk, (size_t)got);
  return 1;
}

static void close_output(int *fd, struct log_stream *stream) {
  if (current->log_fd >= 0) jsonlog_flush(current->log_fd, stream);
  if (*fd == current->stdin_fd) current->stdin_fd = -1; /* the pty master serves both */
  close(*fd);
  *fd = -1;
}

static int reap(pid_t pid, int *status) {
  struct signalfd_siginfo info;
  while (read(current->sigchld_fd, &info, sizeof info) == sizeof info) {
  }
  int found = 0, st;
  /* As a subreaper we may also inherit orphans; reap them all. */
  for (pid_t child; (child = waitpid(-1, &st, WNOHANG)) > 0;) {
    if (child == pid) *status = st, found = 1;
  }
  return found;
}

int supervise(struct supervised *c) {
  current = c;
  int status = 0, exited = 0;
  enum { SIGNALS, OUT, ERR, IN, REPORT, ATTACH };
  struct pollfd fds[ATTACH + 1 + ATTACH_MAX_CLIENTS];

  while (!exited || c->stdout_fd >= 0 || c->stderr_fd >= 0) {
    fds[SIGNALS] = (struct pollfd){.fd = c->sigchld_fd, .events = POLLIN};
    fds[OUT] = (struct pollfd){.fd = c->stdout_fd, .events = POLLIN};
    fds[ERR] = (struct pollfd){.fd = c->stderr_fd, .events = POLLIN};
    fds[IN] = (struct pollfd){.fd = stdin_len > 0 ? c->stdin_fd : -1, .events = POLLOUT};
    fds[REPORT] = (struct pollfd){.fd = c->report_fd, .events = POLLIN};
    int nattach = attach_poll_fds(&fds[ATTACH], stdin_space() >= ATTACH_STDIN_CHUNK);

    int ready = poll(fds, ATTACH + nattach, exited ? DRAIN_TIMEOUT_MS : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break; /* drained long enough: escaped processes keep the pipes, we stop listening */

    if (fds[SIGNALS].revents & POLLIN) exited |= reap(c->pid, &status);
    if (fds[OUT].revents && !forward_output(c->stdout_fd, &log_stdout, FRAME_STDOUT)) close_output(&c->stdout_fd, &log_stdout);
    if (fds[ERR].revents && !forward_output(c->stderr_fd, &log_stderr, FRAME_STDERR)) close_output(&c->stderr_fd, &log_stderr);
    if (fds[IN].revents && c->stdin_fd >= 0) flush_stdin();
    if (fds[REPORT].revents) {
      struct child_report report;
      if (read(c->report_fd, &report, sizeof report) != sizeof report) report.step = STEP_READY; /* EOF: execve succeeded */
      close(c->report_fd);
      c->report_fd = -1;
      attach_answer_start(c->exec_outcome(&report));
    }
    attach_handle(&fds[ATTACH], nattach, &handlers, stdin_space);
  }
  if (c->stdout_fd >= 0) close_output(&c->stdout_fd, &log_stdout);
  if (c->stderr_fd >= 0) close_output(&c->stderr_fd, &log_stderr);
  if (!exited) waitpid(c->pid, &status, 0);
  return status;
}
