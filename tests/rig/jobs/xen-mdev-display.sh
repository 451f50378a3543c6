# rig-timeout: 720
# xen-mdev-display: the guest's screen on the Xen kernel (mdev) path, in
# the domain's own console.  dom0 loads vgpu_mdev and the Xen VFIO IOMMU
# backend as xen-mdev does; `vgpu-xl create` starts an HVM guest whose
# config has `vgpu = [ "type=refgpu-8,backend=mdev,..." ]` (modes up to
# 1920x1080) and, as an administrator sets it, the domain's own `vnc = 1`
# with `vga = "none"`: vgpu-xl gives QEMU-xen
# `-device vfio-pci,sysfsdev=...,display=on,id=vgpu0`, so the region plane
# vgpu_mdev answers VFIO_DEVICE_QUERY_GFX_PLANE with is QEMU's only
# graphic console, the one its VNC shows.  In the guest (the same script as
# kvm-display's) the DRM driver rgpu_drm replaces rgpu_uio, page flips
# complete by vblank events, fbcon draws the console on the vGPU, a banner
# goes to tty1 and the guest prints the hash of /dev/fb0's pixels with the
# vblank sequence.  Here in dom0: QEMU's QMP screendump of vgpu0 (libxl's
# socket /var/run/xen/qmp-libxl-<domid>; a PPM, kept in $OUT with its PNG
# copy) must decode to the same RGB pixels, and a real VNC client, Debian's
# vncsnapshot, at the port libxl recorded for `xl vncviewer`
# (/local/domain/<domid>/console/vnc-port) must see that picture too.
# Teardown: the guest powers off, `vgpu-xl destroy <domid>` removes the
# instance and its records, the binding is released, every live count of
# the backend and the tracker is back to its baseline, QEMU's VNC port is
# closed, the modules unload, and dom0's kernel log is clean.
TYPES=/sys/class/mdev_bus/rgpu0/mdev_supported_types
U=7a1c3e52-0000-4000-8000-0000000d1001
G=xmd1
PPM=xen-mdev-display-screendump.ppm
PNG=xen-mdev-display-screendump.png
XTSYS=/sys/kernel/vgpu_mdev_xen
XSYS_EXTRA=$XTSYS
VG_XSR=/local/domain/0/backend/vgpu-mdev
export VGPUCTL="$BIN/vgpuctl" VGPU_QEMU_DM="$BIN/vgpu-qemu-dm"

# Whatever happens to the steps, no domain or instance outlives the job.
cleanup() {
    xl destroy $G 2>/dev/null
    [ -e "$MDEV/$U" ] && echo 1 >"$MDEV/$U/remove" 2>/dev/null
    return 0
}
trap cleanup EXIT

module_load() {
    set -x
    [ -x "$BIN/qmp-screendump" ] || { echo "no $BIN/qmp-screendump (make rig)"; return $BROKEN; }
    [ -x "$QEMU_XEN" ] || { echo "no $QEMU_XEN"; return $BROKEN; }
    mdev_modules_install vgpu_mdev vgpu_mdev_kvm vgpu_mdev_xen vfio_iommu_xen || return
    xen_vfio_load || return 1
    modprobe vgpu_mdev || return 1
    lsmod | grep -q '^vgpu_mdev_xen ' || { echo "the Xen write tracker did not load"; return 1; }
    [ -d "$TYPES/rgpu-refgpu-8" ] || { echo "no rgpu-refgpu-8 type"; return 1; }
    xsys_baseline
}

