/*
 * vgpu_cfg.h - the `vgpu = [ ... ]` setting of an xl domain configuration
 * (docs/vgpu-config.md): reading it out of a config file and checking
 * each entry, with errors that name the offending key or value.
 */
#ifndef VGPU_CFG_H
#define VGPU_CFG_H

#include <stddef.h>

#define VGPU_CFG_MAX 8

/* Who serves the vGPU (docs/vgpu-config.md, "backend"). */
enum vgpu_backend {
    VGPU_BACKEND_DAEMON = 0,    /* vgpu-backend in dom0, via xenstore (default) */
    VGPU_BACKEND_MDEV,          /* vgpu_mdev.ko + the domain's QEMU (vfio-pci) */
};

/* The daemon's VNC view of a vGPU's display (docs/vgpu-config.md, "VNC").
 * The same keys arrive as backend nodes in xenstore. */
#define VGPU_VNC_PASSWD_MAX 8           /* VNC authentication uses 8 characters */
#define VGPU_VNC_DEFAULT_LISTEN "127.0.0.1"
#define VGPU_VNC_BASE_PORT 5900         /* vncdisplay=N is port 5900 + N */
struct vgpu_vnc_config {
    int enabled;                        /* vnc=1 */
    char listen[64];                    /* IPv4 or IPv6 literal */
    int port;                           /* 0: the first free port from 5900 */
    char passwd[VGPU_VNC_PASSWD_MAX + 1];   /* "": no authentication */
    unsigned int given;                 /* VGPU_VNC_GIVEN_* of the keys set */
};
#define VGPU_VNC_GIVEN_PORT    (1u << 0)
#define VGPU_VNC_GIVEN_DISPLAY (1u << 1)
#define VGPU_VNC_GIVEN_OTHER   (1u << 2)    /* vnclisten or vncpasswd */

/* Off, listening on 127.0.0.1 at the first free port once enabled. */
void vgpu_vnc_default(struct vgpu_vnc_config *c);
/* Apply one key=val: vnc (0/1), vnclisten, vncport, vncdisplay, vncpasswd.
 * 1 if applied, 0 if key is not a VNC key, -EINVAL with err set. */
int vgpu_vnc_set(struct vgpu_vnc_config *c, const char *key, const char *val, char *err,
                 size_t errlen);
/* After the last key: the keys fit together.  0, or -EINVAL with err set. */
int vgpu_vnc_finish(const struct vgpu_vnc_config *c, char *err, size_t errlen);

struct vgpu_cfg_entry {
    char type[64];
    char bdf[16];               /* BB:DD.F; "" for mdev without bdf= (QEMU places it) */
    char uuid[40];
    int bdf_given, uuid_given;
    enum vgpu_backend backend;
    struct vgpu_vnc_config vnc;
};

/* "daemon" / "mdev". */
const char *vgpu_backend_name(enum vgpu_backend b);

/*
 * Parse one entry such as "type=refgpu-8,bdf=00:05.0,uuid=...,backend=daemon".
 * index is its position (for the default BDF 00:05+index.0 of the daemon
 * backend; an mdev entry without bdf= gets none: QEMU picks the slot).
 * With backend=mdev a bdf must be on bus 00 (it becomes QEMU's addr=DD.F).
 * 0, or -EINVAL with a message in err.
 */
int vgpu_cfg_parse_entry(const char *spec, unsigned int index, struct vgpu_cfg_entry *out,
                         char *err, size_t errlen);

/*
 * Read the vgpu setting from the text of an xl config.  Returns the number
 * of entries (0 when there is no vgpu setting), or -EINVAL with err set.
 * Entries without a UUID get none here (the caller generates them).
 * All entries must name the same backend: Xen lets only one IOREQ server
 * per domain claim write tracking, so a domain cannot use both.
 */
int vgpu_cfg_parse_xl(const char *text, struct vgpu_cfg_entry *out, unsigned int max,
                      char *err, size_t errlen);

/*
 * What can be known of the n entries' values without a daemon, beyond the
 * syntax vgpu_cfg_parse_xl checks: each type is one of the core's, which
 * the daemon and vgpu_mdev.ko offer alike.  0, or -EINVAL with err set to the
 * message the daemon would give.
 */
int vgpu_cfg_check(const struct vgpu_cfg_entry *e, int n, char *err, size_t errlen);

#endif /* VGPU_CFG_H */
