/*
 * unit.h - shared helpers for the CUnit suites.
 */
#ifndef UNIT_H
#define UNIT_H

#include <CUnit/CUnit.h>

#include "common/cunit_main.h"

#include "pci_cfg.h"
#include "vgpu_priv.h"
#include "sw_engine.h"

/* The vGPU's MSI capability registers (config space offsets). */
#define MSI             VGPU_CFG_MSI_CAP
#define MSI_FLAGS       (MSI + PCI_CFG_MSI_FLAGS)
#define MSI_ADDR_LO     (MSI + PCI_CFG_MSI_ADDR_LO)
#define MSI_ADDR_HI     (MSI + PCI_CFG_MSI_ADDR_HI)
#define MSI_DATA        (MSI + PCI_CFG_MSI_DATA)
#define MSI_MASK        (MSI + PCI_CFG_MSI_MASK)
#define MSI_PENDING     (MSI + PCI_CFG_MSI_PENDING)
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

/* Suite registration shorthands: tests/common/cunit_main.h. */
#define UNIT_SUITE CUNIT_SUITE
#define UT CUNIT_TEST

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
