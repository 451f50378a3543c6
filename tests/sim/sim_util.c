/*
 * sim_util.c - helpers shared by the scenarios: submission with a bounded
 * wait, CPU references of the rectangle commands, comparison, and the
 * self-checking "normal work" round.
 */
#include <string.h>

#include "sim.h"

int sim_run(struct sim_guest *g, u32 engine, const struct rgpu_cs *cs)
{
    u32 seqno;
    int rc;

    if (cs->overflow)
        return -E2BIG;
    rc = rgpu_submit(g->dev, engine, cs->buf, cs->len, &seqno);
    if (rc)
        return rc;
    return rgpu_wait_seqno(g->dev, engine, seqno, SIM_WAIT_NS);
}

void sim_ref_fill(u8 *img, u32 off, u32 pitch, u32 bpp, u32 w, u32 h, u32 color)
{
    u32 bytes = 1u << bpp, x, y, b;

    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
            for (b = 0; b < bytes; b++)
                img[off + y * pitch + x * bytes + b] = (u8)(color >> (8 * b));
}

void sim_ref_copy(u8 *dst, u32 doff, u32 dpitch, const u8 *src, u32 soff, u32 spitch, u32 bpp,
                  u32 w, u32 h)
{
    u32 y;

    for (y = 0; y < h; y++)
        memmove(dst + doff + y * dpitch, src + soff + y * spitch, (size_t)w << bpp);
}

bool sim_compare(struct sim_guest *g, int line, const char *what, const void *got,
                 const void *want, size_t len)
{
    const u8 *a = got, *b = want;
    size_t i, bad = 0, first = 0;

    if (!memcmp(a, b, len))
        return true;
    for (i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            if (!bad)
                first = i;
            bad++;
        }
    }
    return sim_fail(g, line, "%s: %zu of %zu bytes differ, first at offset 0x%zx "
                    "(got 0x%02x, want 0x%02x)", what, bad, len, first, a[first], b[first]);
}

void sim_rand_rect(struct sim_guest *g, u32 size, u32 bpp, u32 max_w, u32 max_h, u32 *off,
                   u32 *pitch, u32 *w, u32 *h)
{
    u32 bytes = 1u << bpp, span;

    *w = sim_rand_range(g, 1, max_w);
    *h = sim_rand_range(g, 1, max_h);
    /* pitch > width: some slack, a multiple of the pixel size so rows stay aligned */
    *pitch = (*w + sim_rand_range(g, 1, 64)) * bytes;
    span = (*h - 1) * *pitch + *w * bytes;
    if (span >= size) {
        *h = 1;
        span = *w * bytes;
    }
    *off = sim_rand_range(g, 0, (size - span) / bytes) * bytes;
}

/*
 * Normal work: a fill on the render engine into a and a fill plus a copy
 * a -> b on the copy engine, each checked byte-exact against aref/bref
 * (the expected contents of a and b, updated here).
 */
bool sim_work_round(struct sim_guest *g, struct rgpu_bo *a, u8 *aref, struct rgpu_bo *b,
                    u8 *bref, u32 round)
{
    u32 buf[256], off, pitch, w, h, doff, dpitch, k;
    u32 color = 0x01010101u * (g->idx + 1) ^ (round * 0x9e3779b9u);
    struct rgpu_cs cs;
    int rc;

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    for (k = 0; k < 4; k++) {
        u32 bpp = (round + k) % 3;

        sim_rand_rect(g, a->size, bpp, 96, 24, &off, &pitch, &w, &h);
        rgpu_cs_color_fill(&cs, a->gfx + off, pitch, bpp, w, h, color + k);
        sim_ref_fill(aref, off, pitch, bpp, w, h, color + k);
    }
    rc = sim_run(g, RGPU_ENGINE_RENDER, &cs);
    CHECK(g, rc == 0, "round %u: render fill: %d", round, rc);
    COMPARE(g, "work round: fill result", a->cpu, aref, a->size);

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    sim_rand_rect(g, a->size, RGPU_BPP_32, 64, 16, &off, &pitch, &w, &h);
    dpitch = pitch + 4 * sim_rand_range(g, 0, 8);
    if ((h - 1) * dpitch + 4 * w > b->size)
        dpitch = pitch;
    doff = sim_rand_range(g, 0, (b->size - ((h - 1) * dpitch + 4 * w)) / 4) * 4;
    rgpu_cs_src_copy(&cs, b->gfx + doff, dpitch, RGPU_BPP_32, w, h, a->gfx + off, pitch);
    sim_ref_copy(bref, doff, dpitch, aref, off, pitch, RGPU_BPP_32, w, h);
    sim_rand_rect(g, a->size, RGPU_BPP_8, 128, 8, &off, &pitch, &w, &h);
    rgpu_cs_color_fill(&cs, a->gfx + off, pitch, RGPU_BPP_8, w, h, ~color);
    sim_ref_fill(aref, off, pitch, RGPU_BPP_8, w, h, ~color);
    rc = sim_run(g, RGPU_ENGINE_COPY, &cs);
    CHECK(g, rc == 0, "round %u: copy engine: %d", round, rc);
    COMPARE(g, "work round: copy destination", b->cpu, bref, b->size);
    COMPARE(g, "work round: fill on the copy engine", a->cpu, aref, a->size);
    return true;
}

static bool all_zero(const u8 *p, size_t len, size_t *where)
{
    static const u8 zero[4096];
    size_t done = 0, i;

    while (done < len) {
        size_t n = len - done < sizeof(zero) ? len - done : sizeof(zero);

        if (memcmp(p + done, zero, n)) {
            for (i = 0; p[done + i] == 0; i++)
                ;
            *where = done + i;
            return false;
        }
        done += n;
    }
    return true;
}

bool sim_untouched(struct sim_guest *g)
{
    size_t at = 0;

    CHECK(g, g->alloc_next <= g->host.mem_size, "allocator beyond memory");
    CHECK(g, all_zero(g->host.mem + g->alloc_next, g->host.mem_size - g->alloc_next, &at),
          "guest memory at 0x%zx, never given to the device, was written", g->alloc_next + at);
    CHECK(g, all_zero(g->host.mem, SIM_MEM_BASE, &at),
          "guest memory at 0x%zx, never given to the device, was written", at);
    return true;
}
