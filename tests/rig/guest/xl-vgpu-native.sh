# Runs in the xl-vgpu-native job's guest, created by the patched `xl create`
# with vgpu = [ "type=refgpu-8,vnc=1,..." ]: the vGPU must be at the default PCI
# function 00:05.0 as 1234:6770 when the guest's firmware and kernel first
# look.  Then the guest stays up so that dom0 tests `xl destroy` on a live
# domain (the job destroys it; init never reaches its poweroff).
d=/sys/bus/pci/devices/0000:00:05.0
if [ -d "$d" ] && [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x6770 ]; then
    echo "RIG-GUEST: pci ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") class $(cat "$d/class") bar0 $(head -1 "$d/resource")"
    echo "RIG-GUEST: xl-vgpu-native PASS"
    # The same workload as the xen-vgpu job: the vGPU works, not just shows up.
    echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
    /bin/vgpu-guest
    # A picture held on the plane until xl destroy, for dom0's VNC check:
    # rgpu-demo draws it, prints `demo done` and keeps it shown.
    /bin/rgpu-demo 0 900 &
else
    echo "RIG-GUEST: no 1234:6770 at 00:05.0; functions:"
    for f in /sys/bus/pci/devices/*; do echo "RIG-GUEST:   ${f##*/} $(cat "$f/vendor"):$(cat "$f/device")"; done
    echo "RIG-GUEST: xl-vgpu-native FAIL"
fi
echo "RIG-GUEST: waiting for xl destroy"
sleep 900
