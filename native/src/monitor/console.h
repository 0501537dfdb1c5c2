// Pseudo-terminals for TTY containers. The pair is opened by the child on the container's own
// devpts instance (so /dev/pts/N and ttyname work inside), and the master travels to the
// monitor over a unix socketpair.
#pragma once

/* Child: unlocks the pty behind `master` (an open ptmx), sends the master over `sock` and
 * returns the slave fd (80x24), or -1 with errno. */
int console_create(int master, int sock);

/* Child: makes `slave` the controlling terminal of a new session and the process's stdio. */
int console_make_stdio(int slave);

/* Monitor: receives the master fd sent by console_create, or -1. */
int console_receive(int sock);

/* Monitor: resizes the terminal; the kernel sends SIGWINCH to the foreground process group. */
int console_resize(int master, unsigned rows, unsigned cols);
