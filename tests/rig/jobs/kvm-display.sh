# rig-timeout: 600
# rig-host: kvm-l1
# kvm-display: the guest's screen on the KVM path.  An L2 guest boots with
# the vGPU (vgpu_mdev instance, type refgpu-8: modes up to 1920x1080) behind
# QEMU's vfio-pci with display=on; in it (guest/kvm-display.sh) the DRM
# driver rgpu_drm replaces rgpu_uio, page flips complete by vblank events,
# fbcon draws the console on the vGPU and the guest prints a banner on
# tty1, then the hash of /dev/fb0's pixels and the vblank sequence.  Here
# in L1: QEMU's QMP screendump of the vfio-pci display (the region plane
# vgpu_mdev answers VFIO_DEVICE_QUERY_GFX_PLANE with) must hash to the same
# RGB pixels (qmp-screendump --rgb-hash); the PNG stays in $OUT.  Then
# vfio-abuse on a second instance (hostile planes shown as off).
MDEV=/sys/bus/mdev/devices
TYPES=/sys/class/mdev_bus/rgpu0/mdev_supported_types
U=6f3c1a52-0000-4000-8000-0000000d0001
U2=6f3c1a52-0000-4000-8000-0000000d0002
QMP=/run/qmp-kvm-display.sock
PNG=kvm-display-screendump.png

module_load() {
    set -x
    module_built_here "$BIN/vgpu_mdev.ko" || return
    [ -x "$BIN/qmp-screendump" ] || { echo "no $BIN/qmp-screendump (make rig)"; return $BROKEN; }
    mdev_modules_install vgpu_mdev vgpu_mdev_kvm vgpu_mdev_xen || return
    modprobe vgpu_mdev || return 1
    echo "$U" >"$TYPES/rgpu-refgpu-8/create" || return 1
    [ -d "$MDEV/$U" ]
}

l2_boot() {
    rm -f "$QMP"
    l2_start l2 kvm-display -device "vfio-pci,sysfsdev=$MDEV/$U,display=on,id=vgpu0" \
        -qmp "unix:$QMP,server=on,wait=off" || return 1
    l2_wait l2 'RIG-GUEST: init up' 300
}

# The driver came up, modes and page flips worked, the console is drawn.
guest_display() {
    l2_wait l2 'RIG-GUEST: display ready' 300 || return 1
    display_ready_ok "$OUT/guest-l2.console"
}

# QMP screendump while the guest holds its screen still; same pixels.
screendump_matches() {
    set -x
    "$BIN/qmp-screendump" "$QMP" vgpu0 "$OUT/$PNG" || return 1
    "$BIN/qmp-screendump" --rgb-hash "$OUT/$PNG" | tee "$OUT/screendump-hash.txt" || return 1
    set +x
    display_hash_equal "$OUT/guest-fb.txt" "$OUT/screendump-hash.txt"
}

guest_done() {
    l2_wait l2 'RIG-GUEST: done rc=' 200 || return 1
    display_held_ok "$OUT/guest-l2.console"
}

# The region plane against a hostile user of the device (vfio-abuse
# --display: kvm-vgpu runs it without the display checks; here with them
# and a short random phase).
display_abuse() {
    set -x
    [ -x "$BIN/vfio-abuse" ] || { echo "no $BIN/vfio-abuse (make rig)"; return $BROKEN; }
    echo "$U2" >"$TYPES/rgpu-refgpu-8/create" || return 1
    "$BIN/vfio-abuse" --display "$MDEV/$U2" 500
    _rc=$?
    echo 1 >"$MDEV/$U2/remove" || return 1
    return $_rc
}

teardown() {
    set -x
    l2_gone l2 60 || return 1
    echo 1 >"$MDEV/$U/remove" || return 1
    rmmod vgpu_mdev_xen vgpu_mdev_kvm vgpu_mdev
}

step module-load module_load
step l2-boot l2_boot
step guest-display guest_display
step screendump screendump_matches
step guest-done guest_done
step display-abuse display_abuse
step teardown teardown
step kernel-log kernel_log_clean
