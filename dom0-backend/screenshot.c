/*
 * screenshot.c - a vGPU's current display plane as a PNG file (libpng),
 * read through the shadow GTT by the device model.
 *
 * The copy is quick and holds the vGPU's lock; the encoding is the
 * CPU-heavy part (tens of milliseconds at 1024x768) and only the requester
 * waits for it, so it runs on a thread of its own at a lower priority: on
 * a busy dom0 the domains' IOREQ threads preempt it rather than queue
 * behind it (docs/benchmarks.md, metric 8).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <png.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "screenshot.h"

/* libpng reports errors by longjmp: keep that inside a function whose
 * locals are all set before setjmp. */
static int write_png(FILE *f, const uint8_t *pix, unsigned int w, unsigned int h, uint8_t *row)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop pinfo = png ? png_create_info_struct(png) : NULL;

    if (!pinfo) {
        png_destroy_write_struct(&png, NULL);
        return -ENOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &pinfo);
        return -EIO;
    }
    png_init_io(png, f);
    png_set_IHDR(png, pinfo, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, pinfo);
    for (unsigned int y = 0; y < h; y++) {
        const uint8_t *src = pix + (size_t)y * w * 4;

        /* XRGB8888 little-endian: bytes B, G, R, X. */
        for (unsigned int x = 0; x < w; x++) {
            row[3 * x] = src[4 * x + 2];
            row[3 * x + 1] = src[4 * x + 1];
            row[3 * x + 2] = src[4 * x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &pinfo);
    return 0;
}

#define ENCODE_NICE 10           /* below the IOREQ threads' 0 */

struct encode_job {
    FILE *f;
    const uint8_t *pix;
    unsigned int w, h;
    uint8_t *row;
    int rc;
};

static void *encode_main(void *arg)
{
    struct encode_job *j = arg;

    /* Best effort: a failure leaves the encoding at normal priority. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), ENCODE_NICE))
        os_warn("screenshot: cannot lower the encoder's priority: %s", strerror(errno));
    j->rc = write_png(j->f, j->pix, j->w, j->h, j->row);
    return NULL;
}

/* write_png on the low-priority encoder thread; signals stay the caller's. */
static int encode(FILE *f, const uint8_t *pix, unsigned int w, unsigned int h, uint8_t *row)
{
    struct encode_job j = { f, pix, w, h, row, 0 };
    sigset_t all, old;
    pthread_t t;
    int rc;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&t, NULL, encode_main, &j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return -rc;
    pthread_join(t, NULL);
    return j.rc;
}

int screenshot_png(struct vgpu *v, const char *path, unsigned int *w, unsigned int *h)
{
    struct vgpu_plane_info info;
    uint8_t *pix = NULL, *row = NULL;
    FILE *f;
    size_t size;
    int rc;

    rc = vgpu_display_plane(v, &info);
    if (rc)
        return rc;
    size = (size_t)info.width * info.height * 4;
    pix = malloc(size);
    row = malloc((size_t)info.width * 3);
    if (!pix || !row) {
        rc = -ENOMEM;
        goto out;
    }
    rc = vgpu_display_read(v, &info, pix, size);
    if (rc)
        goto out;
    f = fopen(path, "wb");
    if (!f) {
        rc = -errno;
        goto out;
    }
    rc = encode(f, pix, info.width, info.height, row);
    if (fclose(f) && !rc)
        rc = -errno;
    if (!rc) {
        *w = info.width;
        *h = info.height;
    }
out:
    free(pix);
    free(row);
    return rc;
}
