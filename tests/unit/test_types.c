/*
 * test_types.c - the type table, the parent's resource partitioning and
 * the instance lifecycle: create/destroy by UUID, availability, packing,
 * errors, lookup and concurrent creation.
 */
#define _POSIX_C_SOURCE 200809L  /* pthread barriers under -std=c11 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define MiB (1024ull * 1024ull)

struct tfix {
    struct vgpu_parent *p;
    struct testhost h;
};

static void tfix_setup(struct tfix *f)
{
    struct vgpu_parent_config cfg;

    memset(f, 0, sizeof(*f));
    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL_FATAL(vgpu_parent_create(&cfg, &f->p), 0);
    CU_ASSERT_EQUAL_FATAL(testhost_init(&f->h, 1u << 20), 0);
}

/* Destroys every instance left, then the parent. */
static void tfix_teardown(struct tfix *f)
{
    struct vgpu *list[64];
    unsigned int n, i;

    n = vgpu_list(f->p, list, 64);
    CU_ASSERT(n <= 64);
    for (i = 0; i < n && i < 64; i++)
        vgpu_destroy(list[i]);
    CU_ASSERT_EQUAL(vgpu_parent_destroy(f->p), 0);
    testhost_fini(&f->h);
}

static void make_uuid(char *buf, unsigned int n)
{
    snprintf(buf, VGPU_UUID_STR_LEN + 1, "6f0d3a8e-2b1c-4d5e-9f00-%012x", n);
}

static int create_n(struct tfix *f, const char *type, unsigned int n, struct vgpu **out)
{
    char uuid[VGPU_UUID_STR_LEN + 1];
    struct vgpu *v = NULL;
    int rc;

    make_uuid(uuid, n);
    rc = vgpu_create(f->p, type, uuid, testhost_get_ops(&f->h), &f->h, &v);
    if (out)
        *out = rc ? NULL : v;
    return rc;
}

static bool usage_equal(const struct vgpu_parent_usage *a, const struct vgpu_parent_usage *b)
{
    return a->gm_total == b->gm_total && a->gm_free == b->gm_free &&
           a->weight_total == b->weight_total && a->weight_free == b->weight_free &&
           a->pipes_total == b->pipes_total && a->pipes_free == b->pipes_free &&
           a->instances == b->instances;
}

static unsigned int avail(struct tfix *f, const char *type)
{
    const struct vgpu_type *t = vgpu_parent_find_type(f->p, type);

    CU_ASSERT_PTR_NOT_NULL(t);
    return vgpu_type_available_instances(f->p, t);
}

/* "refgpu-N" -> N: how many of the type fit on one GPU. */
static unsigned int type_fraction(const struct vgpu_type *t)
{
    const char *dash = strrchr(t->name, '-');

    return dash ? (unsigned int)strtoul(dash + 1, NULL, 10) : 0;
}

static void test_type_table(void)
{
    struct tfix f;
    struct vgpu_parent_config cfg;
    unsigned int n, i, j;

    tfix_setup(&f);
    vgpu_parent_default_config(&cfg);
    n = vgpu_parent_num_types(f.p);
    CU_ASSERT(n >= 4);
    for (i = 0; i < n; i++) {
        const struct vgpu_type *t = vgpu_parent_type(f.p, i);
        unsigned int frac;

        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t->name);
        CU_ASSERT_PTR_NOT_NULL(t->description);
        CU_ASSERT_EQUAL(strncmp(t->name, "refgpu-", 7), 0);
        CU_ASSERT_PTR_EQUAL(vgpu_parent_find_type(f.p, t->name), t);
        for (j = 0; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(vgpu_parent_type(f.p, j)->name, t->name);
        /* Every resource is the same fraction of the GPU. */
        frac = type_fraction(t);
        CU_ASSERT(frac >= 1);
        CU_ASSERT_EQUAL(t->gm_size * frac, cfg.gm_size);
        CU_ASSERT_EQUAL(t->weight * frac, cfg.weight_budget);
        CU_ASSERT(t->max_width >= 1024 && t->max_height >= 768);
    }
    CU_ASSERT_PTR_NULL(vgpu_parent_type(f.p, n));
    CU_ASSERT_PTR_NULL(vgpu_parent_find_type(f.p, "refgpu-3"));
    CU_ASSERT_PTR_NULL(vgpu_parent_find_type(f.p, "refgpu"));
    CU_ASSERT_PTR_NULL(vgpu_parent_find_type(f.p, ""));
    CU_ASSERT_PTR_NULL(vgpu_parent_find_type(f.p, NULL));
    tfix_teardown(&f);
}

