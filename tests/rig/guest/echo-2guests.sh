# Runs in both guests of the echo-2guests job: a minute of trapped MMIO
# against the null IOREQ server ioreq-echo (no vGPU, no vgpu-backend).
d=/sys/bus/pci/devices/0000:00:05.0
[ -d $d ] || { echo "RIG-GUEST: no PCI function 00:05.0"; exit 1; }
echo 1 >$d/enable 2>/dev/null
/bin/mmio-bench 0000:00:05.0 0x10 6
