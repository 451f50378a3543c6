/*
 * vnc_display.h - a vGPU's current display plane served over VNC
 * (LibVNCServer) from a thread of its own, never from an IOREQ lane.
 */
#ifndef VNC_DISPLAY_H
#define VNC_DISPLAY_H

#include <stdbool.h>

#include "vgpu.h"
#include "vgpu_cfg.h"

struct vnc_display;

/*
 * Listen on c->listen (an IPv4 or IPv6 literal) at c->port, or the first
 * free port from 5900 when c->port is 0, with VNC authentication when
 * c->passwd is set, and start the display thread.  v must outlive the
 * display: vnc_display_stop before v is reset for another owner or
 * destroyed.  0, or -errno (-EADDRINUSE: no port to listen on).
 */
int vnc_display_start(struct vgpu *v, const struct vgpu_vnc_config *c, struct vnc_display **out);
/* Disconnects every viewer, joins the thread, closes the listening socket
 * (the port is free when this returns) and frees vd.  NULL is a no-op. */
void vnc_display_stop(struct vnc_display *vd);
/* Where viewers connect: the bound address and TCP port. */
const char *vnc_display_listen(const struct vnc_display *vd);
int vnc_display_port(const struct vnc_display *vd);
/* "ADDR:PORT", or "[ADDR]:PORT" for IPv6, into buf: VNC_DISPLAY_ADDR_LEN
 * bytes hold the longest. */
#define VNC_DISPLAY_ADDR_LEN (sizeof(((struct vgpu_vnc_config *)0)->listen) + sizeof("[]:65535"))
void vnc_display_address(const struct vnc_display *vd, char *buf, size_t len);

/* Tests: fn(arg) runs on the display thread just before each framebuffer
 * update is sent to a viewer, where a slow viewer would hold the thread.
 * Set it before any viewer connects. */
void vnc_display_set_send_hook(struct vnc_display *vd, void (*fn)(void *arg), void *arg);

#endif /* VNC_DISPLAY_H */
