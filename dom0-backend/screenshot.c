/*
 * screenshot.c - a vGPU's current display plane as a PNG file (libpng),
 * read through the shadow GTT by the device model.
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>

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
    rc = write_png(f, pix, info.width, info.height, row);
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
