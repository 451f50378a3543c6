/*
 * test_main.c - runs every CUnit suite.  The exit status is the number of
 * failures (capped), never CU_get_error() alone, which is 0 even when
 * assertions fail.  --quiet: only the summary (used under ASan/valgrind).
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "unit.h"

int unit_fixture_setup(struct unit_fixture *f, const char *type)
{
    struct vgpu_parent_config cfg;

    memset(f, 0, sizeof(*f));
    vgpu_parent_default_config(&cfg);
    if (vgpu_parent_create(&cfg, &f->parent))
        return -1;
    if (testhost_init(&f->host, 16u << 20))
        return -1;
    return vgpu_create(f->parent, type, UNIT_UUID(01), testhost_get_ops(&f->host), &f->host,
                       &f->vgpu);
}

void unit_fixture_teardown(struct unit_fixture *f)
{
    if (f->vgpu)
        vgpu_destroy(f->vgpu);
    if (f->parent)
        vgpu_parent_destroy(f->parent);
    testhost_fini(&f->host);
    memset(f, 0, sizeof(*f));
}

uint32_t cfg_rd(struct vgpu *v, uint32_t off, uint32_t len)
{
    uint8_t b[4] = { 0 };
    uint32_t val = 0;

    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, off, b, len), (long)len);
    for (uint32_t i = 0; i < len; i++)
        val |= (uint32_t)b[i] << (8 * i);
    return val;
}

void cfg_wr(struct vgpu *v, uint32_t off, uint32_t len, uint32_t val)
{
    uint8_t b[4];

    for (uint32_t i = 0; i < len; i++)
        b[i] = (uint8_t)(val >> (8 * i));
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, off, b, len), (long)len);
}

uint64_t bar0_rd(struct vgpu *v, uint32_t off, uint32_t len)
{
    uint8_t b[8] = { 0 };
    uint64_t val = 0;

    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_BAR0, off, b, len), (long)len);
    for (uint32_t i = 0; i < len; i++)
        val |= (uint64_t)b[i] << (8 * i);
    return val;
}

void bar0_wr(struct vgpu *v, uint32_t off, uint32_t len, uint64_t val)
{
    uint8_t b[8];

    for (uint32_t i = 0; i < len; i++)
        b[i] = (uint8_t)(val >> (8 * i));
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_BAR0, off, b, len), (long)len);
}

int main(int argc, char **argv)
{
    bool quiet = argc > 1 && !strcmp(argv[1], "--quiet");
    unsigned int failures, run;

    /* Guest-provoked warnings are expected by many tests; keep output readable. */
    os_log_set_level(OS_LOG_ERR);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    register_os_tests();
    register_uuid_tests();
    register_types_tests();
    register_cfg_tests();
    register_mmio_tests();
    register_region_tests();
    register_irq_tests();
    register_track_tests();

    CU_basic_set_mode(quiet ? CU_BRM_SILENT : CU_BRM_NORMAL);
    CU_basic_run_tests();
    if (quiet)
        CU_basic_show_failures(CU_get_failure_list());
    failures = CU_get_number_of_failures();
    run = CU_get_number_of_tests_run();
    printf("\nunit-tests: %u tests run, %u assertions failed, %u tests failed\n", run,
           failures, CU_get_number_of_tests_failed());
    CU_cleanup_registry();
    if (CU_get_error() != CUE_SUCCESS)
        return 2;
    return failures > 100 ? 100 : (int)failures;
}
