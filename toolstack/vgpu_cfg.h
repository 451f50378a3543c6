/*
 * vgpu_cfg.h - the `vgpu = [ ... ]` setting of an xl domain configuration
 * (docs/vgpu-config.md): reading it out of a config file and checking
 * each entry, with errors that name the offending key or value.
 */
#ifndef VGPU_CFG_H
#define VGPU_CFG_H

#include <stddef.h>

#define VGPU_CFG_MAX 8

struct vgpu_cfg_entry {
    char type[64];
    char bdf[16];               /* BB:DD.F */
    char uuid[40];
    int bdf_given, uuid_given;
};

/*
 * Parse one entry such as "type=refgpu-8,bdf=00:05.0,uuid=...".  index is
 * its position (for the default BDF 00:05+index.0).  0, or -1 with a
 * message in err.
 */
int vgpu_cfg_parse_entry(const char *spec, unsigned int index, struct vgpu_cfg_entry *out,
                         char *err, size_t errlen);

/*
 * Read the vgpu setting from the text of an xl config.  Returns the number
 * of entries (0 when there is no vgpu setting), or -1 with err set.
 * Entries without a UUID get none here (the caller generates them).
 */
int vgpu_cfg_parse_xl(const char *text, struct vgpu_cfg_entry *out, unsigned int max,
                      char *err, size_t errlen);

#endif /* VGPU_CFG_H */
