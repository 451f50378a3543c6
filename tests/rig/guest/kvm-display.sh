# Runs in the display jobs' guest (kvm-display: L2 under KVM, the vGPU an
# mdev behind vfio-pci display=on; xen-display: Xen HVM, the daemon;
# xen-mdev-display: Xen HVM, the mdev behind QEMU-xen's vfio-pci display=on).
# Swaps rgpu_uio (loaded by init) for the DRM driver rgpu_drm and the
# kernel's DRM modules (/lib/modules/display.order): both bind the vGPU.
# Then: /dev/dri/card0's modes and page flips (rgpu-kms), the copy engine's
# bench (debugfs engine_bench), the kernel console
# on the vGPU (fbcon on /dev/fb0), a known banner on tty1 with the cursor
# hidden, and the hash of /dev/fb0's pixels with the vblank sequence
# (rgpu-kms fbhash).  The screen then holds still for $hold seconds while
# the host takes its pictures, and is hashed again: it must not have
# changed.  The demo job's guests source it too, with RIG_HOLD and
# RIG_BANNER set (tests/rig/guest/demo.sh).
hold=${RIG_HOLD:-40}
for a in $(cat /proc/cmdline); do
    case "$a" in rig.hold=*) hold=${a#rig.hold=} ;; esac
done
dev=
for d in /sys/bus/pci/devices/*; do
    if [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x6770 ]; then dev=$d; fi
done
[ -n "$dev" ] || { echo "RIG-GUEST: no 1234:6770 function"; exit 1; }
echo "RIG-GUEST: vgpu at ${dev##*/}"
rmmod rgpu_uio 2>/dev/null
drv=$(readlink $dev/driver 2>/dev/null)
[ -z "$drv" ] || { echo "RIG-GUEST: ${drv##*/} still binds the vGPU"; exit 1; }
t0=$(cut -d' ' -f1 /proc/uptime)
for m in $(cat /lib/modules/display.order); do
    insmod "/lib/modules/$m.ko" || { echo "RIG-GUEST: insmod $m failed"; exit 1; }
done
n=0
while [ ! -e /dev/fb0 ] || [ ! -e /dev/dri/card0 ]; do
    n=$((n + 1))
    [ $n -le 50 ] || { echo "RIG-GUEST: no /dev/fb0 or /dev/dri/card0"; dmesg | tail -20; exit 1; }
    sleep 0.2
done
echo "RIG-GUEST: rgpu_drm up in $(awk -v a="$t0" '{ printf "%.2f", $1 - a }' /proc/uptime)s, driver $(basename "$(readlink $dev/driver)")"
dmesg | grep -E 'rgpu|fbcon|fb0' | sed 's/^/RIG-GUEST: dmesg: /'
rc=0
rgpu-kms modes || rc=1
rgpu-kms flip 30 || rc=1
# The copy engine against the CPU for a frame-sized copy, and a rejected
# submission reported (guest/kmod/rgpu_drm_engine.c).
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
bench=$(cat /sys/kernel/debug/dri/0/engine_bench)
echo "$bench" | sed 's/^/RIG-GUEST: /'
echo "$bench" | grep -q 'engine bench: PASS' || rc=1
# The console: no cursor, no blink, no kernel messages; a known banner.
echo 0 >/sys/class/graphics/fbcon/cursor_blink 2>/dev/null
dmesg -n 1
printf '\033[?25l\033[2J\033[H' >/dev/tty1
printf '%s\n\nrgpu_drm on %s, %s\nABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789\n' \
    "${RIG_BANNER:-RIG DISPLAY TEST: the guest console on the vGPU}" \
    "${dev##*/}" "$(cat /sys/class/graphics/fb0/virtual_size 2>/dev/null)" >/dev/tty1
rgpu-kms fbhash || rc=1
echo "RIG-GUEST: display ready rc=$rc, holding ${hold}s"
sleep "$hold"
rgpu-kms fbhash || rc=1
sed 's/^/RIG-GUEST: state: /' /sys/kernel/debug/dri/0/rgpu_state
dmesg | grep -iE 'rgpu_drm|\[drm\]' | grep -iE 'error|fail|refused' | sed 's/^/RIG-GUEST: dmesg: /'
exit $rc
