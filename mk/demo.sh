#!/bin/sh
# demo.sh: `make demo`, the main job (README.md), after make has built the
# rig (images, binaries, modules for the Xen host's kernel).
#
#   sh mk/demo.sh BUILD
#
# Runs the rig's demo job (tests/rig/jobs/demo.sh: Xen boots, vgpu-backend
# in dom0, two guests started with `vgpu-xl create` on configs with vgpu=
# lines of different types, running at the same time: each draws its own
# picture and keeps its engine busy while dom0 checks their engine shares
# against their weights, then shows its own console on the vGPU), then
# keeps what it showed in BUILD/demo/:
# demo1.png and demo2.png (checked pixel by pixel against what each guest
# drew, tests/rig/pngcheck.py), demo1-console.png and demo2-console.png
# (each the guest's framebuffer, pixel for pixel: checked in the job) and
# vgpuctl-list.json, and prints what vgpuctl listed, the engine shares and
# the guests' busy overlap as the job measured them.
# Exit status: 0 if the flight passed and both screenshots are right.
build=${1:?usage: mk/demo.sh BUILD}
guests="demo1 demo2"

python3 tests/rig/flight.py --build "$build" --jobs demo
rc=$?
job=$(ls -td "$build"/flights/*/demo 2>/dev/null | head -1)
if [ -z "$job" ]; then
    echo "demo: the flight left no results (its output above says why)"
    echo "demo: FAIL"
    exit 1
fi
flight=${job%/demo}
out=$build/demo
rm -rf "$out"; mkdir -p "$out"
for g in $guests; do
    if [ -s "$job/$g.png" ]; then
        cp "$job/$g.png" "$out/$g.png"
        python3 tests/rig/pngcheck.py "$job/$g.png" "$job/$g-expect.txt" || rc=1
    else
        echo "demo: no screenshot of $g (see $job/)"; rc=1
    fi
    # Its console (checked in the job against the guest's framebuffer).
    if [ -s "$job/$g-console.png" ]; then
        cp "$job/$g-console.png" "$out/$g-console.png"
    else
        echo "demo: no screenshot of $g's console (see $job/)"; rc=1
    fi
done
[ -s "$job/vgpuctl-list.json" ] && cp "$job/vgpuctl-list.json" "$out/"

echo
echo "demo: flight report   $flight/report.md"
if [ -s "$job/vgpuctl.log" ]; then
    # vgpuctl's table and its statistics, as the job logged them
    sed -n '/--- vgpuctl list:/,/--- vgpuctl --json list:/p' "$job/vgpuctl.log" | sed '$d'
    sed -n '/--- vgpuctl stats:/,/--- vgpuctl types:/p' "$job/vgpuctl.log" | sed '$d'
fi
[ -s "$job/shares.txt" ] && { echo "--- engine shares while both guests submit:"; cat "$job/shares.txt"; }
[ -s "$job/overlap.log" ] && { echo "--- busy overlap (dom0 uptime):"; cat "$job/overlap.log"; }
for g in $guests; do
    [ -s "$out/$g.png" ] && echo "demo: screenshot      $out/$g.png"
    [ -s "$out/$g-console.png" ] && echo "demo: its console     $out/$g-console.png"
done
[ -s "$out/vgpuctl-list.json" ] && echo "demo: vgpuctl --json list  $out/vgpuctl-list.json"
if [ "$rc" = 0 ]; then echo "demo: PASS"; else echo "demo: FAIL"; fi
exit "$rc"