static void test_available_empty(void)
{
    static const struct { const char *name; unsigned int n; } exp[] = {
        { "refgpu-16", 16 }, { "refgpu-8", 8 }, { "refgpu-4", 4 }, { "refgpu-2", 2 },
        { "refgpu-1", 1 },
    };
    struct tfix f;
    unsigned int i;

    tfix_setup(&f);
    for (i = 0; i < OS_ARRAY_SIZE(exp); i++)
        CU_ASSERT_EQUAL(avail(&f, exp[i].name), exp[i].n);
    CU_ASSERT_EQUAL(vgpu_type_available_instances(f.p, NULL), 0);
    CU_ASSERT_EQUAL(vgpu_type_available_instances(NULL, vgpu_parent_type(f.p, 0)), 0);
    tfix_teardown(&f);
}

static void test_exhaustion_each_type(void)
{
    unsigned int i, n;

    for (i = 0; i < vgpu_nr_types; i++) {
        const char *name = vgpu_types[i].name;
        unsigned int frac = type_fraction(&vgpu_types[i]);
        struct tfix f;
        int rc = 0;

        tfix_setup(&f);
        for (n = 0; n < 64; n++) {
            rc = create_n(&f, name, n, NULL);
            if (rc)
                break;
        }
        CU_ASSERT_EQUAL(rc, -ENOSPC);
        CU_ASSERT_EQUAL(n, frac);
        CU_ASSERT_EQUAL(avail(&f, name), 0);
        /* Nothing else fits either: every type uses the same fractions. */
        CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 0);
        CU_ASSERT_EQUAL(vgpu_list(f.p, NULL, 0), frac);
        tfix_teardown(&f);
    }
}

static void test_release_and_reuse(void)
{
    struct tfix f;
    struct vgpu *v[4], *w;
    u64 base;
    unsigned int i;

    tfix_setup(&f);
    for (i = 0; i < 4; i++)
        CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-4", i, &v[i]), 0);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-4"), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-4", 10, NULL), -ENOSPC);

    base = vgpu_gm_base(v[2]);
    vgpu_destroy(v[2]);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-4"), 1);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-8"), 2);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 4);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-2"), 0);
    /* Same UUID again: the old instance is gone, so no -EEXIST. */
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-4", 2, &w), 0);
    CU_ASSERT_EQUAL(vgpu_gm_base(w), base);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-4"), 0);
    tfix_teardown(&f);
}

static void test_mixed_packing(void)
{
    struct tfix f;
    struct vgpu *big, *a, *b;

    tfix_setup(&f);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-2", 0, &big), 0);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-4"), 2);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-2"), 1);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-1"), 0);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 8);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-4", 1, &a), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-4", 2, &b), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-4", 3, NULL), -ENOSPC);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-16", 4, NULL), -ENOSPC);
    CU_ASSERT_EQUAL(vgpu_gm_base(big), 0);
    CU_ASSERT_EQUAL(vgpu_gm_base(a), 1024 * MiB);
    CU_ASSERT_EQUAL(vgpu_gm_base(b), 1536 * MiB);

    /* A smaller mix: 4 + 8 + 16 leaves one 16-slot and one aligned half. */
    vgpu_destroy(big);
    vgpu_destroy(a);
    vgpu_destroy(b);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-4", 5, NULL), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-8", 6, NULL), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-16", 7, NULL), 0);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-2"), 1);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-4"), 2);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-8"), 4);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 9);
    tfix_teardown(&f);
}

