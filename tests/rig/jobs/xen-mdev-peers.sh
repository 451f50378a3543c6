# rig-timeout: 900
# xen-mdev-peers: other people's mdev drivers on Xen through our backend.
# Linux's own sample mdevs mtty (a 2-port 16550A that loops bytes back),
# mdpy (a framebuffer display) and mbochs (a bochs-dispi display device,
# here with display=off: its dma-buf display needs OpenGL, which QEMU-xen
# lacks), built by make kernel from linux-source of
# exactly dom0's kernel (mk/build-kmods; no project code in them), attach
# to one Xen HVM guest the same way as our vGPU in xen-mdev: the wrapper
# vgpu-qemu-dm binds both instances to the domain in the Xen VFIO IOMMU
# backend vfio_iommu_xen, then execs Debian's qemu-system-xen, whose
# vfio-pci takes `sysfsdev=` (mdpy's with display=on, shown by QEMU's VNC).
# In the guest (guest/xen-mdev-peers.sh): the kernel's 8250 driver binds
# mtty's ports, a line written to each comes back, with interrupts; mbochs'
# DISPI id register and a word of its memory BAR answer; a static helper
# paints four colour bands into mdpy's framebuffer BAR.  Here
# in dom0: QEMU's screendump of that display over QMP (qmp-screendump, a
# PPM kept in $OUT) must show the four bands, pixel for pixel; then a
# SysRq over xenstore lets the guest finish.  Teardown: guest and domain
# gone, bindings released, every live count of the backend back to
# its baseline and no refusal counted, instances removed, the modules
# unload, and dom0's kernel log has no warning or oops.
MTTY_TYPES=/sys/class/mdev_bus/mtty/mdev_supported_types
MDPY_TYPES=/sys/class/mdev_bus/mdpy/mdev_supported_types
MBOCHS_TYPES=/sys/class/mdev_bus/mbochs/mdev_supported_types
# mtty-2: two ports (BAR0, BAR1).  mdpy-vga, 640x480: the smallest of
# mdpy's modes; every access to its BAR traps to QEMU under Xen.
MTTY_TYPE=mtty-2
MDPY_TYPE=mdpy-vga
MBOCHS_TYPE=mbochs-small
UT=7a1c3e52-0000-4000-8000-0000000b0001
UP=7a1c3e52-0000-4000-8000-0000000b0002
UB=7a1c3e52-0000-4000-8000-0000000b0003
G=xp1
PPM=mdpy-screendump.ppm

cleanup() {
    xl destroy $G 2>/dev/null
    for _u in $UT $UP $UB; do
        [ -e "$MDEV/$_u" ] && echo 1 >"$MDEV/$_u/remove" 2>/dev/null
    done
    return 0
}
trap cleanup EXIT

xsys_errors() { cat "$XSYS/stats/errors"; }

module_load() {
    set -x
    mdev_modules_install vfio_iommu_xen mtty mdpy mbochs || return
    modinfo -F vermagic "$BIN/mtty.ko"
    xen_vfio_load || return 1
    modprobe mtty || return 1
    modprobe mdpy || return 1
    modprobe mbochs || return 1
    lsmod | grep -E '^(vfio|mdev|mtty|mdpy|mbochs)'
    ls "$MTTY_TYPES" "$MDPY_TYPES" "$MBOCHS_TYPES"
    [ -d "$MTTY_TYPES/$MTTY_TYPE" ] || { echo "no $MTTY_TYPE type"; return 1; }
    [ -d "$MDPY_TYPES/$MDPY_TYPE" ] || { echo "no $MDPY_TYPE type"; return 1; }
    [ -d "$MBOCHS_TYPES/$MBOCHS_TYPE" ] || { echo "no $MBOCHS_TYPE type"; return 1; }
    xsys_baseline
    xsys_errors >"$OUT/.xsys-errors"
}

mdev_create() {
    mdev_instance_create "$MTTY_TYPES/$MTTY_TYPE" $UT || return 1
    mdev_instance_create "$MDPY_TYPES/$MDPY_TYPE" $UP || return 1
    mdev_instance_create "$MBOCHS_TYPES/$MBOCHS_TYPE" $UB || return 1
}

