/* screenshot.h - write a vGPU's display plane to a PNG file. */
#ifndef SCREENSHOT_H
#define SCREENSHOT_H

#include "vgpu.h"

/* 0 or -errno (-ENODEV: no active plane; -EFAULT: a page of it unmapped). */
int screenshot_png(struct vgpu *v, const char *path, unsigned int *w, unsigned int *h);

#endif
