/*
 * sim_multi.c - what needs several vGPUs in one process: multi (every
 * vGPU at once from its own thread) and the frame of malicious (one
 * attacker, every other vGPU a victim doing verified work meanwhile).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* ------------------------------------------------------------ multi */
#define MULTI_ROUNDS 24
#define MULTI_BO (64 * 1024)

struct multi_guest {
    struct sim_guest *g;
    struct rgpu_bo *a, *b, *canary;
    u8 *aref, *bref, *cref;
    bool ok;
};

static void *multi_thread(void *arg)
{
    struct multi_guest *mg = arg;
    u32 r;

    mg->ok = true;
    for (r = 0; mg->ok && r < MULTI_ROUNDS; r++)
        mg->ok = sim_work_round(mg->g, mg->a, mg->aref, mg->b, mg->bref, r);
    return NULL;
}

bool sim_scn_multi(struct sim_machine *m)
{
    struct multi_guest mg[SIM_MAX_VGPUS];
    pthread_t th[SIM_MAX_VGPUS];
    bool started[SIM_MAX_VGPUS] = { false }, ok = true;
    unsigned int i;
    u32 k;

    memset(mg, 0, sizeof(mg));
    for (i = 0; ok && i < m->n; i++) {
        struct scn *s = &m->g[i].scn;

        mg[i].g = &m->g[i];
        ok = scn_make_bo(s, MULTI_BO, RGPU_MAP_BATCH, true, &mg[i].a, &mg[i].aref) &&
             scn_make_bo(s, MULTI_BO, RGPU_MAP_BATCH, true, &mg[i].b, &mg[i].bref) &&
             scn_make_bo(s, MULTI_BO, RGPU_MAP_BATCH, false, &mg[i].canary, &mg[i].cref);
        if (ok) {
            /* A canary no command targets, in a pattern distinct per guest. */
            for (k = 0; k < MULTI_BO; k++)
                mg[i].cref[k] = (u8)(0xa5 ^ i ^ k);
            memcpy(mg[i].canary->cpu, mg[i].cref, MULTI_BO);
        }
    }
    for (i = 0; ok && i < m->n; i++)
        started[i] = pthread_create(&th[i], NULL, multi_thread, &mg[i]) == 0;
    for (i = 0; i < m->n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else if (ok)
            ok = SCN_FAIL(&m->g[i].scn, "pthread_create failed");
    }
    for (i = 0; ok && i < m->n; i++) {
        struct scn *s = &m->g[i].scn;

        ok = mg[i].ok &&
             scn_compare(s, __FILE__, __LINE__, "final A", mg[i].a->cpu, mg[i].aref, MULTI_BO) &&
             scn_compare(s, __FILE__, __LINE__, "final B", mg[i].b->cpu, mg[i].bref, MULTI_BO) &&
             scn_compare(s, __FILE__, __LINE__, "canary", mg[i].canary->cpu, mg[i].cref,
                         MULTI_BO) &&
             sim_untouched(&m->g[i]);
    }
    for (i = 0; i < m->n; i++) {
        struct scn *s = &m->g[i].scn;

        scn_drop_bo(s, mg[i].canary, mg[i].cref);
        scn_drop_bo(s, mg[i].b, mg[i].bref);
        scn_drop_bo(s, mg[i].a, mg[i].aref);
    }
    if (ok)
        scn_note(&m->g[0].scn, "%u threads x %u rounds (fills and copies on both engines), "
                 "canaries and unallocated memory untouched", m->n, MULTI_ROUNDS);
    return ok;
}

/* ------------------------------------------------------------ under attack */
struct victim {
    struct sim_guest *g;
    struct rgpu_bo *a, *b;
    u8 *aref, *bref;
    const int *stop;
    bool ok;
    u32 rounds;
};

static void *victim_thread(void *arg)
{
    struct victim *vi = arg;

    vi->ok = true;
    do {
        vi->ok = sim_work_round(vi->g, vi->a, vi->aref, vi->b, vi->bref, vi->rounds);
        vi->rounds++;
    } while (vi->ok && !__atomic_load_n(vi->stop, __ATOMIC_ACQUIRE));
    return NULL;
}

bool sim_under_attack(struct sim_machine *m, bool (*fn)(struct scn *s))
{
    struct victim vi[SIM_MAX_VGPUS];
    pthread_t th[SIM_MAX_VGPUS];
    bool started[SIM_MAX_VGPUS] = { false }, ok = true;
    struct sim_guest *a = &m->g[0];
    struct vgpu_stats st;
    int stop = 0;
    unsigned int i;
    u32 min_rounds = ~0u;

    memset(vi, 0, sizeof(vi));
    for (i = 1; ok && i < m->n; i++) {
        struct sim_guest *g = &m->g[i];

        vi[i].g = g;
        vi[i].stop = &stop;
        if (rgpu_bo_create(g->dev, 0x10000, RGPU_MAP_BATCH, &vi[i].a) ||
            rgpu_bo_create(g->dev, 0x10000, RGPU_MAP_BATCH, &vi[i].b) ||
            !(vi[i].aref = calloc(1, 0x10000)) || !(vi[i].bref = calloc(1, 0x10000))) {
            ok = SCN_FAIL(&g->scn, "victim setup failed");
            break;
        }
        started[i] = pthread_create(&th[i], NULL, victim_thread, &vi[i]) == 0;
        if (!started[i])
            ok = SCN_FAIL(&g->scn, "pthread_create failed");
    }
    if (ok)
        ok = fn(&a->scn);
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    for (i = 1; i < m->n; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        if (started[i] && ok) {
            ok = vi[i].ok && sim_untouched(vi[i].g);
            if (vi[i].rounds < min_rounds)
                min_rounds = vi[i].rounds;
        }
    }
    /* The victims never saw an error of their own. */
    for (i = 1; ok && i < m->n; i++) {
        vgpu_get_stats(m->g[i].v, &st);
        ok = st.rejects == 0 && st.faults == 0;
        if (!ok)
            SCN_FAIL(&m->g[i].scn, "victim has %llu rejects, %llu faults",
                     (unsigned long long)st.rejects, (unsigned long long)st.faults);
    }
    if (ok)
        ok = sim_untouched(a);
    for (i = 1; i < m->n; i++) {
        if (vi[i].b)
            rgpu_bo_destroy(m->g[i].dev, vi[i].b);
        if (vi[i].a)
            rgpu_bo_destroy(m->g[i].dev, vi[i].a);
        free(vi[i].aref);
        free(vi[i].bref);
    }
    if (ok) {
        vgpu_get_stats(a->v, &st);
        scn_note(&a->scn, "; attacker: %llu rejects, %llu faults, %llu resets, %llu bad accesses; "
                 "%u victim%s, >= %u verified rounds each", (unsigned long long)st.rejects,
                 (unsigned long long)st.faults, (unsigned long long)st.resets,
                 (unsigned long long)st.bad_accesses, m->n - 1, m->n == 2 ? "" : "s",
                 m->n > 1 ? min_rounds : 0);
    }
    return ok;
}
