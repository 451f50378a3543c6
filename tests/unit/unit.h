/*
 * unit.h - shared helpers for the CUnit suites.
 */
#ifndef UNIT_H
#define UNIT_H

#include <CUnit/CUnit.h>

#include "vgpu_priv.h"
#include "testhost/testhost.h"

/* Each suite file provides one of these; test_main.c calls them all. */
void register_uuid_tests(void);
void register_types_tests(void);
void register_cfg_tests(void);
void register_mmio_tests(void);
void register_region_tests(void);
void register_irq_tests(void);
void register_os_tests(void);
void register_track_tests(void);

#define UNIT_SUITE(name, init, fini, ...)                                        \
    do {                                                                         \
        CU_pSuite s__ = CU_add_suite((name), (init), (fini));                   \
        const struct { const char *n; CU_TestFunc f; } t__[] = { __VA_ARGS__ }; \
        for (size_t i__ = 0; s__ && i__ < sizeof(t__) / sizeof(t__[0]); i__++)  \
            CU_add_test(s__, t__[i__].n, t__[i__].f);                            \
    } while (0)
#define UT(fn) { #fn, fn }

/* A fixture most suites share: the default parent with one vGPU on a
 * testhost with 16 MiB of guest memory. */
struct unit_fixture {
    struct vgpu_parent *parent;
    struct vgpu *vgpu;
    struct testhost host;
};
int unit_fixture_setup(struct unit_fixture *f, const char *type);
void unit_fixture_teardown(struct unit_fixture *f);

/* Region access shorthands on the fixture's vGPU (assert success). */
uint32_t cfg_rd(struct vgpu *v, uint32_t off, uint32_t len);
void cfg_wr(struct vgpu *v, uint32_t off, uint32_t len, uint32_t val);
uint64_t bar0_rd(struct vgpu *v, uint32_t off, uint32_t len);
void bar0_wr(struct vgpu *v, uint32_t off, uint32_t len, uint64_t val);

#define UNIT_UUID(n) "6f0d3a8e-2b1c-4d5e-9f00-0000000000" #n

#endif /* UNIT_H */