static void test_natural_alignment(void)
{
    struct tfix f;
    struct vgpu *s0, *m, *s1, *v[16];
    unsigned int i;

    tfix_setup(&f);
    /* A 2-chunk slice never straddles an odd boundary. */
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", 0, &s0), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-8", 1, &m), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", 2, &s1), 0);
    CU_ASSERT_EQUAL(vgpu_gm_base(s0), 0);
    CU_ASSERT_EQUAL(vgpu_gm_base(m), 256 * MiB);
    CU_ASSERT_EQUAL(vgpu_gm_base(s1), 128 * MiB);
    tfix_teardown(&f);

    /* Fragmentation: every other small slice freed leaves half the GPU
     * free but no aligned pair, so no refgpu-8 fits. */
    tfix_setup(&f);
    for (i = 0; i < 16; i++)
        CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", i, &v[i]), 0);
    for (i = 1; i < 16; i += 2)
        vgpu_destroy(v[i]);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 8);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-8"), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-8", 100, NULL), -ENOSPC);
    /* Freeing a neighbour makes an aligned pair. */
    vgpu_destroy(v[0]);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-8"), 1);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-8", 101, &m), 0);
    CU_ASSERT_EQUAL(vgpu_gm_base(m), 0);
    tfix_teardown(&f);
}

static void test_duplicate_uuid(void)
{
    struct tfix f;
    struct vgpu_parent_usage u0, u1;
    struct vgpu *v, *w = NULL;

    tfix_setup(&f);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-8", 1, &v), 0);
    vgpu_parent_usage(f.p, &u0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-8", 1, &w), -EEXIST);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-16", 1, NULL), -EEXIST);
    /* Same UUID in upper case is the same UUID. */
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", "6F0D3A8E-2B1C-4D5E-9F00-000000000001",
                                testhost_get_ops(&f.h), &f.h, &w), -EEXIST);
    vgpu_parent_usage(f.p, &u1);
    CU_ASSERT_TRUE(usage_equal(&u0, &u1));
    CU_ASSERT_EQUAL(vgpu_list(f.p, NULL, 0), 1);
    /* The failed creates consumed no ids either. */
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-8", 2, &w), 0);
    CU_ASSERT_EQUAL(vgpu_get_id(w), vgpu_get_id(v) + 1);
    tfix_teardown(&f);
}

static void test_malformed_uuid(void)
{
    struct tfix f;
    struct vgpu_parent_usage u0, u1;
    struct vgpu *v = NULL;
    const struct vgpu_host_ops *ops;

    tfix_setup(&f);
    ops = testhost_get_ops(&f.h);
    vgpu_parent_usage(f.p, &u0);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", "not-a-uuid", ops, &f.h, &v), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", "", ops, &f.h, &v), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", NULL, ops, &f.h, &v), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", "6f0d3a8e-2b1c-4d5e-9f00-00000000000x", ops,
                                &f.h, &v), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", "6f0d3a8e-2b1c-4d5e-9f00-0000000000011", ops,
                                &f.h, &v), -EINVAL);
    CU_ASSERT_PTR_NULL(v);
    vgpu_parent_usage(f.p, &u1);
    CU_ASSERT_TRUE(usage_equal(&u0, &u1));
    CU_ASSERT_EQUAL(u1.instances, 0);
    tfix_teardown(&f);
}

static void test_unknown_type(void)
{
    struct tfix f;
    struct vgpu *v = NULL;
    const struct vgpu_host_ops *ops;

    tfix_setup(&f);
    ops = testhost_get_ops(&f.h);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-3", UNIT_UUID(01), ops, &f.h, &v), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "REFGPU-8", UNIT_UUID(01), ops, &f.h, &v), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "", UNIT_UUID(01), ops, &f.h, &v), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_create(f.p, NULL, UNIT_UUID(01), ops, &f.h, &v), -ENOENT);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_EQUAL(vgpu_list(f.p, NULL, 0), 0);
    tfix_teardown(&f);
}

