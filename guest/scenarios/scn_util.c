/*
 * scn_util.c - what every scenario uses: failure and note text, the
 * pseudo-random geometry, bounded waits, CPU references of the rectangle
 * commands and their comparison, buffer objects with reference images.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scn.h"
#include "le_bytes.h"

void scn_reset(struct scn *s)
{
    s->err[0] = '\0';
    s->note[0] = '\0';
}

bool scn_fail(struct scn *s, const char *file, int line, const char *fmt, ...)
{
    const char *base = strrchr(file, '/');
    va_list ap;
    int n;

    if (s->err[0])
        return false;
    n = snprintf(s->err, sizeof(s->err), "%s:%d: ", base ? base + 1 : file, line);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(s->err))
        vsnprintf(s->err + n, sizeof(s->err) - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

void scn_note(struct scn *s, const char *fmt, ...)
{
    size_t used = strlen(s->note);
    va_list ap;

    if (used >= sizeof(s->note) - 1)
        return;
    if (used && fmt[0] != ';')         /* "; more" continues a clause */
        s->note[used++] = ' ';
    va_start(ap, fmt);
    vsnprintf(s->note + used, sizeof(s->note) - used, fmt, ap);
    va_end(ap);
}

u32 scn_rand(struct scn *s)
{
    /* xorshift64*: deterministic per guest and seed. */
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    return (u32)((s->rng * 2685821657736338717ull) >> 32);
}

u32 scn_rand_range(struct scn *s, u32 lo, u32 hi)
{
    return lo + scn_rand(s) % (hi - lo + 1);
}

u64 scn_now_ns(struct scn *s)
{
    const struct rgpu_platform *p = rgpu_get_platform(s->dev);

    return p->now_ns(p->ctx);
}

void scn_sleep_ns(u64 ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

bool scn_stats(struct scn *s, struct scn_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->ext || !s->ext->stats)
        return false;
    s->ext->stats(s, out);
    return true;
}

static bool seqno_passed(u32 now, u32 seqno)
{
    return (int32_t)(now - seqno) >= 0;
}

/* Where a register read is a trap, poll the HWS (memory) and look at
 * RING_STATUS, to notice an error-halted engine, only now and then. */
int scn_wait_seqno(struct scn *s, u32 engine, u32 seqno)
{
    u64 t0, last, t;

    if (!s->status_every_ns)
        return rgpu_wait_seqno(s->dev, engine, seqno, SCN_WAIT_NS);
    t0 = last = scn_now_ns(s);
    for (;;) {
        if (seqno_passed(rgpu_hws_seqno(s->dev, engine), seqno))
            return 0;
        t = scn_now_ns(s);
        if (t - last >= s->status_every_ns) {
            last = t;
            if (rgpu_read(s->dev, RGPU_ENGINE_BASE(engine) + RGPU_RING_STATUS) &
                RGPU_RING_STATUS_ERROR)
                return seqno_passed(rgpu_hws_seqno(s->dev, engine), seqno) ? 0 : -EIO;
        }
        if (t - t0 >= SCN_WAIT_NS)
            return -ETIMEDOUT;
        scn_sleep_ns(200000);
    }
}

int scn_run(struct scn *s, u32 engine, const struct rgpu_cs *cs)
{
    u32 seqno;
    int rc;

    if (cs->overflow)
        return -E2BIG;
    rc = rgpu_submit(s->dev, engine, cs->buf, cs->len, &seqno);
    return rc ? rc : scn_wait_seqno(s, engine, seqno);
}

void scn_ref_fill(u8 *img, u32 off, u32 pitch, u32 bpp, u32 w, u32 h, u32 color)
{
    u32 bytes = 1u << bpp;

    for (u32 y = 0; y < h; y++)
        for (u32 x = 0; x < w; x++)
            le_store(img + off + y * pitch + x * bytes, bytes, color);
}

void scn_ref_copy(u8 *dst, u32 doff, u32 dpitch, const u8 *src, u32 soff, u32 spitch, u32 bpp,
                  u32 w, u32 h)
{
    for (u32 y = 0; y < h; y++)
        memmove(dst + doff + y * dpitch, src + soff + y * spitch, (size_t)w << bpp);
}

bool scn_compare(struct scn *s, const char *file, int line, const char *what, const void *got,
                 const void *want, size_t len)
{
    const u8 *a = got, *b = want;
    size_t i, bad = 0, first = 0;

    if (!memcmp(a, b, len))
        return true;
    for (i = 0; i < len; i++)
        if (a[i] != b[i] && !bad++)
            first = i;
    return scn_fail(s, file, line, "%s: %zu of %zu bytes differ, first at offset 0x%zx "
                    "(got 0x%02x, want 0x%02x)", what, bad, len, first, a[first], b[first]);
}

void scn_rand_rect(struct scn *s, u32 size, u32 bpp, u32 max_w, u32 max_h, u32 *off, u32 *pitch,
                   u32 *w, u32 *h)
{
    u32 bytes = 1u << bpp, span;

    *w = scn_rand_range(s, 1, max_w);
    *h = scn_rand_range(s, 1, max_h);
    /* pitch > width: some slack, a multiple of the pixel size so rows stay aligned */
    *pitch = (*w + scn_rand_range(s, 1, 64)) * bytes;
    span = (*h - 1) * *pitch + *w * bytes;
    if (span >= size) {
        *h = 1;
        span = *w * bytes;
    }
    *off = scn_rand_range(s, 0, (size - span) / bytes) * bytes;
}

bool scn_make_bo(struct scn *s, u32 size, enum rgpu_map_method how, bool random,
                 struct rgpu_bo **bo, u8 **ref)
{
    int rc;

    *bo = NULL;
    *ref = NULL;
    rc = rgpu_bo_create(s->dev, size, how, bo);
    SCN_CHECK(s, rc == 0, "rgpu_bo_create(%u): %d", size, rc);
    *ref = malloc(size);
    if (!*ref) {
        rgpu_bo_destroy(s->dev, *bo);
        *bo = NULL;
        return SCN_FAIL(s, "out of memory");
    }
    if (random)
        for (u32 i = 0; i < size / 4; i++)
            ((u32 *)(*bo)->cpu)[i] = scn_rand(s);
    memcpy(*ref, (*bo)->cpu, size);
    return true;
}

void scn_drop_bo(struct scn *s, struct rgpu_bo *bo, u8 *ref)
{
    if (bo)
        rgpu_bo_destroy(s->dev, bo);
    free(ref);
}
