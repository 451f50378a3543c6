/*
 * control.h - vgpu-backend's control socket: a root-only UNIX stream
 * socket speaking JSON lines (docs/control-protocol.md).  vgpuctl is its
 * client.  control.c is the transport, control_cmds.c the commands.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <poll.h>

#include "backend.h"

#define CONTROL_DEFAULT_PATH "/run/vgpu-backend.sock"
#define CONTROL_MAX_CLIENTS 16
/* The listening socket and every client. */
#define CONTROL_MAX_POLLFDS (1 + CONTROL_MAX_CLIENTS)
/* Longest error text in a reply. */
#define CONTROL_ERROR_MAX 512

/* control.c: the socket and its clients. */
int control_open(struct backend *be, const char *path);
void control_close(struct backend *be);
/* Poll set: the listening socket and every client (at most max). */
int control_pollfds(struct backend *be, struct pollfd *fds, int max);
void control_event(struct backend *be, const struct pollfd *fds, int n);

/* control_cmds.c: handle one request line; returns the response
 * (malloc'd, newline-terminated), NULL when out of memory. */
char *control_handle(struct backend *be, const char *line);
/* An error reply {"ok":false,"errno":err,"error":...} (malloc'd; NULL: out of memory). */
char *control_reply_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* CONTROL_H */
