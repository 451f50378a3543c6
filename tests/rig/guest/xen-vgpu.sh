# Runs in the xen-vgpu job's guest: a vGPU that dom0's vgpu-backend serves
# at 00:05.0.  Show what the guest sees of it (lspci -n style, from sysfs:
# busybox has no lspci; the driver init bound to it), then run vgpu-guest
# (build/bin/vgpu-guest, packed into the initramfs by flight.py; rgpu-dirty
# before it, for the job's log-dirty step), whose
# PASS/FAIL lines and closing `N passed, M failed` the job checks; then the
# interrupt scenarios again with the driver on INTx instead of MSI; then
# every scenario again with DMA by grant (the driver back on MSI).
echo "RIG-GUEST: vcpus $(grep -c ^processor /proc/cpuinfo)"
d=
for f in /sys/bus/pci/devices/*; do
    [ "$(cat "$f/vendor")" = 0x1234 ] && [ "$(cat "$f/device")" = 0x6770 ] && d=$f
done
if [ -z "$d" ]; then
    echo "RIG-GUEST: no 1234:6770 function"; ls /sys/bus/pci/devices; exit 1
fi
c=$(cat "$d/class")
echo "RIG-GUEST: lspci -n: ${d##*/0000:} $(echo "$c" | cut -c3-6): $(cut -c3- "$d/vendor"):$(cut -c3- "$d/device")"
drv=$(readlink "$d/driver" 2>/dev/null)
echo "RIG-GUEST: pci ${d##*/} class $c irq $(cat "$d/irq") driver ${drv##*/} bar0 $(head -1 "$d/resource")"
# Locked DMA pages must stay where their addresses say (no compaction of
# mlocked memory while the device holds their addresses).
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
if [ ! -x /bin/vgpu-guest ]; then
    echo "RIG-GUEST: /bin/vgpu-guest missing from the initramfs"; exit 1
fi
# Log-dirty first (docs/hw-spec.md §10): dom0 turns it on for this domain
# once rgpu-dirty is ready, the GPU fills pages the CPU leaves alone, dom0
# reads the dirty bitmap (logdirty_check in tests/rig/dom0/host.sh).  A job
# without that step (xen-mdev's second guest) costs 30 s: rgpu-dirty skips.
/bin/rgpu-dirty 30
dr=$?
/bin/vgpu-guest
rc=$?
[ $dr = 0 ] || rc=1
# The same interrupts by INTA# (the daemon's set_pci_intx_level): reload
# the driver with intx=1 and run the scenarios that wait for interrupts,
# between markers so the job tells this run from the full one.
echo "RIG-GUEST: intx run begin"
if rmmod rgpu_uio && insmod /lib/modules/rgpu_uio.ko intx=1; then
    /bin/vgpu-guest --scenario irq,display
    t=$?
else
    echo "RIG-GUEST: reloading rgpu_uio with intx=1 failed"; t=1
fi
echo "RIG-GUEST: intx run rc=$t"
[ $t = 0 ] || rc=1
# Every DMA address by grant instead of guest-physical (docs/guest.md):
# rgpu_uio (reloaded on MSI) grants the pages to dom0 through
# /dev/rgpu-grant, which it creates only in a Xen guest with a grant table.
echo "RIG-GUEST: grant run begin"
if rmmod rgpu_uio && insmod /lib/modules/rgpu_uio.ko; then
    if [ -c /dev/rgpu-grant ]; then
        /bin/vgpu-guest --dma grant
        t=$?
    else
        echo "RIG-GUEST: no /dev/rgpu-grant (no Xen grant table?)"; dmesg | grep -i -E 'rgpu|grant' | tail -5; t=1
    fi
else
    echo "RIG-GUEST: reloading rgpu_uio failed"; t=1
fi
echo "RIG-GUEST: grant run rc=$t"
[ $t = 0 ] || rc=1
# A picture held on the plane for dom0's VNC check (xen-vgpu's vnc-picture
# step): rgpu-demo draws it, prints `demo done`, keeps it shown 40 s.
# xen-mdev's guest, which sources this script, has no daemon VNC: it sets
# HOLD_PICTURE=0.
if [ "${HOLD_PICTURE:-1}" = 1 ]; then
    /bin/rgpu-demo 0 40 || rc=1
fi
exit $rc
