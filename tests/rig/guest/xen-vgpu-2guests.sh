# Runs in both guests of the xen-vgpu-2guests job (each has its own vGPU, of
# a different type, on the one reference GPU): vgpu-guest for 30 rounds,
# every round verifying its own results byte-exact.  The job starts the
# second guest while the first is in its rounds, so their workloads
# overlap, and destroys the second in the middle of its rounds.
d=/sys/bus/pci/devices/0000:00:05.0
[ -d $d ] || { echo "RIG-GUEST: no PCI function 00:05.0"; exit 1; }
echo "RIG-GUEST: pci 00:05.0 $(cat $d/vendor):$(cat $d/device) driver $(basename "$(readlink $d/driver 2>/dev/null)")"
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
/bin/vgpu-guest --rounds 30
