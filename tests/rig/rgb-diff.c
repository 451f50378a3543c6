/*
 * rgb-diff: compare the RGB pixels of a PNG (a `vgpuctl screenshot`) with
 * those of a JPEG (what `vncsnapshot` saved from the daemon's VNC), for
 * the rig's display checks.
 *
 *   rgb-diff A.png B.jpg TOLERANCE
 *
 * vncsnapshot writes only JPEG; at its default quality 100 (no chroma
 * subsampling, every quantiser 1) a channel comes back within 1 of what
 * the server sent, so TOLERANCE is how far a channel may be off, and the
 * sizes must be equal.  Prints the size, the largest channel difference
 * and how many pixels differ at all; exit 0 when within TOLERANCE, 1 when
 * not, 2 when a file cannot be read.
 */
#include <errno.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>            /* after stdio.h: it uses FILE and size_t */
#include <png.h>

struct rgb {
    unsigned int w, h;
    unsigned char *px;          /* w * h * 3 */
};

static int read_png(const char *path, struct rgb *out)
{
    png_image img;

    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        fprintf(stderr, "rgb-diff: %s: %s\n", path, img.message);
        return -1;
    }
    img.format = PNG_FORMAT_RGB;
    out->w = img.width;
    out->h = img.height;
    out->px = malloc(PNG_IMAGE_SIZE(img));
    if (!out->px || !png_image_finish_read(&img, NULL, out->px, 0, NULL)) {
        fprintf(stderr, "rgb-diff: %s: %s\n", path, out->px ? img.message : "out of memory");
        png_image_free(&img);
        return -1;
    }
    return 0;
}

struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jmp;
};

static void jpeg_fail(j_common_ptr c)
{
    (*c->err->output_message)(c);
    longjmp(((struct jerr *)c->err)->jmp, 1);
}

static int read_jpeg(const char *path, struct rgb *out)
{
    struct jpeg_decompress_struct c;
    struct jerr err;
    FILE *f = fopen(path, "rb");

    if (!f) {
        fprintf(stderr, "rgb-diff: %s: %s\n", path, strerror(errno));
        return -1;
    }
    out->px = NULL;
    c.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail;
    if (setjmp(err.jmp)) {
        jpeg_destroy_decompress(&c);
        fclose(f);
        free(out->px);
        out->px = NULL;
        return -1;
    }
    jpeg_create_decompress(&c);
    jpeg_stdio_src(&c, f);
    jpeg_read_header(&c, TRUE);
    c.out_color_space = JCS_RGB;
    jpeg_start_decompress(&c);
    out->w = c.output_width;
    out->h = c.output_height;
    out->px = malloc((size_t)out->w * out->h * 3);
    if (!out->px)
        longjmp(err.jmp, 1);
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = out->px + (size_t)c.output_scanline * out->w * 3;

        jpeg_read_scanlines(&c, &row, 1);
    }
    jpeg_finish_decompress(&c);
    jpeg_destroy_decompress(&c);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    struct rgb a, b;
    unsigned long differ = 0;
    int tol, max = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: rgb-diff A.png B.jpg TOLERANCE\n");
        return 2;
    }
    tol = atoi(argv[3]);
    if (read_png(argv[1], &a) || read_jpeg(argv[2], &b))
        return 2;
    if (a.w != b.w || a.h != b.h) {
        printf("rgb-diff: sizes differ: %ux%u vs %ux%u\n", a.w, a.h, b.w, b.h);
        return 1;
    }
    for (size_t i = 0; i < (size_t)a.w * a.h; i++) {
        int m = 0;

        for (int k = 0; k < 3; k++) {
            int d = abs(a.px[3 * i + k] - b.px[3 * i + k]);

            m = d > m ? d : m;
        }
        differ += m > 0;
        max = m > max ? m : max;
    }
    printf("rgb-diff: %ux%u, largest channel difference %d (tolerance %d), %lu of %lu "
           "pixels differ\n", a.w, a.h, max, tol, differ, (unsigned long)a.w * a.h);
    free(a.px);
    free(b.px);
    return max <= tol ? 0 : 1;
}