static void test_missing_host_ops(void)
{
    struct tfix f;
    struct vgpu_host_ops ops;
    struct vgpu *v = NULL;

    tfix_setup(&f);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), NULL, &f.h, &v), -EINVAL);
    /* Each mandatory entry missing in turn. */
    ops = testhost_ops; ops.read_gpa = NULL;
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &ops, &f.h, &v), -EINVAL);
    ops = testhost_ops; ops.write_gpa = NULL;
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &ops, &f.h, &v), -EINVAL);
    ops = testhost_ops; ops.map_frame = NULL;
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &ops, &f.h, &v), -EINVAL);
    ops = testhost_ops; ops.unmap_frame = NULL;
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &ops, &f.h, &v), -EINVAL);
    ops = testhost_ops; ops.inject_msi = NULL;
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &ops, &f.h, &v), -EINVAL);
    ops = testhost_ops; ops.set_intx = NULL;
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &ops, &f.h, &v), -EINVAL);
    CU_ASSERT_PTR_NULL(v);
    CU_ASSERT_EQUAL(vgpu_create(NULL, "refgpu-8", UNIT_UUID(01), &testhost_ops, &f.h, &v),
                    -EINVAL);
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &testhost_ops, &f.h, NULL),
                    -EINVAL);
    CU_ASSERT_EQUAL(vgpu_list(f.p, NULL, 0), 0);
    /* The optional entries (tracking, dirty, BAR reports) may be NULL. */
    CU_ASSERT_EQUAL(vgpu_create(f.p, "refgpu-8", UNIT_UUID(01), &testhost_ops_notrack, &f.h, &v),
                    0);
    CU_ASSERT_PTR_NOT_NULL(v);
    tfix_teardown(&f);
}

static void test_lookup_and_list(void)
{
    struct tfix f;
    struct vgpu *v[3], *out[3] = { NULL, NULL, NULL };
    char text[VGPU_UUID_STR_LEN + 1];
    vgpu_uuid_t u;
    unsigned int i;

    tfix_setup(&f);
    CU_ASSERT_EQUAL(vgpu_list(f.p, out, 3), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-4", 7, &v[0]), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", 3, &v[1]), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-8", 5, &v[2]), 0);
    for (i = 0; i < 3; i++) {
        make_uuid(text, i == 0 ? 7 : i == 1 ? 3 : 5);
        CU_ASSERT_EQUAL(vgpu_uuid_parse(text, &u), 0);
        CU_ASSERT_PTR_EQUAL(vgpu_lookup(f.p, &u), v[i]);
        CU_ASSERT_TRUE(vgpu_uuid_equal(vgpu_get_uuid(v[i]), &u));
        CU_ASSERT_PTR_EQUAL(vgpu_get_parent(v[i]), f.p);
        CU_ASSERT_PTR_EQUAL(vgpu_host(v[i]), &f.h);
    }
    CU_ASSERT_STRING_EQUAL(vgpu_get_type(v[0])->name, "refgpu-4");
    CU_ASSERT_STRING_EQUAL(vgpu_get_type(v[1])->name, "refgpu-16");
    CU_ASSERT_EQUAL(vgpu_gm_size(v[0]), 512 * MiB);
    CU_ASSERT_EQUAL(vgpu_gm_size(v[1]), 128 * MiB);
    make_uuid(text, 4);
    CU_ASSERT_EQUAL(vgpu_uuid_parse(text, &u), 0);
    CU_ASSERT_PTR_NULL(vgpu_lookup(f.p, &u));

    /* Creation order, total count even when max is smaller. */
    CU_ASSERT_EQUAL(vgpu_list(f.p, out, 3), 3);
    for (i = 0; i < 3; i++)
        CU_ASSERT_PTR_EQUAL(out[i], v[i]);
    memset(out, 0, sizeof(out));
    CU_ASSERT_EQUAL(vgpu_list(f.p, out, 2), 3);
    CU_ASSERT_PTR_EQUAL(out[0], v[0]);
    CU_ASSERT_PTR_EQUAL(out[1], v[1]);
    CU_ASSERT_PTR_NULL(out[2]);

    /* Removing the middle one keeps the order of the rest. */
    vgpu_destroy(v[1]);
    make_uuid(text, 3);
    CU_ASSERT_EQUAL(vgpu_uuid_parse(text, &u), 0);
    CU_ASSERT_PTR_NULL(vgpu_lookup(f.p, &u));
    CU_ASSERT_EQUAL(vgpu_list(f.p, out, 3), 2);
    CU_ASSERT_PTR_EQUAL(out[0], v[0]);
    CU_ASSERT_PTR_EQUAL(out[1], v[2]);
    tfix_teardown(&f);
}

