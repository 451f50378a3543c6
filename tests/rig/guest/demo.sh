# Runs in the demo job's guests (tests/rig/jobs/demo.sh): draw on the vGPU,
# show it, animate for 8 s and hold the picture 40 s while dom0 takes its
# screenshot; then the guest's own console moves onto the vGPU (rgpu_drm
# and fbcon, as in the display jobs: tests/rig/guest/kvm-display.sh) with a
# demo banner, and stays until dom0 destroys the guest.
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
/bin/rgpu-demo 8 40
echo "RIG-GUEST: demo console"
RIG_HOLD=900
RIG_BANNER="vGPU DEMO: this guest's console, drawn on its vGPU by rgpu_drm"
. /guest/kvm-display.sh
