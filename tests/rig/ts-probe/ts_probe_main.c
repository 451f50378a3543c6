// SPDX-License-Identifier: GPL-2.0
/*
 * ts_probe: does the CPU raise #NM (device not available) for each FPU/SIMD
 * state instruction while CR0.TS=1?  The Intel SDM says it must for x87,
 * SSE, AVX, FXSAVE/FXRSTOR, STMXCSR and the XSAVE family; QEMU 7.2's TCG
 * forgets it for XSAVE, XSAVEOPT and XRSTOR (docs/qemu-xsave-nm.md).  A
 * hypervisor that switches FPU state lazily (CR0.TS + #NM, Xen on AMD
 * without eager-fpu) relies on that #NM: without it, a guest's XSAVE saves
 * the registers of whoever ran before.
 *
 * Each probed instruction runs inside kernel_fpu_begin/end (its effect on
 * the FPU registers is the kernel's own business there), with interrupts
 * off and this CPU on a private copy of the IDT whose #NM vector is
 * ts_probe_nm_entry: it counts, clears CR0.TS and returns to the
 * instruction, which then completes.  Linux's own #NM handler is not
 * involved (it would WARN "CR0.TS was set").  Two signals per instruction:
 * the count (#NM delivered) and CR0.TS afterwards (still set: no #NM); they
 * must agree.  TS is always cleared before the IDT is restored.  Loading
 * the module prints, per instruction the CPU has:
 *   ts-probe: <insn> nm=<0|1>
 * and a final "ts-probe: done"; it refuses to load under Xen PV, where
 * neither CR0 nor the IDT is the CPU's.  Use: insmod, read dmesg, rmmod.
 */
#define pr_fmt(fmt) "ts-probe: " fmt

#include <linux/module.h>
#include <linux/string.h>
#include <linux/irqflags.h>
#include <asm/cpufeature.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>
#include <asm/traps.h>

#include "ts_probe.h"

unsigned int ts_probe_nm_count;

/* XSAVE family's requested-feature bitmap (EDX:EAX): x87 and SSE state. */
#define TS_PROBE_RFBM 3u

static gate_desc probe_idt[IDT_ENTRIES] __aligned(PAGE_SIZE);
static u8 xbuf[4096] __aligned(64);	/* XSAVE area (64-byte aligned) */
static u8 fxbuf[512] __aligned(16);	/* FXSAVE area */
static u32 scratch;

static void do_fnstcw(void) { asm volatile("fnstcw %0" : "=m" (scratch)); }
static void do_pxor(void) { asm volatile("pxor %%xmm0, %%xmm0" ::: "memory"); }
static void do_vpxor(void) { asm volatile("vpxor %%xmm0, %%xmm0, %%xmm0" ::: "memory"); }
static void do_stmxcsr(void) { asm volatile("stmxcsr %0" : "=m" (scratch)); }
static void do_fxsave(void) { asm volatile("fxsaveq %0" : "=m" (fxbuf)); }
static void do_fxrstor(void) { asm volatile("fxrstorq %0" :: "m" (fxbuf)); }

static void do_xsave(void)
{
	asm volatile("xsave %0" : "+m" (xbuf) : "a" (TS_PROBE_RFBM), "d" (0));
}

static void do_xsaveopt(void)
{
	asm volatile("xsaveopt %0" : "+m" (xbuf) : "a" (TS_PROBE_RFBM), "d" (0));
}

static void do_xsavec(void)
{
	asm volatile("xsavec %0" : "+m" (xbuf) : "a" (TS_PROBE_RFBM), "d" (0));
}

static void do_xsaves(void)
{
	asm volatile("xsaves %0" : "+m" (xbuf) : "a" (TS_PROBE_RFBM), "d" (0));
}

static void do_xrstor(void)
{
	asm volatile("xrstor %0" :: "m" (xbuf), "a" (TS_PROBE_RFBM), "d" (0));
}

/* XRSTOR and FXRSTOR need a valid image: saved just before, TS clear. */
static void prep_xsave(void)
{
	memset(xbuf, 0, sizeof(xbuf));	/* header: XCOMP_BV and reserved 0 */
	do_xsave();
}

static void prep_fxsave(void)
{
	do_fxsave();
}

struct ts_probe {
	const char *name;
	u16 feature;			/* X86_FEATURE_* the instruction needs */
	void (*prepare)(void);		/* runs with TS clear, or NULL */
	void (*insn)(void);		/* runs with TS set */
};

