/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ts_probe's #NM handler, vector 7 of the private IDT that ts_probe_main.c
 * loads around each probed instruction (interrupts off, this CPU only).
 * It does what a lazy-FPU kernel does: clear CR0.TS and return to the
 * faulting instruction, which then runs to completion.  It also counts,
 * so the probe knows the exception was delivered, without Linux's own
 * exc_device_not_available() (which WARNs "CR0.TS was set").  #NM pushes
 * no error code, so the frame is the bare IRET frame.
 */
#include <linux/linkage.h>
#include <asm/unwind_hints.h>

	.text
SYM_CODE_START(ts_probe_nm_entry)
	UNWIND_HINT_IRET_REGS
	incl	ts_probe_nm_count(%rip)
	clts
	iretq
	int3
SYM_CODE_END(ts_probe_nm_entry)
