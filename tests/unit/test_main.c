/*
 * test_main.c - the foundation suites' fixture, region shorthands and
 * registration; tests/common/cunit_main.c runs them and turns the failure
 * count into the exit status.
 */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "unit.h"
#include "common/region_io.h"
#include "common/cunit_main.h"

int unit_fixture_setup(struct unit_fixture *f, const char *type)
{
    struct vgpu_parent_config cfg;

    memset(f, 0, sizeof(*f));
    vgpu_parent_default_config(&cfg);
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
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
    return (uint32_t)region_rd(v, VGPU_REGION_CONFIG, off, len);
}

void cfg_wr(struct vgpu *v, uint32_t off, uint32_t len, uint32_t val)
{
    region_wr(v, VGPU_REGION_CONFIG, off, len, val);
}

uint64_t bar0_rd(struct vgpu *v, uint32_t off, uint32_t len)
{
    return region_rd(v, VGPU_REGION_BAR0, off, len);
}

void bar0_wr(struct vgpu *v, uint32_t off, uint32_t len, uint64_t val)
{
    region_wr(v, VGPU_REGION_BAR0, off, len, val);
}

static void register_all(void)
{
    register_os_tests();
    register_uuid_tests();
    register_types_tests();
    register_cfg_tests();
    register_mmio_tests();
    register_region_tests();
    register_irq_tests();
    register_track_tests();
}

int main(int argc, char **argv)
{
    return cunit_main("unit-tests", argc, argv, register_all);
}
