#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console.h"
#include "fail.h"
#include "identity.h"
#include "resolve.h"
#include "rootfs.h"

/* Where rootfs_bind_init puts this executable inside the container. */
#define INIT_PATH "/dev/init"

void child_begin(const struct launch *l) {
  /* The monitor blocks SIGCHLD and ignores SIGHUP/SIGPIPE; both would survive execve. A namespace's pid 1 drops
     a signal it has no handler for, unless the signal is blocked: with init, all stay blocked through execve until
     init waits for them, so that a stop sent as soon as the start answered is not lost (init unblocks them for
     its child). */
  sigset_t mask;
  if (l->spec->init) sigfillset(&mask);
  else sigemptyset(&mask);
  sigprocmask(SIG_SETMASK, &mask, NULL);
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);

  if (!l->spec->tty) {
    for (int fd = 0; fd < 3; fd++) {
      if (dup2(l->stdio[fd], fd) < 0) child_fail(l->report_fd, STEP_STDIO, fd);
    }
    if (setsid() < 0) child_fail(l->report_fd, STEP_STDIO, 0);
  }
  /* Joined before anything else runs, so every later process is accounted to the container. */
  for (int i = 0; i < l->spec->ncgroups; i++) {
    if (write(l->cgroup_fds[i], "0", 1) != 1) child_fail(l->report_fd, STEP_CGROUP, i);
  }
}

static int loopback_up(void) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  struct ifreq req = {0};
  strcpy(req.ifr_name, "lo");
  int rc = ioctl(sock, SIOCGIFFLAGS, &req);
  req.ifr_flags |= IFF_UP;
  if (rc == 0) rc = ioctl(sock, SIOCSIFFLAGS, &req);
  close(sock);
  return rc;
}

static int open_console(const struct launch *l, int master) {
  if (master < 0) return -1;
  int slave = console_create(master, l->console_sock);
  close(master);
  return slave;
}

_Noreturn void child_run(const struct launch *l) {
  const struct spec *s = l->spec;
  int report = l->report_fd;
  child_begin(l);

  if (l->netns_fd >= 0 && setns(l->netns_fd, CLONE_NEWNET) != 0) child_fail(report, STEP_NETNS, 0);
  if (strcmp(s->net, "new") == 0 && loopback_up() != 0) child_fail(report, STEP_LOOPBACK, 0);
  /* After joining the cgroups, so the container sees its own cgroup as the root. */
  if (unshare(CLONE_NEWCGROUP) != 0) child_fail(report, STEP_CGROUPNS, 0);
  if (s->hostname != NULL && sethostname(s->hostname, strlen(s->hostname)) != 0) child_fail(report, STEP_HOSTNAME, 0);
  if (s->domainname != NULL && setdomainname(s->domainname, strlen(s->domainname)) != 0) {
    child_fail(report, STEP_DOMAINNAME, 0);
  }

  /* Device nodes get exactly the modes rootfs.c asks for. */
  umask(0);
  int rootfd = rootfs_mount_overlay(s, l->overlay_options, report);
  rootfs_mount_system(s, rootfd, report);
  int slave = -1;
  if (s->tty) {
    slave = open_console(l, root_open(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY));
    if (slave < 0) child_fail(report, STEP_CONSOLE, 0);
    rootfs_bind_console(rootfd, slave, report);
  }
  if (s->init) rootfs_bind_init(rootfd, l->monitor_path, report);
  rootfs_mount_user(s, rootfd, report);
  rootfs_protect(s, rootfd, report);
  rootfs_enter(s, rootfd, report);
  umask(022);

  if (s->tty && console_make_stdio(slave) != 0) child_fail(report, STEP_CONSOLE, 0);
  identity_apply(s, l->last_cap, report);
  if (chdir(s->cwd != NULL ? s->cwd : "/") != 0) child_fail(report, STEP_CHDIR, 0);
  static const char *init_prefix[] = {INIT_PATH, "--init"};
  child_finish(l, init_prefix, s->init ? 2 : 0);
}

_Noreturn void child_exec(const struct launch *l) {
  const struct spec *s = l->spec;
  int report = l->report_fd;
  umask(022);
  child_begin(l);
  if (setns(l->container_pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) != 0) {
    child_fail(report, STEP_SETNS, 0);
  }
  if (s->tty) {
    int slave = open_console(l, open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (slave < 0 || console_make_stdio(slave) != 0) child_fail(report, STEP_CONSOLE, 0);
  }
  identity_apply(s, l->last_cap, report);
  if (chdir(s->cwd != NULL ? s->cwd : "/") != 0) child_fail(report, STEP_CHDIR, 0);
  child_finish(l, NULL, 0);
}

_Noreturn void child_finish(const struct launch *l, const char *const *argv_prefix, int nprefix) {
  const struct spec *s = l->spec;
  static char resolved[PATH_MAX];
  if (lookup_executable(s->argv[0], s->env, resolved, sizeof resolved) != 0) child_fail(l->report_fd, STEP_LOOKUP, 0);

  /* With init, pid 1 is "/dev/init --init <resolved> -- argv...", which runs argv as its child. */
  static const char *argv[SPEC_MAX_ARGS + 5];
  const char *program = resolved;
  int n = 0;
  if (nprefix > 0) {
    program = argv_prefix[0];
    for (int i = 0; i < nprefix; i++) argv[n++] = argv_prefix[i];
    argv[n++] = resolved;
    argv[n++] = "--";
  }
  for (int i = 0; i < s->argc; i++) argv[n++] = s->argv[i];
  argv[n] = NULL;

  child_ready(l->report_fd);
  char go;
  if (read(l->gate_fd, &go, 1) != 1) _exit(127); /* the monitor is gone: nobody would collect our output */
  execve(program, (char *const *)argv, (char *const *)s->env);
  child_fail(l->report_fd, STEP_EXEC, 0);
}