# One HVM guest with the three devices.  The rig's guest has vnc = 0 and
# vga = "none": here QEMU's VNC runs (on dom0's loopback), so mdpy's
# display has a console; vga stays none, so it is the only one.
guest_create_peers() {
    [ -x "$QEMU_XEN" ] || { echo "no $QEMU_XEN"; return $BROKEN; }
    [ -x "$BIN/qmp-screendump" ] || { echo "no $BIN/qmp-screendump (make rig)"; return $BROKEN; }
    guest_qemu_vnc $G || return 1
    cat >>"$OUT/$G.cfg" <<EOF
device_model_override = "$BIN/vgpu-qemu-dm"
device_model_args_hvm = [ "-device", "vfio-pci,sysfsdev=$MDEV/$UT", "-device", "vfio-pci,sysfsdev=$MDEV/$UP,display=on,id=mdpy0", "-device", "vfio-pci,sysfsdev=$MDEV/$UB,display=off" ]
EOF
    grep -E '^(vnc|vga|device_model)' "$OUT/$G.cfg"
    guest_create $G || { tail -30 "/var/log/xen/qemu-dm-$G.log"; return 1; }
    cat "/var/log/xen/qemu-dm-$G.log"
    # QEMU's display and devices, from its command line
    ps -eo args | grep '[q]emu-system' | tr ' ' '\n' |
        awk 'p { print "qemu " p " " $0; p = "" } /^-(vnc|vga|device|xen-domid)$/ { p = $0 }'
    mdev_bound $G $UT $UP $UB || return 1
    grep -H . "$XSYS"/stats/*
    _d=$(cat "$OUT/.domid-$G")
    [ -S "/var/run/xen/qmp-libxl-$_d" ] || { echo "no QMP socket /var/run/xen/qmp-libxl-$_d"; return 1; }
}

# mtty: both ports echo the line written to them, with interrupts.
mtty_results() {
    guest_wait $G 'RIG-GUEST: mtty done' 300 || return 1
    grep -a 'RIG-GUEST: \(pci\|mtty\)' "$OUT/guest-$G.console" | tr -d '\r'
    _ok=$(grep -ac 'RIG-GUEST: mtty ttyS[0-9]* echo ok' "$OUT/guest-$G.console")
    [ "$_ok" = 2 ] || { echo "$_ok of 2 mtty ports echoed their line with interrupts"; return 1; }
}

# mbochs: its registers and memory answer the guest.
mbochs_results() {
    guest_wait $G 'RIG-GUEST: mbochs' 120 || return 1
    grep -a 'RIG-GUEST: \(pci 0000:[0-9a-f:.]* 1234:1111\|mbochs\)' "$OUT/guest-$G.console" | tr -d '\r'
    grep -aq 'RIG-GUEST: mbochs ok' "$OUT/guest-$G.console"
}

# mdpy: once the guest has painted its bands, QEMU's screendump of the
# display must show them; then a SysRq (xl sysrq: loglevel 4, what the
# guest's `quiet` set already) tells the guest it may finish.
mdpy_screendump() {
    guest_wait $G 'RIG-GUEST: mdpy-step' 400 || return 1
    grep -a 'RIG-GUEST: \(pci\|mdpy\)' "$OUT/guest-$G.console" | tr -d '\r'
    _d=$(cat "$OUT/.domid-$G")
    rm -f /tmp/rig-$PPM
    "$BIN/qmp-screendump" -t 60 "/var/run/xen/qmp-libxl-$_d" mdpy0 /tmp/rig-$PPM
    _rc=$?
    # Whatever the screendump gave, the guest may finish now.
    xl sysrq $G 4 || echo "xl sysrq $G failed: the guest waits 180 s"
    [ $_rc = 0 ] || { echo "screendump failed"; return 1; }
    cp /tmp/rig-$PPM "$OUT/$PPM" && rm -f /tmp/rig-$PPM || return 1
    ls -l "$OUT/$PPM"
    grep -aq 'RIG-GUEST: mdpy-bands readback ok' "$OUT/guest-$G.console" ||
        { echo "the guest did not read its bands back"; return 1; }
    "$BIN/qmp-screendump" --check-bands "$OUT/$PPM"
}

guest_done() {
    guest_wait $G 'RIG-GUEST: done rc=' 300 || return 1
    grep -a 'RIG-GUEST: \(go-ahead\|done\)' "$OUT/guest-$G.console" | tr -d '\r'
    grep -aq "RIG-GUEST: go-ahead: dom0's SysRq" "$OUT/guest-$G.console" ||
        { echo "the guest did not see dom0's SysRq"; return 1; }
    grep -aq 'RIG-GUEST: done rc=0' "$OUT/guest-$G.console"
}

peers_teardown() {
    set -x
    guest_gone $G 60 || return 1
    domains_gone || return 1
    mdev_bindings_released $UT $UP $UB || return 1
    counts_back after || return 1
    _e0=$(cat "$OUT/.xsys-errors") _e1=$(xsys_errors)
    [ "$_e1" = "$_e0" ] || { echo "the backend counted $((_e1 - _e0)) refusals"; return 1; }
}

mdev_remove() {
    set -x
    for _u in $UT $UP $UB; do
        echo 1 >"$MDEV/$_u/remove" || return 1
        [ ! -e "$MDEV/$_u" ] || { echo "instance $_u still there"; return 1; }
    done
}

modules_unload() {
    set -x
    rmmod mtty || return 1
    rmmod mdpy || return 1
    rmmod mbochs || return 1
    rmmod vfio_iommu_xen || return 1
    ! lsmod | grep -E '^(mtty|mdpy|mbochs|vfio_iommu_xen) '
}

guest_config $G
step module-load module_load
step mdev-create mdev_create
step guest-create guest_create_peers
step guest-boot guest_wait $G 'RIG-GUEST: init up' 400
step mtty-echo mtty_results
step mbochs-access mbochs_results
step mdpy-screendump mdpy_screendump
step guest-done guest_done
step teardown peers_teardown
step mdev-remove mdev_remove
step modules-unload modules_unload
step kernel-log kernel_log_clean 'vfio|mdev|mtty|mdpy|mbochs'
step leak-check leak_check
