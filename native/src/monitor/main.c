// berth-monitor: the parent of one container (or one exec), so that containers outlive berthd.
//   berth-monitor STATEDIR          create the container described by STATEDIR/spec and supervise it
//   berth-monitor exec EXECDIR      run EXECDIR/spec inside a running container and supervise it
//   berth-monitor --init ...        pid 1 inside a container (see init.h)
// Protocol and files: native/README.md.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "child.h"
#include "console.h"
#include "fail.h"
#include "init.h"
#include "spec.h"
#include "state.h"
#include "supervise.h"

static struct spec spec;
static pid_t child_pid;

/* Tells whoever spawned us how the start went ("ok <pid>" or "error <message>"), then lets go of stdout. */
static void report_start(const char *fmt, ...) {
  char line[2048];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  (void)!write(STDOUT_FILENO, line, len < (int)sizeof line ? (size_t)len : sizeof line - 1);
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) dup2(null, STDOUT_FILENO), close(null);
}

/* The `error` file: why the process could not be started (berthd's readStartError). */
static void record_error(const char *step, int err, const char *message) {
  char text[2048];
  int len = snprintf(text, sizeof text, "step=%s\nerrno=%d\nmessage=%s\n", step, err, message);
  write_file_atomic("error", text, (size_t)len);
}

static _Noreturn void fail_start(const char *step, int err, const char *message) {
  record_error(step, err, message);
  attach_close();
  report_start("error %s\n", message);
  exit(1);
}

static _Noreturn void fail_errno(const char *step, const char *what) {
  char message[1024];
  int err = errno;
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  fail_start(step, err, message);
}

/* The child cannot report a failure without these, so they exist before anything else. */
static void ensure_stdio_open(void) {
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd < 3) {
  }
  if (fd > 2) close(fd);
}

static int read_last_cap(void) {
  char text[16] = "";
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) (void)!read(fd, text, sizeof text - 1), close(fd);
  return text[0] ? atoi(text) : 40; /* CAP_CHECKPOINT_RESTORE, the last one in Linux 6.x */
}

/* overlayfs splits its options on ',' and lowerdir on ':'; mount(2) takes one page of options. */
static const char *overlay_options(void) {
  static char options[4096];
  size_t len = 0;
  for (int i = 0; i <= spec.nlower + 1; i++) {
    const char *path = i < spec.nlower ? spec.lower[i] : i == spec.nlower ? spec.upper : spec.work;
    if (strpbrk(path, ",:") != NULL) {
      char message[1024];
      snprintf(message, sizeof message, "layer path %s contains ',' or ':', which overlayfs options cannot carry", path);
      fail_start("mount overlay", EINVAL, message);
    }
    const char *prefix = i == 0 ? "lowerdir=" : i < spec.nlower ? ":" : i == spec.nlower ? ",upperdir=" : ",workdir=";
    len += (size_t)snprintf(options + len, sizeof options - len, "%s%s", prefix, path);
    if (len >= sizeof options) {
      fail_start("mount overlay", E2BIG, "too many image layers: the overlay mount options exceed 4096 bytes");
    }
  }
  return options;
}

static void require(int present, const char *key) {
  if (present) return;
  char message[128];
  snprintf(message, sizeof message, "spec: missing \"%s\"", key);
  fail_start("spec", EINVAL, message);
}

static void open_mode_fds(struct launch *l, int exec_mode) {
  for (int i = 0; i < spec.ncgroups; i++) {
    l->cgroup_fds[i] = open(spec.cgroup_procs[i], O_WRONLY | O_CLOEXEC);
    if (l->cgroup_fds[i] < 0) fail_errno("join cgroup", spec.cgroup_procs[i]);
  }
  if (exec_mode) {
    require(spec.join_pid != 0, "join_pid");
    l->container_pidfd = (int)syscall(SYS_pidfd_open, spec.join_pid, 0);
    if (l->container_pidfd < 0) fail_errno("join container namespaces", "the container is not running");
    /* Only our future child enters the container's pid namespace; the monitor stays outside. */
    if (setns(l->container_pidfd, CLONE_NEWPID) != 0) fail_errno("join container namespaces", "pid namespace");
    return;
  }
  require(spec.rootfs != NULL, "rootfs");
  require(spec.upper != NULL, "upper");
  require(spec.work != NULL, "work");
  require(spec.nlower > 0, "lower");
  l->overlay_options = overlay_options();
  static char self[PATH_MAX];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len < 0) fail_errno("bind init", "/proc/self/exe");
  self[len] = '\0';
  l->monitor_path = self;
  if (strcmp(spec.net, "new") != 0 && strcmp(spec.net, "host") != 0) {
    l->netns_fd = open(spec.net, O_RDONLY | O_CLOEXEC);
    if (l->netns_fd < 0) fail_errno("join network namespace", spec.net);
  }
}