static void test_parent_destroy_busy(void)
{
    struct tfix f;
    struct vgpu *v;

    tfix_setup(&f);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-8", 1, &v), 0);
    CU_ASSERT_EQUAL(vgpu_parent_destroy(f.p), -EBUSY);
    /* Still fully usable after the refusal. */
    CU_ASSERT_EQUAL(avail(&f, "refgpu-8"), 7);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_ID, 4), RGPU_ID_VALUE);
    vgpu_destroy(v);
    vgpu_destroy(NULL);
    CU_ASSERT_EQUAL(vgpu_parent_destroy(f.p), 0);
    CU_ASSERT_EQUAL(vgpu_parent_destroy(NULL), 0);
    testhost_fini(&f.h);
}

static void test_usage_accounting(void)
{
    struct tfix f;
    struct vgpu_parent_usage u;
    struct vgpu *a, *b;

    tfix_setup(&f);
    vgpu_parent_usage(f.p, &u);
    CU_ASSERT_EQUAL(u.gm_total, 2048 * MiB);
    CU_ASSERT_EQUAL(u.gm_free, 2048 * MiB);
    CU_ASSERT_EQUAL(u.weight_total, 16);
    CU_ASSERT_EQUAL(u.weight_free, 16);
    CU_ASSERT_EQUAL(u.pipes_total, 16);
    CU_ASSERT_EQUAL(u.pipes_free, 16);
    CU_ASSERT_EQUAL(u.instances, 0);

    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-4", 1, &a), 0);
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", 2, &b), 0);
    vgpu_parent_usage(f.p, &u);
    CU_ASSERT_EQUAL(u.gm_free, (2048 - 512 - 128) * MiB);
    CU_ASSERT_EQUAL(u.weight_free, 16 - 4 - 1);
    CU_ASSERT_EQUAL(u.pipes_free, 14);
    CU_ASSERT_EQUAL(u.instances, 2);

    vgpu_destroy(a);
    vgpu_parent_usage(f.p, &u);
    CU_ASSERT_EQUAL(u.gm_free, (2048 - 128) * MiB);
    CU_ASSERT_EQUAL(u.weight_free, 15);
    CU_ASSERT_EQUAL(u.pipes_free, 15);
    CU_ASSERT_EQUAL(u.instances, 1);
    vgpu_destroy(b);
    vgpu_parent_usage(f.p, &u);
    CU_ASSERT_EQUAL(u.gm_free, u.gm_total);
    CU_ASSERT_EQUAL(u.weight_free, u.weight_total);
    CU_ASSERT_EQUAL(u.pipes_free, u.pipes_total);
    CU_ASSERT_EQUAL(u.instances, 0);
    tfix_teardown(&f);
}

static void test_slices_disjoint(void)
{
    static const char *const mix[] = {
        "refgpu-16", "refgpu-4", "refgpu-8", "refgpu-16", "refgpu-8", "refgpu-16", "refgpu-8",
        "refgpu-16", "refgpu-16",
    };
    struct tfix f;
    struct vgpu *v[OS_ARRAY_SIZE(mix)];
    struct vgpu_parent_usage u;
    unsigned int i, j, n = OS_ARRAY_SIZE(mix);

    tfix_setup(&f);
    for (i = 0; i < n; i++)
        CU_ASSERT_EQUAL_FATAL(create_n(&f, mix[i], i, &v[i]), 0);
    vgpu_parent_usage(f.p, &u);
    /* 1 + 4 + 2 + 1 + 2 + 1 + 2 + 1 + 1 = 15 of 16 sixteenths. */
    CU_ASSERT_EQUAL(u.gm_free, 128 * MiB);
    for (i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(vgpu_gm_size(v[i]), vgpu_get_type(v[i])->gm_size);
        CU_ASSERT(vgpu_gm_base(v[i]) + vgpu_gm_size(v[i]) <= u.gm_total);
        CU_ASSERT(vgpu_display_pipe(v[i]) < u.pipes_total);
        CU_ASSERT_EQUAL(vgpu_gm_base(v[i]) % vgpu_gm_size(v[i]), 0);
        for (j = 0; j < i; j++) {
            CU_ASSERT(vgpu_gm_base(v[i]) + vgpu_gm_size(v[i]) <= vgpu_gm_base(v[j]) ||
                      vgpu_gm_base(v[j]) + vgpu_gm_size(v[j]) <= vgpu_gm_base(v[i]));
            CU_ASSERT_NOT_EQUAL(vgpu_display_pipe(v[i]), vgpu_display_pipe(v[j]));
        }
    }
    tfix_teardown(&f);
}