static const struct ts_probe probes[] = {
	{ "x87",      X86_FEATURE_FPU,      NULL,        do_fnstcw },
	{ "sse",      X86_FEATURE_XMM2,     NULL,        do_pxor },
	{ "stmxcsr",  X86_FEATURE_XMM,      NULL,        do_stmxcsr },
	{ "avx",      X86_FEATURE_AVX,      NULL,        do_vpxor },
	{ "fxsave",   X86_FEATURE_FXSR,     NULL,        do_fxsave },
	{ "fxrstor",  X86_FEATURE_FXSR,     prep_fxsave, do_fxrstor },
	{ "xsave",    X86_FEATURE_XSAVE,    NULL,        do_xsave },
	{ "xsaveopt", X86_FEATURE_XSAVEOPT, NULL,        do_xsaveopt },
	{ "xsavec",   X86_FEATURE_XSAVEC,   NULL,        do_xsavec },
	{ "xsaves",   X86_FEATURE_XSAVES,   NULL,        do_xsaves },
	{ "xrstor",   X86_FEATURE_XSAVE,    prep_xsave,  do_xrstor },
};

/*
 * One instruction under CR0.TS=1.  Returns 1 if #NM was delivered, 0 if
 * not, or a negative errno if the rig is not what the probe assumes (the
 * IDT's size, TS already set) or the two signals disagree.
 */
static int probe_one(const struct ts_probe *p)
{
	struct desc_ptr orig, mine;
	struct idt_data nm;
	unsigned long flags, cr0, after;
	unsigned int count;
	int ret;

	kernel_fpu_begin();
	local_irq_save(flags);
	if (p->prepare)
		p->prepare();
	store_idt(&orig);
	cr0 = read_cr0();
	if (orig.size != sizeof(probe_idt) - 1 || (cr0 & X86_CR0_TS)) {
		ret = -ENODEV;
		goto out;
	}
	/* This CPU's IDT, with #NM ours; other vectors (NMI, #MC) as before. */
	memcpy(probe_idt, (void *)orig.address, sizeof(probe_idt));
	init_idt_data(&nm, X86_TRAP_NM, ts_probe_nm_entry);
	idt_init_desc(&probe_idt[X86_TRAP_NM], &nm);
	mine.size = orig.size;
	mine.address = (unsigned long)probe_idt;
	native_load_idt(&mine);

	WRITE_ONCE(ts_probe_nm_count, 0);
	write_cr0(cr0 | X86_CR0_TS);
	p->insn();
	after = read_cr0();
	if (after & X86_CR0_TS)		/* no #NM: never leave TS set */
		write_cr0(after & ~X86_CR0_TS);
	count = READ_ONCE(ts_probe_nm_count);
	native_load_idt(&orig);

	if (count == 1 && !(after & X86_CR0_TS))
		ret = 1;
	else if (count == 0 && (after & X86_CR0_TS))
		ret = 0;
	else
		ret = -EIO;
out:
	local_irq_restore(flags);
	kernel_fpu_end();
	if (ret == -EIO)
		pr_err("%s: #NM count %u but CR0.TS %s afterwards\n", p->name, count,
		       after & X86_CR0_TS ? "set" : "clear");
	return ret;
}

static int __init ts_probe_init(void)
{
	unsigned int i;
	int ret, err = 0;

	if (boot_cpu_has(X86_FEATURE_XENPV)) {
		pr_err("refused under Xen PV (CR0 and the IDT are Xen's)\n");
		return -ENODEV;
	}
	for (i = 0; i < ARRAY_SIZE(probes); i++) {
		if (!boot_cpu_has(probes[i].feature)) {
			pr_info("%s absent\n", probes[i].name);
			continue;
		}
		ret = probe_one(&probes[i]);
		if (ret < 0) {
			pr_err("%s: probe failed (%d)\n", probes[i].name, ret);
			err = ret;
			continue;
		}
		pr_info("%s nm=%d\n", probes[i].name, ret);
	}
	pr_info("done\n");
	return err;
}

static void __exit ts_probe_exit(void)
{
}

module_init(ts_probe_init);
module_exit(ts_probe_exit);
MODULE_DESCRIPTION("Probe: #NM under CR0.TS=1 per FPU/SIMD instruction (rig test)");
MODULE_LICENSE("GPL");