struct monitor_ends {
  int report, gate, stdin_fd, stdout_fd, stderr_fd, console_sock;
};

/* Creates the pipes (or the console socketpair) between monitor and child: child ends in `l`. */
static void open_channels(struct launch *l, struct monitor_ends *m) {
  int report[2], gate[2], out[2], err[2], in[2], sock[2];
  if (pipe2(report, O_CLOEXEC) != 0 || pipe2(gate, O_CLOEXEC) != 0) fail_errno("set up stdio", "pipe");
  l->report_fd = report[1], m->report = report[0];
  l->gate_fd = gate[0], m->gate = gate[1];
  m->stdin_fd = m->stdout_fd = m->stderr_fd = m->console_sock = -1;
  if (spec.tty) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) != 0) fail_errno("set up stdio", "socketpair");
    l->console_sock = sock[1], m->console_sock = sock[0];
    return;
  }
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) fail_errno("set up stdio", "pipe");
  l->stdio[1] = out[1], m->stdout_fd = out[0];
  l->stdio[2] = err[1], m->stderr_fd = err[0];
  if (spec.open_stdin) {
    if (pipe2(in, O_CLOEXEC) != 0) fail_errno("set up stdio", "pipe");
    l->stdio[0] = in[0], m->stdin_fd = in[1];
    fcntl(m->stdin_fd, F_SETFL, O_NONBLOCK); /* a container that does not read stdin must not stall us */
  } else {
    l->stdio[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
}

/* In the child, which shares them until execve: the gate's write end especially, so that a monitor killed while the
 * process waits at the gate lets it go (EOF) instead of leaving it waiting forever. */
static void close_monitor_ends(const struct monitor_ends *m) {
  const int fds[] = {m->report, m->gate, m->stdin_fd, m->stdout_fd, m->stderr_fd, m->console_sock};
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
    if (fds[i] >= 0) close(fds[i]);
  }
}

static void close_child_ends(struct launch *l) {
  close(l->report_fd);
  close(l->gate_fd);
  for (int i = 0; i < 3; i++) {
    if (!spec.tty) close(l->stdio[i]);
  }
  if (spec.tty) close(l->console_sock);
  for (int i = 0; i < spec.ncgroups; i++) close(l->cgroup_fds[i]);
  if (l->netns_fd >= 0) close(l->netns_fd);
}

/* A child failure before or at execve: the child exits 127; record why. */
static _Noreturn void fail_child(pid_t pid, const struct child_report *r) {
  char message[1024];
  waitpid(pid, NULL, 0);
  describe_child_failure(&spec, r, message, sizeof message);
  fail_start(step_name(r->step), r->err, message);
}