static void test_ids_unique(void)
{
    struct tfix f;
    struct vgpu *v[6], *w;
    unsigned int i, j;

    tfix_setup(&f);
    for (i = 0; i < 6; i++) {
        CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", i, &v[i]), 0);
        CU_ASSERT(vgpu_get_id(v[i]) >= 1);
    }
    CU_ASSERT_EQUAL(vgpu_get_id(v[0]), 1);
    vgpu_destroy(v[2]);
    v[2] = NULL;
    CU_ASSERT_EQUAL_FATAL(create_n(&f, "refgpu-16", 20, &w), 0);
    v[2] = w;
    for (i = 0; i < 6; i++)
        for (j = 0; j < i; j++)
            CU_ASSERT_NOT_EQUAL(vgpu_get_id(v[i]), vgpu_get_id(v[j]));
    /* The PV info page reports the same id. */
    for (i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(bar0_rd(v[i], RGPU_PVINFO_BASE + RGPU_PVINFO_VGPU_ID, 4),
                        vgpu_get_id(v[i]));
    tfix_teardown(&f);
}

/* Every invalid configuration is refused, and the pgpu handed over is
 * destroyed with the failed parent (the sanitizer and valgrind runs would
 * report it leaked otherwise). */
static void test_parent_config_validation(void)
{
    struct vgpu_parent_config cfg;
    struct vgpu_parent *p = NULL;

    vgpu_parent_default_config(&cfg);
    cfg.gm_size = 0;
    cfg.pgpu = pgpu_sw_create(2048 * MiB);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);
    cfg.gm_size = 200 * MiB;            /* not a multiple of the smallest slice */
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);
    cfg.weight_budget = 0;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);
    cfg.display_pipes = 0;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);
    cfg.gm_size = 8192ull * 1024 * MiB; /* more than the GTT can map */
    cfg.pgpu = pgpu_sw_create(2048 * MiB);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);   /* more than the pgpu has */
    cfg.pgpu = pgpu_sw_create(cfg.gm_size / 2);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);   /* no pgpu at all */
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, &p), -EINVAL);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(vgpu_parent_create(NULL, &p), -EINVAL);
    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL(vgpu_parent_create(&cfg, NULL), -EINVAL);
}

static void test_small_parent_pipes_limit(void)
{
    struct vgpu_parent_config cfg;
    struct tfix f;

    memset(&f, 0, sizeof(f));
    vgpu_parent_default_config(&cfg);
    cfg.name = "small";
    cfg.gm_size = 512 * MiB;
    cfg.weight_budget = 4;
    cfg.display_pipes = 2;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    CU_ASSERT_EQUAL_FATAL(vgpu_parent_create(&cfg, &f.p), 0);
    CU_ASSERT_EQUAL_FATAL(testhost_init(&f.h, 1u << 20), 0);
    /* Memory and weight would allow 4 small ones; pipes allow 2. */
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 2);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-4"), 1);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-2"), 0);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-1"), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-2", 0, NULL), -ENOSPC);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-16", 1, NULL), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-16", 2, NULL), 0);
    CU_ASSERT_EQUAL(create_n(&f, "refgpu-16", 3, NULL), -ENOSPC);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 0);
    tfix_teardown(&f);
}

/* ------------------------------------------------------------ concurrency */
#define RACE_THREADS 16

