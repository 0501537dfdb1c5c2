#include "attach.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

struct client {
  int fd; /* -1: free slot */
  unsigned char header[8];
  size_t header_len;
  uint32_t remaining; /* payload bytes of the current frame still to read */
  unsigned char control[4];
  size_t control_len;
  int awaits_start; /* sent FRAME_START and waits for FRAME_STARTED */
};

static int listener = -1;
static const char *socket_name;
static struct client clients[ATTACH_MAX_CLIENTS];
/* execve's outcome once known, for the FRAME_STARTED answers. */
static int start_known;
static char start_failure[1024];

int attach_listen(const char *name) {
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) clients[i].fd = -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(name) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, name);
  unlink(name);
  listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listener < 0) return -1;
  /* Created 0600 under the monitor's umask 077 before anyone can connect; fchmod cannot reach a bound socket. */
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || chmod(name, 0600) != 0 ||
      listen(listener, ATTACH_MAX_CLIENTS) != 0) {
    close(listener);
    listener = -1;
    return -1;
  }
  socket_name = name;
  return 0;
}

static void drop(struct client *c) {
  close(c->fd);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

static void accept_client(void) {
  int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) return;
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
    if (clients[i].fd < 0) {
      struct timeval timeout = {.tv_sec = 1};
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
      clients[i].fd = fd;
      return;
    }
  }
  close(fd); /* full: the client sees EOF at once */
}

int attach_poll_fds(struct pollfd *fds, int want_input) {
  int n = 0;
  fds[n++] = (struct pollfd){.fd = listener, .events = POLLIN};
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
    /* A negative fd makes poll skip the entry, which keeps indexes aligned with clients[]. */
    fds[n++] = (struct pollfd){.fd = clients[i].fd, .events = want_input ? POLLIN : 0};
  }
  return n;
}

static void dispatch_control(struct client *c, const struct attach_handlers *h) {
  switch (c->header[0]) {
    case FRAME_CLOSE_STDIN:
      h->close_stdin();
      break;
    case FRAME_RESIZE:
      h->resize((unsigned)c->control[0] << 8 | c->control[1], (unsigned)c->control[2] << 8 | c->control[3]);
      break;
    case FRAME_START:
      c->awaits_start = 1;
      h->start();
      if (start_known) attach_answer_start(start_failure[0] ? start_failure : NULL);
      break;
  }
}

/* One read per readiness, so a client can never block the monitor. */
static void read_client(struct client *c, const struct attach_handlers *h, size_t (*stdin_space)(void)) {
  if (c->header_len < sizeof c->header) {
    ssize_t got = read(c->fd, c->header + c->header_len, sizeof c->header - c->header_len);
    if (got <= 0) return drop(c);
    c->header_len += (size_t)got;
    if (c->header_len < sizeof c->header) return;
    unsigned type = c->header[0];
    c->remaining = (uint32_t)c->header[4] << 24 | (uint32_t)c->header[5] << 16 | (uint32_t)c->header[6] << 8 | c->header[7];
    size_t control_size = type == FRAME_RESIZE ? 4 : 0;
    int known = type == FRAME_STDIN || type == FRAME_CLOSE_STDIN || type == FRAME_RESIZE || type == FRAME_START;
    if (!known || (type != FRAME_STDIN && c->remaining != control_size)) return drop(c); /* protocol error */
  } else if (c->header[0] == FRAME_STDIN) {
    char chunk[ATTACH_STDIN_CHUNK];
    size_t want = c->remaining < sizeof chunk ? c->remaining : sizeof chunk;
    if (want > stdin_space()) return;
    ssize_t got = read(c->fd, chunk, want);
    if (got <= 0) return drop(c);
    h->stdin_data(chunk, (size_t)got);
    c->remaining -= (uint32_t)got;
  } else {
    ssize_t got = read(c->fd, c->control + c->control_len, c->remaining);
    if (got <= 0) return drop(c);
    c->control_len += (size_t)got;
    c->remaining -= (uint32_t)got;
  }
  if (c->remaining == 0) {
    if (c->header[0] != FRAME_STDIN) dispatch_control(c, h);
    c->header_len = c->control_len = 0;
  }
}

void attach_handle(const struct pollfd *fds, int count, const struct attach_handlers *h, size_t (*stdin_space)(void)) {
  if (count > 0 && (fds[0].revents & POLLIN)) accept_client();
  for (int i = 0; i + 1 < count; i++) {
    struct client *c = &clients[i];
    if (c->fd < 0 || fds[i + 1].fd != c->fd) continue; /* freed or reused since polling */
    if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) read_client(c, h, stdin_space);
  }
}

static void send_frame(struct client *c, enum frame_type type, const char *data, size_t len) {
  unsigned char header[8] = {(unsigned char)type, 0, 0, 0, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                             (unsigned char)(len >> 8), (unsigned char)len};
  struct iovec iov[2] = {{header, sizeof header}, {(void *)data, len}};
  ssize_t sent = writev(c->fd, iov, 2);
  /* A partial frame would corrupt the stream, so a slow client loses its connection instead. */
  if (sent != (ssize_t)(sizeof header + len)) drop(c);
}

void attach_broadcast(enum frame_type type, const char *data, size_t len) {
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
    if (clients[i].fd >= 0) send_frame(&clients[i], type, data, len);
  }
}

void attach_answer_start(const char *failure) {
  start_known = 1;
  snprintf(start_failure, sizeof start_failure, "%s", failure != NULL ? failure : "");
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
    if (clients[i].fd < 0 || !clients[i].awaits_start) continue;
    clients[i].awaits_start = 0;
    send_frame(&clients[i], FRAME_STARTED, start_failure, strlen(start_failure));
  }
}

void attach_close(void) {
  for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
    if (clients[i].fd >= 0) drop(&clients[i]);
  }
  if (listener >= 0) {
    close(listener);
    unlink(socket_name);
    listener = -1;
  }
}
