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

struct vgpu_cfg_entry {
    char type[64];
    char bdf[16];               /* BB:DD.F; "" for mdev without bdf= (QEMU places it) */
    char uuid[40];
    int bdf_given, uuid_given;
    enum vgpu_backend backend;
};

/* "daemon" / "mdev". */
const char *vgpu_backend_name(enum vgpu_backend b);

/*
 * Parse one entry such as "type=refgpu-8,bdf=00:05.0,uuid=...,backend=daemon".
 * index is its position (for the default BDF 00:05+index.0 of the daemon
 * backend; an mdev entry without bdf= gets none: QEMU picks the slot).
 * With backend=mdev a bdf must be on bus 00 (it becomes QEMU's addr=DD.F).
 * 0, or -1 with a message in err.
 */
int vgpu_cfg_parse_entry(const char *spec, unsigned int index, struct vgpu_cfg_entry *out,
                         char *err, size_t errlen);

/*
 * Read the vgpu setting from the text of an xl config.  Returns the number
 * of entries (0 when there is no vgpu setting), or -1 with err set.
 * Entries without a UUID get none here (the caller generates them).
 * All entries must name the same backend: Xen lets only one IOREQ server
 * per domain claim write tracking, so a domain cannot use both.
 */
int vgpu_cfg_parse_xl(const char *text, struct vgpu_cfg_entry *out, unsigned int max,
                      char *err, size_t errlen);

/*
 * What can be known of the n entries' values without a daemon, beyond the
 * syntax vgpu_cfg_parse_xl checks: each type is one of the core's, which
 * the daemon and vgpu_mdev.ko offer alike.  0, or -1 with err set to the
 * message the daemon would give.
 */
int vgpu_cfg_check(const struct vgpu_cfg_entry *e, int n, char *err, size_t errlen);

#endif /* VGPU_CFG_H */
