# rig-timeout: 1500
# rig-host: kvm-l1
# kvm-l2-loop: boot the kvm-display L2 guest (vGPU behind vfio-pci
# display=on, rgpu_drm, fbcon) again and again, to catch the kvm-l1 host's
# wedge (docs/rig-log.md, "The kvm-l1 host wedged"): both L1 CPUs report
# soft lockups and the runner stops.  Not in any list.  Each boot is one
# step; a failed boot does not block the next.  RIG_JOB_BOOTS boots (8).
MDEV=/sys/bus/mdev/devices
TYPES=/sys/class/mdev_bus/rgpu0/mdev_supported_types
U=6f3c1a52-0000-4000-8000-0000000d00f1
n=${RIG_JOB_BOOTS:-8}

module_load() {
    set -x
    module_built_here "$BIN/vgpu_mdev.ko" || return
    mdev_modules_install vgpu_mdev vgpu_mdev_kvm vgpu_mdev_xen || return
    modprobe vgpu_mdev || return 1
    echo "$U" >"$TYPES/rgpu-refgpu-8/create" || return 1
    [ -d "$MDEV/$U" ]
}

boot_once() {
    L2_APPEND=rig.hold=1 l2_start l2 kvm-display \
        -device "vfio-pci,sysfsdev=$MDEV/$U,display=on,id=vgpu0" || return 1
    l2_wait l2 'RIG-GUEST: done rc=' 400 || return 1
    grep -q 'RIG-GUEST: done rc=0' "$OUT/guest-l2.console" || return 1
    l2_gone l2 60
}

step module-load module_load
i=1
while [ $i -le $n ]; do
    step boot-$i boot_once
    cp "$OUT/guest-l2.console" "$OUT/guest-l2-$i.console" 2>/dev/null
    kill -9 "$(cat "$OUT/l2.pid")" 2>/dev/null
    _job_failed=
    i=$((i + 1))
done
note "$(grep -c 'boot-.*pass' "$OUT/steps.tsv") of $n L2 boots passed"
