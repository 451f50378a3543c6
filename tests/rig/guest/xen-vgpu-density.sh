# Runs in every guest of the xen-vgpu-density job (each has its own vGPU on
# the one reference GPU): vgpu-guest for 6 rounds, every round verifying
# its own results byte-exact.  The guests come up together, so their
# rounds run at the same time (the job proves it from dom0's clock).
d=/sys/bus/pci/devices/0000:00:05.0
[ -d $d ] || { echo "RIG-GUEST: no PCI function 00:05.0"; exit 1; }
echo "RIG-GUEST: pci 00:05.0 $(cat $d/vendor):$(cat $d/device) driver $(basename "$(readlink $d/driver 2>/dev/null)")"
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
/bin/vgpu-guest --rounds 6
