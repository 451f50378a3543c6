/*
 * pci_cfg.h - PCI configuration space register names: the standard type-0
 * header and the two capabilities the vGPU carries (MSI, Advanced
 * Features).  The emulation (cfg_space.c), the guest library and the
 * tests name config registers through these only.  The vGPU's own layout
 * (where its capabilities sit) is vgpu_priv.h's VGPU_CFG_*; docs/pci-function.md
 * is the prose.
 *
 * The PCI_CFG_ prefix keeps clear of <linux/pci_regs.h>, which a kernel
 * build of the same files may see.  Header-only, no includes.
 */
#ifndef RGPU_PCI_CFG_H
#define RGPU_PCI_CFG_H

/* ---- type-0 header: byte offsets ----------------------------------------- */
#define PCI_CFG_VENDOR_ID       0x00    /* 16 bits */
#define PCI_CFG_DEVICE_ID       0x02    /* 16 bits */
#define PCI_CFG_COMMAND         0x04    /* 16 bits */
#define PCI_CFG_STATUS          0x06    /* 16 bits */
#define PCI_CFG_REVISION_ID     0x08
#define PCI_CFG_CLASS_PROG      0x09    /* class code: 24 bits from here */
#define PCI_CFG_CACHE_LINE_SIZE 0x0c
#define PCI_CFG_LATENCY_TIMER   0x0d
#define PCI_CFG_HEADER_TYPE     0x0e
#define PCI_CFG_BAR(n)          (0x10 + 4 * (n))        /* n = 0..5 */
#define PCI_CFG_SUBSYS_VENDOR   0x2c    /* 16 bits */
#define PCI_CFG_SUBSYS_ID       0x2e    /* 16 bits */
#define PCI_CFG_ROM_ADDRESS     0x30
#define PCI_CFG_CAP_PTR         0x34
#define PCI_CFG_INTERRUPT_LINE  0x3c
#define PCI_CFG_INTERRUPT_PIN   0x3d

/* Command register bits. */
#define PCI_CFG_COMMAND_IO            0x0001
#define PCI_CFG_COMMAND_MEMORY        0x0002
#define PCI_CFG_COMMAND_MASTER        0x0004
#define PCI_CFG_COMMAND_PARITY        0x0040
#define PCI_CFG_COMMAND_SERR          0x0100
#define PCI_CFG_COMMAND_INTX_DISABLE  0x0400

/* Status register bits. */
#define PCI_CFG_STATUS_INTERRUPT      0x0008
#define PCI_CFG_STATUS_CAP_LIST       0x0010
/* Parity, target/master abort, SERR, parity error: write 1 to clear. */
#define PCI_CFG_STATUS_ERROR_BITS     0xf900

/* ---- capabilities: IDs, then offsets from the capability's start ----------- */
#define PCI_CFG_CAP_ID_MSI      0x05
#define PCI_CFG_CAP_ID_AF       0x13

/* MSI, 64-bit with per-vector masking. */
#define PCI_CFG_MSI_FLAGS       0x02
#define PCI_CFG_MSI_ADDR_LO     0x04
#define PCI_CFG_MSI_ADDR_HI     0x08
#define PCI_CFG_MSI_DATA        0x0c
#define PCI_CFG_MSI_MASK        0x10
#define PCI_CFG_MSI_PENDING     0x14
#define PCI_CFG_MSI_CAP_SIZE    0x18
#define PCI_CFG_MSI_FLAGS_ENABLE  0x0001
#define PCI_CFG_MSI_FLAGS_64BIT   0x0080
#define PCI_CFG_MSI_FLAGS_MASKBIT 0x0100

/* Advanced Features (function-level reset). */
#define PCI_CFG_AF_LENGTH       0x02
#define PCI_CFG_AF_CAP          0x03
#define PCI_CFG_AF_CTRL         0x04
#define PCI_CFG_AF_STATUS       0x05
#define PCI_CFG_AF_CAP_TP       0x01
#define PCI_CFG_AF_CAP_FLR      0x02
#define PCI_CFG_AF_CTRL_FLR     0x01

#endif /* RGPU_PCI_CFG_H */
