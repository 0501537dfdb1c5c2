// attach.sock: clients receive the container's output and send stdin, resize and start requests.
// Frames in both directions: 8-byte header {type, 0, 0, 0, big-endian uint32 length} + payload,
// the header of Docker's multiplexed stream. See native/README.md.
#pragma once
#include <poll.h>
#include <stddef.h>

enum frame_type {
  FRAME_STDIN = 0,
  FRAME_STDOUT = 1,
  FRAME_STDERR = 2,
  FRAME_CLOSE_STDIN = 3,
  FRAME_RESIZE = 4, /* payload: rows, cols as big-endian uint16 */
  FRAME_START = 5,  /* releases a container created with hold=1 */
  FRAME_STARTED = 6, /* monitor -> the client that sent FRAME_START: execve's outcome, empty or the failure message */
};

#define ATTACH_MAX_CLIENTS 16
#define ATTACH_STDIN_CHUNK 4096

/* What the supervisor does with client requests. */
struct attach_handlers {
  void (*stdin_data)(const char *data, size_t len);
  void (*close_stdin)(void);
  void (*resize)(unsigned rows, unsigned cols);
  void (*start)(void);
};

/* Listens on `name` (relative to the state directory), mode 0600. Returns 0 or -1 with errno. */
int attach_listen(const char *name);

/* Adds the listener and clients to `fds` (at most 1 + ATTACH_MAX_CLIENTS entries); clients are
 * polled for input only when `want_input`. Returns the number added. */
int attach_poll_fds(struct pollfd *fds, int want_input);

/* Handles the poll results for the entries attach_poll_fds added at `fds`. Client input is read in
 * chunks of at most ATTACH_STDIN_CHUNK bytes while `stdin_space()` allows. */
void attach_handle(const struct pollfd *fds, int count, const struct attach_handlers *h, size_t (*stdin_space)(void));

/* Sends one output frame to every client; a client that cannot take it within a second is dropped. */
void attach_broadcast(enum frame_type type, const char *data, size_t len);

/* Answers every client that sent FRAME_START, and those that send it later, with FRAME_STARTED: `failure` is
 * NULL when execve succeeded. */
void attach_answer_start(const char *failure);

/* Closes every client and the listener and removes the socket file. */
void attach_close(void);