static int oom_killed(void) {
  if (spec.oom_events == NULL) return 0;
  char text[1024];
  int fd = open(spec.oom_events, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t len = read(fd, text, sizeof text - 1);
  close(fd);
  text[len > 0 ? len : 0] = '\0';
  /* Both cgroup v1 memory.oom_control and v2 memory.events have an "oom_kill N" line. */
  const char *line = strstr(text, "oom_kill ");
  return line != NULL && atol(line + strlen("oom_kill ")) > 0;
}

static void write_exit(int status) {
  char finished[64], text[256];
  format_now(finished);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  int code = sig ? 128 + sig : WEXITSTATUS(status);
  int len = snprintf(text, sizeof text, "exit_code=%d\nsignal=%d\nfinished_at=%s\noom_killed=%d\n", code, sig, finished,
                     oom_killed());
  write_file_atomic("exit", text, (size_t)len);
}

/* The `pid` file says the process runs: berthd, restarted, adopts a container whose monitor has one. */
static int record_pid(void) {
  char text[32];
  int len = snprintf(text, sizeof text, "%d\n", child_pid);
  return write_file_atomic("pid", text, (size_t)len);
}

/* execve's outcome after a held gate: a failure is recorded in `error` as at start, and answered to the starter. */
static const char *late_exec_outcome(const struct child_report *report) {
  static char message[1024];
  if (report->step == STEP_READY) {
    if (record_pid() == 0) return NULL;
    /* Unrecorded, it would not be adopted after a restart of berthd: it must not run at all. */
    snprintf(message, sizeof message, "write pid: %s", strerror(errno));
    kill(child_pid, SIGKILL);
    return message;
  }
  describe_child_failure(&spec, report, message, sizeof message);
  record_error(step_name(report->step), report->err, message);
  return message;
}

static int monitor_main(const char *statedir, int exec_mode) {
  ensure_stdio_open();
  setsid(); /* fails only when already a session leader, which is just as good */
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  umask(077);
  if (chdir(statedir) != 0) {
    report_start("error state directory %s: %s\n", statedir, strerror(errno));
    return 1;
  }
  /* A restart reuses the state directory: the previous run's results must not be mistaken for this one's. */
  unlink("exit"), unlink("error"), unlink("pid");
  char text[64];
  int len = snprintf(text, sizeof text, "%d\n", getpid());
  if (write_file_atomic("monitor.pid", text, (size_t)len) != 0) fail_errno("start", "write monitor.pid");

  char error_text[1024];
  if (spec_load("spec", &spec, error_text, sizeof error_text) != 0) fail_start("spec", EINVAL, error_text);
  struct launch l = {.spec = &spec, .netns_fd = -1, .container_pidfd = -1, .last_cap = read_last_cap()};
  open_mode_fds(&l, exec_mode);
  struct monitor_ends m;
  open_channels(&l, &m);
  int log_fd = -1;
  if (!exec_mode) {
    log_fd = open("container.log", O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log_fd < 0) fail_errno("start", "open container.log");
  }
  if (attach_listen("attach.sock") != 0) fail_errno("start", "listen on attach.sock");

  sigset_t sigchld;
  sigemptyset(&sigchld);
  sigaddset(&sigchld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &sigchld, NULL);
  int sigchld_fd = signalfd(-1, &sigchld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigchld_fd < 0) fail_errno("start", "signalfd");

  unsigned long long flags = exec_mode ? 0 : CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (!exec_mode && strcmp(spec.net, "new") == 0) flags |= CLONE_NEWNET;
  struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) fail_errno("start", "clone3");
  child_pid = pid;
  if (pid == 0) {
    close_monitor_ends(&m);
    if (exec_mode) child_exec(&l);
    child_run(&l);
  }
  close_child_ends(&l);

  struct child_report report;
  if (read(m.report, &report, sizeof report) != sizeof report) {
    report = (struct child_report){STEP_EXEC, EIO, 0}; /* died without a word */
  }
  if (report.step != STEP_READY) fail_child(pid, &report);
  if (spec.tty) {
    m.stdout_fd = console_receive(m.console_sock);
    if (m.stdout_fd < 0) fail_errno("open console", "receive the pty master");
    fcntl(m.stdout_fd, F_SETFL, O_NONBLOCK);
    if (spec.open_stdin) m.stdin_fd = m.stdout_fd;
    close(m.console_sock);
  }
  if (!spec.hold) {
    (void)!write(m.gate, "", 1);
    close(m.gate);
    m.gate = -1;
    /* EOF: execve succeeded and closed the CLOEXEC pipe. */
    if (read(m.report, &report, sizeof report) == sizeof report) fail_child(pid, &report);
    close(m.report);
    m.report = -1;
    attach_answer_start(NULL);
  }
  /* Held, it is not running yet: its pid is recorded once execve succeeded (late_exec_outcome). */
  if (!spec.hold && record_pid() != 0) {
    kill(pid, SIGKILL);
    fail_errno("start", "write pid");
  }
  report_start("ok %d\n", pid);

  struct supervised c = {
      .pid = pid, .sigchld_fd = sigchld_fd, .stdout_fd = m.stdout_fd, .stderr_fd = m.stderr_fd,
      .stdin_fd = m.stdin_fd, .tty = spec.tty, .log_fd = log_fd, .report_fd = m.report, .gate_fd = m.gate,
      .exec_outcome = late_exec_outcome,
  };
  int status = supervise(&c);
  write_exit(status);
  attach_close();
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--init") == 0) return init_main(argc, argv);
  if (argc == 2 && argv[1][0] != '-') return monitor_main(argv[1], 0);
  if (argc == 3 && strcmp(argv[1], "exec") == 0) return monitor_main(argv[2], 1);
  fprintf(stderr, "usage: %s STATEDIR | %s exec EXECDIR | %s --init PROGRAM -- ARGV...\n", argv[0], argv[0], argv[0]);
  return 2;
}
