#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int init_main(int argc, char **argv) {
  if (argc < 5 || strcmp(argv[3], "--") != 0) {
    fprintf(stderr, "usage: %s --init PROGRAM -- ARGV...\n", argv[0]);
    return 2;
  }
  /* Blocked signals still reach a namespace's pid 1 (unhandled ones would be dropped), so sigwaitinfo sees them all.
     The monitor started us with all of them blocked already: one sent before this point waits here too. */
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &all, NULL);

  pid_t child = fork();
  if (child < 0) {
    perror("init: fork");
    return 1;
  }
  if (child == 0) {
    /* Its own foreground process group, so a terminal's ^C reaches it once, not again through us. */
    setpgid(0, 0);
    if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpid());
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[2], argv + 4);
    fprintf(stderr, "init: exec %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue;
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    int status;
    for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
      if (pid != child) continue;
      return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    }
  }
}
