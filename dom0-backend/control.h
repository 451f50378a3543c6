/*
 * control.h - vgpu-backend's control socket: a root-only UNIX stream
 * socket speaking JSON lines (docs/control-protocol.md).  vgpuctl is its
 * client.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <poll.h>

#include "backend.h"

#define CONTROL_DEFAULT_PATH "/run/vgpu-backend.sock"

int control_open(struct backend *be, const char *path);
void control_close(struct backend *be);
/* Poll set: the listening socket and every client. */
int control_pollfds(struct backend *be, struct pollfd *fds, int max);
void control_event(struct backend *be, const struct pollfd *fds, int n);
/* Handle one request line; returns the response (malloc'd, newline-terminated). */
char *control_handle(struct backend *be, const char *line);

#endif /* CONTROL_H */
