#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# abi-check.sh KDIR
#   Checks that vfio_iommu_priv.h (our copy of Linux 6.1's private
#   struct vfio_iommu_driver_ops and the types the CRC reaches) matches the
#   kernel in KDIR: computes the genksyms CRC of vfio_register_iommu_driver
#   from abi_probe.c through Kbuild (so with the kernel's exact
#   preprocessor flags) and compares it with KDIR/Module.symvers.
#   Exit 0 on match; non-zero with a message on mismatch or error.
#   The module's Kbuild runs the same check before compiling; this entry
#   point is for running it alone (e.g. in CI before a kernel upgrade).
#
# abi-check.sh --compare SYMVERS
#   Internal (called by the Kbuild rule): reads genksyms output on stdin.

set -eu
SYM=vfio_register_iommu_driver

if [ "${1:-}" = "--compare" ]; then
	symvers=$2
	ours=$(sed -n "s/^#SYMVER $SYM \(0x[0-9a-f]*\)\$/\1/p")
	theirs=$(awk -v s="$SYM" '$2 == s { print $1 }' "$symvers")
	if [ -z "$theirs" ]; then
		echo "abi-check: $SYM not in $symvers (kernel without VFIO?)" >&2
		exit 2
	fi
	if [ -z "$ours" ]; then
		echo "abi-check: genksyms produced no CRC for $SYM" >&2
		exit 2
	fi
	# Module.symvers may print the CRC without leading zeros.
	if [ $((ours)) -ne $((theirs)) ]; then
		echo "abi-check: MISMATCH for $SYM: ours $ours, kernel $theirs." >&2
		echo "abi-check: vfio_iommu_priv.h does not match this kernel's" \
		     "drivers/vfio/vfio.h (or abi_probe.c its container.c)." >&2
		exit 1
	fi
	echo "abi-check: $SYM CRC $ours matches $symvers"
	exit 0
fi

if [ $# -ne 1 ] || [ ! -f "$1/Module.symvers" ]; then
	echo "usage: $0 KDIR   (KDIR/Module.symvers must exist)" >&2
	exit 2
fi
kdir=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in Kbuild abi_probe.c vfio_iommu_priv.h abi-check.sh; do
	ln -s "$here/$f" "$tmp/$f"
done
make -C "$kdir" M="$tmp" VIX_ABI_ONLY=1 modules
