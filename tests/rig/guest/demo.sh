# Runs in the demo job's guests: draw on the vGPU, show it, animate for 8 s,
# then stay up idle with the picture shown until dom0 destroys the guest
# (tests/rig/jobs/demo.sh).
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
/bin/rgpu-demo 8 900
