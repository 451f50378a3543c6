/*
 * sim_util.c - what the several-vGPU scenarios add to the shared helpers
 * (guest/scenarios/scn_util.c): the self-checking "normal work" round and
 * the check that guest memory never given to the device stayed zero.
 */
#include <string.h>

#include "sim.h"

/*
 * Normal work: a fill on the render engine into a and a fill plus a copy
 * a -> b on the copy engine, each checked byte-exact against aref/bref
 * (the expected contents of a and b, updated here).
 */
bool sim_work_round(struct sim_guest *g, struct rgpu_bo *a, u8 *aref, struct rgpu_bo *b,
                    u8 *bref, u32 round)
{
    struct scn *s = &g->scn;
    u32 buf[256], off, pitch, w, h, doff, dpitch, k;
    u32 color = 0x01010101u * (g->idx + 1) ^ (round * 0x9e3779b9u);
    struct rgpu_cs cs;
    int rc;

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    for (k = 0; k < 4; k++) {
        u32 bpp = (round + k) % 3;

        scn_rand_rect(s, a->size, bpp, 96, 24, &off, &pitch, &w, &h);
        rgpu_cs_color_fill(&cs, a->gfx + off, pitch, bpp, w, h, color + k);
        scn_ref_fill(aref, off, pitch, bpp, w, h, color + k);
    }
    rc = scn_run(s, RGPU_ENGINE_RENDER, &cs);
    CHECK(g, rc == 0, "round %u: render fill: %d", round, rc);
    SCN_COMPARE(s, "work round: fill result", a->cpu, aref, a->size);

    rgpu_cs_init(&cs, buf, OS_ARRAY_SIZE(buf));
    scn_rand_rect(s, a->size, RGPU_BPP_32, 64, 16, &off, &pitch, &w, &h);
    dpitch = pitch + 4 * scn_rand_range(s, 0, 8);
    if ((h - 1) * dpitch + 4 * w > b->size)
        dpitch = pitch;
    doff = scn_rand_range(s, 0, (b->size - ((h - 1) * dpitch + 4 * w)) / 4) * 4;
    rgpu_cs_src_copy(&cs, b->gfx + doff, dpitch, RGPU_BPP_32, w, h, a->gfx + off, pitch);
    scn_ref_copy(bref, doff, dpitch, aref, off, pitch, RGPU_BPP_32, w, h);
    scn_rand_rect(s, a->size, RGPU_BPP_8, 128, 8, &off, &pitch, &w, &h);
    rgpu_cs_color_fill(&cs, a->gfx + off, pitch, RGPU_BPP_8, w, h, ~color);
    scn_ref_fill(aref, off, pitch, RGPU_BPP_8, w, h, ~color);
    rc = scn_run(s, RGPU_ENGINE_COPY, &cs);
    CHECK(g, rc == 0, "round %u: copy engine: %d", round, rc);
    SCN_COMPARE(s, "work round: copy destination", b->cpu, bref, b->size);
    SCN_COMPARE(s, "work round: fill on the copy engine", a->cpu, aref, a->size);
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
