# Runs in the demo job's guests (tests/rig/jobs/demo.sh): draw on the vGPU,
# show it, then animate for 180 s with 32 off-screen fills in every frame
# and the next frame queued before the last is waited for (the render
# engine's queue stays full, so the two guests' shares follow their
# weights).  180 s: the two guests must animate together for dom0's
# shares window and screenshots, whatever the gap between their pictures
# (48 s in flight 20261202-064741; the window and screenshots take ~30 s).
# Then the guest's own console moves onto the vGPU (rgpu_drm and fbcon, as
# in the display jobs: tests/rig/guest/kvm-display.sh) with a demo banner,
# and stays until dom0 destroys the guest.
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
/bin/rgpu-demo 180 0 32
echo "RIG-GUEST: demo console"
RIG_HOLD=900
RIG_BANNER="vGPU DEMO: this guest's console, drawn on its vGPU by rgpu_drm"
. /guest/kvm-display.sh