# The administrator's way: vgpu= with backend=mdev, the domain's vnc = 1.
xmd_create() {
    guest_config $G "vgpu = [ \"type=refgpu-8,backend=mdev,uuid=$U\" ]" || return $?
    guest_qemu_vnc $G || return 1
    grep -E '^(vnc|vga|vgpu)' "$OUT/$G.cfg"
    sh "$BIN/vgpu-xl" create "$OUT/$G.cfg" || { tail -30 "/var/log/xen/qemu-dm-$G.log"; return 1; }
    guest_domid $G >"$OUT/.domid-$G"
    _d=$(cat "$OUT/.domid-$G")
    cat "/var/log/xen/qemu-dm-$G.log"
    # QEMU's display and devices, from its command line
    ps -eo args | grep '[q]emu-system' | tr ' ' '\n' |
        awk 'p { print "qemu " p " " $0; p = "" } /^-(vnc|vga|display|device|xen-domid)$/ { p = $0 }'
    ps -eo args | grep '[q]emu-system' | grep -q "sysfsdev=$MDEV/$U,display=on,id=vgpu0" ||
        { echo "QEMU has no vfio-pci display=on for $U"; return 1; }
    mdev_bound $G "$U" || return 1
    [ -S "/var/run/xen/qmp-libxl-$_d" ] || { echo "no QMP socket /var/run/xen/qmp-libxl-$_d"; return 1; }
    _p=$(qemu_vnc_port "$_d") || { ss -Hltn; return 1; }
    echo "QEMU's VNC for dom$_d at 127.0.0.1:$_p (xenstore console/vnc-port)"
    echo "$_p" >"$OUT/.vnc-port"
    guest_wait $G 'RIG-GUEST: init up' 400
}

xmd_display() {
    guest_wait $G 'RIG-GUEST: display ready' 300 || return 1
    display_ready_ok "$OUT/guest-$G.console"
}

# QMP screendump of the vGPU's console while the guest holds its screen
# still.  QEMU writes the file itself (into dom0's /tmp, then copied), as
# PPM: Debian's QEMU-xen has no PNG support ("Enable PNG support with
# libpng for screendump").  The PPM is what is hashed; its PNG copy is for
# rgb-diff and people.
xmd_screendump() {
    set -x
    _d=$(cat "$OUT/.domid-$G")
    rm -f "/tmp/rig-$PPM"
    "$BIN/qmp-screendump" -t 60 "/var/run/xen/qmp-libxl-$_d" vgpu0 "/tmp/rig-$PPM" || return 1
    cp "/tmp/rig-$PPM" "$OUT/$PPM" && rm -f "/tmp/rig-$PPM" || return 1
    "$BIN/qmp-screendump" --rgb-hash "$OUT/$PPM" | tee "$OUT/screendump-hash.txt" || return 1
    "$BIN/qmp-screendump" --to-png "$OUT/$PPM" "$OUT/$PNG" || return 1
    set +x
    display_hash_equal "$OUT/guest-fb.txt" "$OUT/screendump-hash.txt"
}

# The held screen through QEMU's VNC, as `xl vncviewer` would show it.
xmd_vnc() {
    vnc_picture_equal "127.0.0.1:$(cat "$OUT/.vnc-port")" "$OUT/$PNG" xen-mdev-display-vnc
}

xmd_done() {
    guest_wait $G 'RIG-GUEST: done rc=' 200 || return 1
    display_held_ok "$OUT/guest-$G.console"
}

# The guest powered itself off: vgpu-xl destroy by domid releases what it
# made for it.
xmd_teardown() {
    set -x
    _d=$(cat "$OUT/.domid-$G")
    guest_gone $G 120 || return 1
    domains_gone || return 1
    sh "$BIN/vgpu-xl" destroy "$_d" || return 1
    [ ! -e "$MDEV/$U" ] || { echo "vgpu-xl destroy left the instance $U"; return 1; }
    ! xenstore-ls "$VG_XSR/$_d" 2>/dev/null || { echo "vgpu-xl destroy left xenstore records"; return 1; }
    mdev_bindings_released "$U" || return 1
    counts_back after || return 1
    vnc_port_closed "$(cat "$OUT/.vnc-port")" ||
        { echo "QEMU's VNC port $(cat "$OUT/.vnc-port") still listening"; return 1; }
}

modules_unload() {
    set -x
    rmmod vgpu_mdev_xen vgpu_mdev_kvm || return 1
    rmmod vgpu_mdev || return 1
    rmmod vfio_iommu_xen || return 1
    ! lsmod | grep -E '^(vgpu_mdev|vfio_iommu_xen)'
}

step module-load module_load
step guest-create xmd_create
step guest-display xmd_display
step screendump xmd_screendump
step vnc-picture xmd_vnc
step guest-done xmd_done
step teardown xmd_teardown
step modules-unload modules_unload
step kernel-log kernel_log_clean
step leak-check leak_check
