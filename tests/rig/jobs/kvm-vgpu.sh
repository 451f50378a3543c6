# rig-timeout: 900
# rig-host: kvm-l1
# kvm-vgpu: the KVM path end to end in the kvm-l1 host (flight kvm-path).
# vgpu_mdev.ko from the share is loaded into the L1 Debian kernel, instances
# are created through sysfs and mdevctl, an L2 guest boots under nested KVM
# with -device vfio-pci,sysfsdev=... and drives the vGPU (guest/kvm-vgpu.sh:
# IDs and registers with devmem, then rgpu-guest-test if it is packed), and
# the robustness rules are checked: removing an open instance does not
# happen under the VM, rmmod while open is refused, raw VFIO abuse from L1
# (tests/rig/vfio-abuse.c) is survived, rmmod with idle instances cleans up,
# and the kernel log has no oops or warning.
MDEV=/sys/bus/mdev/devices
PARENT=/sys/class/mdev_bus/rgpu0
TYPES=$PARENT/mdev_supported_types
U1=6f3c1a52-0000-4000-8000-000000000001
U2=6f3c1a52-0000-4000-8000-000000000002
U3=6f3c1a52-0000-4000-8000-000000000003
U4=6f3c1a52-0000-4000-8000-000000000004

module_load() {
    set -x
    ko=$BIN/vgpu_mdev.ko
    module_built_here "$ko" || return
    mdev_modules_install vgpu_mdev vgpu_mdev_kvm vgpu_mdev_xen || return
    # vgpu_mdev needs no KVM; its soft dependencies bring the trackers (the
    # Xen one stays idle outside a Xen dom0).
    modinfo -F depends "$ko" | tr , '\n' | grep -qx kvm && { echo "vgpu_mdev depends on kvm"; return 1; }
    modprobe vgpu_mdev || return 1
    lsmod | grep -q '^vgpu_mdev_kvm ' || { echo "vgpu_mdev_kvm not loaded by the soft dependency"; return 1; }
    [ -d "$PARENT" ] || { echo "no $PARENT"; return 1; }
    for t in "$TYPES"/*; do
        echo "$(basename "$t"): name=$(cat "$t/name") api=$(cat "$t/device_api")" \
             "available=$(cat "$t/available_instances")"
    done
    [ "$(cat "$TYPES/rgpu-refgpu-4/device_api")" = vfio-pci ] || return 1
    [ "$(cat "$TYPES/rgpu-refgpu-4/available_instances")" = 4 ] || return 1
    cat "$TYPES/rgpu-refgpu-4/description"
    # the core's log level is a run-time parameter; out-of-range is refused
    echo 3 >/sys/module/vgpu_mdev/parameters/log_level || return 1
    if echo 9 >/sys/module/vgpu_mdev/parameters/log_level; then return 1; fi
    echo 2 >/sys/module/vgpu_mdev/parameters/log_level || return 1
    cat /sys/class/rgpu/rgpu0/usage
}

sysfs_lifecycle() {
    set -x
    echo "$U1" >"$TYPES/rgpu-refgpu-4/create" || return 1
    [ -d "$MDEV/$U1" ] || return 1
    ls -l "$MDEV/$U1/" "$MDEV/$U1/iommu_group"
    [ "$(cat "$TYPES/rgpu-refgpu-4/available_instances")" = 3 ] || return 1
    # the same UUID twice, and more than the GPU holds, are refused
    if echo "$U1" >"$TYPES/rgpu-refgpu-4/create"; then echo "duplicate UUID accepted"; return 1; fi
    echo "$U3" >"$TYPES/rgpu-refgpu-1/create" && { echo "refgpu-1 accepted with refgpu-4 present"; return 1; }
    echo 1 >"$MDEV/$U1/remove" || return 1
    [ ! -e "$MDEV/$U1" ] || return 1
    [ "$(cat "$TYPES/rgpu-refgpu-4/available_instances")" = 4 ] || return 1
    cat /sys/class/rgpu/rgpu0/usage
}

mdevctl_define_start() {
    set -x
    mdevctl types || return 1
    mdevctl types | grep -q 'rgpu-refgpu-4' || return 1
    # transient instance: start without a definition, then stop
    mdevctl start -u "$U4" -p rgpu0 -t rgpu-refgpu-16 || return 1
    [ -d "$MDEV/$U4" ] || return 1
    mdevctl stop -u "$U4" || return 1
    [ ! -e "$MDEV/$U4" ] || return 1
    mdevctl define -u "$U2" -p rgpu0 -t rgpu-refgpu-4 || return 1
    mdevctl list -d
    mdevctl list -d | grep -q "$U2" || return 1
    mdevctl start -u "$U2" || return 1
    mdevctl list
    mdevctl list | grep "$U2" | grep -q rgpu-refgpu-4 || return 1
    [ -d "$MDEV/$U2" ] || return 1
    readlink "$MDEV/$U2/iommu_group"
    ls -l /dev/vfio/
}

l2_boot() {
    l2_start l2 kvm-vgpu -device "vfio-pci,sysfsdev=$MDEV/$U2" || return 1
    l2_wait l2 'RIG-GUEST: init up' 300
}

# The guest holds the device while it tests; meanwhile the host tries to take
# it away.  rmmod must be refused; a remove request must not pull the device
# from under the VM (the 6.1 mdev core cannot refuse it: it waits for close,
# and the driver says why in the kernel log and asks QEMU through REQ).
remove_while_open() {
    set -x
    # The open instance pins its write tracker and the parent.
    if rmmod vgpu_mdev_kvm; then echo "rmmod of the tracker succeeded with an open instance"; return 1; fi
    if rmmod vgpu_mdev; then echo "rmmod succeeded with an open instance"; return 1; fi
    # The bus link goes at once; the device itself stays while it is open.
    real=$(readlink -f "$MDEV/$U2")
    echo "$real" >"$OUT/u2.path"
    ( echo 1 >"$MDEV/$U2/remove"; echo "remove returned $?" >"$OUT/remove.done" ) &
    echo $! >"$OUT/remove.pid"
    sleep 5
    [ -d "$real" ] || { echo "instance vanished under the VM"; return 1; }
    [ ! -f "$OUT/remove.done" ] || { cat "$OUT/remove.done"; return 1; }
    kill -0 "$(cat "$OUT/l2.pid")" || { echo "the VM died"; return 1; }
    dmesg | grep 'in use by a VM' || { echo "no message about the open instance"; return 1; }
    rm -f "$OUT/remove.pid"
}

# vgpu-guest in L2: every scenario passed, interrupts by MSI (eventfd
# from vgpu_mdev through QEMU's vfio-pci into the L2 kernel).
guest_workload() {
    l2_wait l2 'RIG-GUEST: done rc=' 600 || return 1
    vgpu_guest_ok l2 || return 1
    grep -q 'RIG-GUEST: done rc=0' "$OUT/guest-l2.console" || return 1
    dmesg | grep -q 'opened (write tracking: kvm)' || { echo "the KVM tracker did not serve the instance"; return 1; }
}

removal_after_close() {
    set -x
    l2_gone l2 120 || return 1
    real=$(cat "$OUT/u2.path" 2>/dev/null)
    wait_for 30 1 fails test -d "${real:-$MDEV/$U2}" ||
        { echo "pending removal did not complete after the VM closed"; return 1; }
    cat "$OUT/remove.done" 2>/dev/null
    mdevctl list
    mdevctl undefine -u "$U2"
    [ "$(cat "$TYPES/rgpu-refgpu-4/available_instances")" = 4 ]
}

# Raw VFIO from L1 userspace: DMA withdrawal while the engine works in the
# range, malformed requests, random register and config writes.
vfio_abuse() {
    set -x
    echo "$U3" >"$TYPES/rgpu-refgpu-4/create" || return 1
    "$BIN/vfio-abuse" "$MDEV/$U3" 20000
    rc=$?
    echo 1 >"$MDEV/$U3/remove" || return 1
    dmesg | grep -E 'withdrawn|vgpu_mdev' | tail -20
    [ $rc = 0 ] && dmesg | grep -q 'GTT entries invalidated'
}

rmmod_with_instances() {
    set -x
    echo "$U1" >"$TYPES/rgpu-refgpu-8/create" || return 1
    echo "$U3" >"$TYPES/rgpu-refgpu-8/create" || return 1
    ls "$MDEV"
    rmmod vgpu_mdev_xen vgpu_mdev_kvm vgpu_mdev || return 1
    [ ! -e "$MDEV/$U1" ] && [ ! -e "$MDEV/$U3" ] && [ ! -e "$PARENT" ] || return 1
    modprobe vgpu_mdev || return 1
    [ "$(cat "$TYPES/rgpu-refgpu-8/available_instances")" = 8 ] || return 1
    rmmod vgpu_mdev_xen vgpu_mdev_kvm vgpu_mdev
}

# kernel_log_clean: lib.sh's (the L1 runner sources it too).
step module-load module_load
step mdev-sysfs sysfs_lifecycle
step mdevctl mdevctl_define_start
step l2-boot l2_boot
step remove-while-open remove_while_open
step guest-workload guest_workload
step removal-after-close removal_after_close
step vfio-abuse vfio_abuse
step rmmod-with-instances rmmod_with_instances
step kernel-log kernel_log_clean
