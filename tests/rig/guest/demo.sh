# Runs in the demo job's guest: draw on the vGPU, show it, keep the
# engines busy for 25 s while dom0 takes a screenshot (tests/rig/jobs/demo.sh).
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
/bin/rgpu-demo 25
