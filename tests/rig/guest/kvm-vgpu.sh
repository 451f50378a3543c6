# Runs in the kvm-vgpu job's L2 guest (QEMU/KVM, the vGPU is an mdev behind
# vfio-pci).  Finds the reference GPU (1234:6770), checks its identity and
# registers through BAR0 with devmem, then runs vgpu-guest (the same
# scenarios as the Xen path's guest) when the initramfs carries it.
dev=
for d in /sys/bus/pci/devices/*; do
    if [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x6770 ]; then dev=$d; fi
done
if [ -z "$dev" ]; then
    echo "RIG-GUEST: no 1234:6770 function"
    for d in /sys/bus/pci/devices/*; do echo "RIG-GUEST: ${d##*/} $(cat $d/vendor):$(cat $d/device)"; done
    exit 1
fi
echo "RIG-GUEST: vgpu at ${dev##*/} class $(cat $dev/class) irq $(cat $dev/irq)"
echo 1 >$dev/enable 2>/dev/null
bar=$(awk 'NR == 1 { print $1 }' $dev/resource)
echo "RIG-GUEST: bar0 $bar"
id=$(devmem $bar 32)
ver=$(devmem $((bar + 4)) 32)
devmem $((bar + 0x10)) 32 0x5a5aa5a5
s0=$(devmem $((bar + 0x10)) 32)
magic=$(devmem $((bar + 0x10000)) 32)
echo "RIG-GUEST: ID=$id VERSION=$ver SCRATCH0=$s0 PVINFO=$magic"
rc=0
[ "$id" = 0x55504752 ] && [ "$ver" = 0x00010001 ] && [ "$s0" = 0x5A5AA5A5 ] &&
    [ "$magic" = 0x56504752 ] || rc=1
echo "RIG-GUEST: devmem checks rc=$rc"
drv=$(readlink $dev/driver 2>/dev/null)
echo "RIG-GUEST: driver ${drv##*/}"
if [ -x /bin/vgpu-guest ]; then
    echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
    /bin/vgpu-guest
    t=$?
    echo "RIG-GUEST: vgpu-guest rc=$t"
    [ $t = 0 ] || rc=1
else
    echo "RIG-GUEST: vgpu-guest not packed: devmem checks only"
fi
# The host checks that removing the instance waits while the VM holds it.
echo "RIG-GUEST: holding the device 10s"
sleep 10
exit $rc
