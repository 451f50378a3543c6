/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ts_probe: shared between the C probe and its #NM entry (ts_probe_nm.S).
 */
#ifndef TS_PROBE_H
#define TS_PROBE_H

#ifndef __ASSEMBLY__
/* #NM exceptions taken through the probe's IDT since the last reset. */
extern unsigned int ts_probe_nm_count;
/* The probe IDT's vector 7: counts, clears CR0.TS, returns to retry. */
void ts_probe_nm_entry(void);
#endif

#endif
