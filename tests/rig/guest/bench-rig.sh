# Runs in the bench-rig job's guests (two of them, one after the other):
# trapped MMIO round trips per second against whatever IOREQ server owns
# 00:05.0 -- the null server ioreq-echo, then vgpu-backend.  Register 0x10
# is the echo register of one and SCRATCH0 of the other: the same kind of
# access on both.  The host takes the medians (make bench-rig).
d=/sys/bus/pci/devices/0000:00:05.0
[ -d $d ] || { echo "RIG-GUEST: no PCI function 00:05.0"; exit 1; }
echo "RIG-GUEST: pci 00:05.0 $(cat $d/vendor):$(cat $d/device) driver $(basename "$(readlink $d/driver 2>/dev/null)")"
echo 1 >$d/enable 2>/dev/null       # memory decoding on (refused, harmlessly, when a driver holds it)
/bin/mmio-bench 0000:00:05.0 0x10 2