struct race {
    struct tfix *f;
    pthread_barrier_t barrier;
    const char *type;
    bool same_uuid;
    int rc[RACE_THREADS];
};

struct race_arg {
    struct race *r;
    unsigned int idx;
};

static void *race_fn(void *p)
{
    struct race_arg *a = p;
    struct race *r = a->r;

    pthread_barrier_wait(&r->barrier);
    r->rc[a->idx] = create_n(r->f, r->type, r->same_uuid ? 0 : a->idx, NULL);
    return NULL;
}

static void run_race(struct race *r)
{
    pthread_t tid[RACE_THREADS];
    struct race_arg args[RACE_THREADS];
    unsigned int i;

    CU_ASSERT_EQUAL_FATAL(pthread_barrier_init(&r->barrier, NULL, RACE_THREADS), 0);
    for (i = 0; i < RACE_THREADS; i++) {
        args[i].r = r;
        args[i].idx = i;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&tid[i], NULL, race_fn, &args[i]), 0);
    }
    for (i = 0; i < RACE_THREADS; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&r->barrier);
}

static void test_concurrent_create(void)
{
    struct tfix f;
    struct race r;
    struct vgpu_parent_usage u;
    unsigned int i, ok = 0, nospc = 0, round;

    for (round = 0; round < 5; round++) {
        tfix_setup(&f);
        memset(&r, 0, sizeof(r));
        r.f = &f;
        r.type = "refgpu-8";
        run_race(&r);
        for (i = 0, ok = 0, nospc = 0; i < RACE_THREADS; i++) {
            ok += r.rc[i] == 0;
            nospc += r.rc[i] == -ENOSPC;
        }
        CU_ASSERT_EQUAL(ok, 8);
        CU_ASSERT_EQUAL(nospc, RACE_THREADS - 8);
        vgpu_parent_usage(f.p, &u);
        CU_ASSERT_EQUAL(u.instances, 8);
        CU_ASSERT_EQUAL(u.gm_free, 0);
        CU_ASSERT_EQUAL(u.weight_free, 0);
        tfix_teardown(&f);
    }
}

static void test_concurrent_same_uuid(void)
{
    struct tfix f;
    struct race r;
    struct vgpu *list[RACE_THREADS];
    unsigned int i, n, ok, exist, round, bad_rounds = 0;

    tfix_setup(&f);
    /* The window between the duplicate check and the instance becoming
     * visible is short: race many times. */
    for (round = 0; round < 100; round++) {
        memset(&r, 0, sizeof(r));
        r.f = &f;
        r.type = "refgpu-16";
        r.same_uuid = true;
        run_race(&r);
        for (i = 0, ok = 0, exist = 0; i < RACE_THREADS; i++) {
            ok += r.rc[i] == 0;
            exist += r.rc[i] == -EEXIST;
        }
        n = vgpu_list(f.p, list, RACE_THREADS);
        bad_rounds += ok != 1 || exist != RACE_THREADS - 1 || n != 1;
        for (i = 0; i < n && i < RACE_THREADS; i++)
            vgpu_destroy(list[i]);
    }
    CU_ASSERT_EQUAL(bad_rounds, 0);
    CU_ASSERT_EQUAL(avail(&f, "refgpu-16"), 16);
    tfix_teardown(&f);
}

void register_types_tests(void)
{
    UNIT_SUITE("types", NULL, NULL,
               UT(test_type_table),
               UT(test_available_empty),
               UT(test_exhaustion_each_type),
               UT(test_release_and_reuse),
               UT(test_mixed_packing),
               UT(test_natural_alignment),
               UT(test_duplicate_uuid),
               UT(test_malformed_uuid),
               UT(test_unknown_type),
               UT(test_missing_host_ops),
               UT(test_lookup_and_list),
               UT(test_parent_destroy_busy),
               UT(test_usage_accounting),
               UT(test_slices_disjoint),
               UT(test_ids_unique),
               UT(test_parent_config_validation),
               UT(test_small_parent_pipes_limit),
               UT(test_concurrent_create),
               UT(test_concurrent_same_uuid));
}
