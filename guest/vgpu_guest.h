/*
 * vgpu_guest.h - what the parts of vgpu-guest share: the device and the
 * scenario context.
 *
 * vgpu-guest runs inside a guest (Xen HVM or a KVM guest with an mdev
 * behind vfio-pci) and drives the vGPU through the guest library on its
 * Linux platform (rgpu_linux.c).  One global device: the program is a
 * sequence of scenarios on one function, nothing runs concurrently.
 */
#ifndef VGPU_GUEST_H
#define VGPU_GUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "rgpu_cmd.h"
#include "rgpu_guest.h"
#include "rgpu_linux.h"
#include "scenarios/scn.h"

extern struct rgpu_linux vg_lx;
extern struct rgpu_platform vg_plat;
extern struct rgpu_dev *vg_dev;
extern const char *vg_sbdf;             /* --device, or NULL: the first 1234:6770 */
extern enum rgpu_dma_mode vg_dma;       /* --dma: how DMA pages are addressed */

/* The scenario context: the shared scenarios (guest/scenarios/) see the
 * device through it, with this harness's extension (interrupts the guest
 * kernel took). */
extern struct scn vg_scn;

/* The scenarios only a guest runs (vgpu_guest_scn.c): true on success. */
bool vg_scn_probe(struct scn *s);
bool vg_scn_track(struct scn *s);

#endif /* VGPU_GUEST_H */
