# Runs in the xen-vgpu job's guest: a vGPU that dom0's vgpu-backend serves
# at 00:05.0.  Show what the guest sees of it, then drive it with the guest
# library on its Linux platform (/bin/rgpu-guest-test, from
# tests/rig/guest-bin/: static, packed into the initramfs by flight.py).
echo "RIG-GUEST: vcpus $(grep -c ^processor /proc/cpuinfo)"
d=
for f in /sys/bus/pci/devices/*; do
    [ "$(cat "$f/vendor")" = 0x1234 ] && [ "$(cat "$f/device")" = 0x6770 ] && d=$f
done
if [ -z "$d" ]; then
    echo "RIG-GUEST: no 1234:6770 function"; ls /sys/bus/pci/devices; exit 1
fi
echo "RIG-GUEST: pci ${d##*/} class $(cat "$d/class") irq $(cat "$d/irq") bar0 $(head -1 "$d/resource")"
# Locked DMA pages must stay where their addresses say (no compaction of
# mlocked memory while the device holds their addresses).
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
if [ ! -x /bin/rgpu-guest-test ]; then
    echo "RIG-GUEST: /bin/rgpu-guest-test missing from the initramfs"; exit 1
fi
/bin/rgpu-guest-test
