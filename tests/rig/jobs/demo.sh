# rig-timeout: 600
# demo: what `make demo` shows.  dom0 runs vgpu-backend; an operator's
# `vgpu-xl create` starts an HVM guest whose config has a vgpu= line; the
# guest (tests/rig/guest-bin/rgpu-demo.c) draws on its vGPU with the render
# and copy engines and shows the picture on its display plane; dom0 lists the
# instance, reads its statistics, takes a screenshot with vgpuctl, and
# destroys the guest with `vgpu-xl destroy`.  The host checks the
# screenshot's pixels afterwards (tests/rig/pngcheck.py).

DEMO_UUID=d3e0c0de-0001-4a5e-8b1d-5c7e11f0a11d
export VGPUCTL="$BIN/vgpuctl"
trap backend_kill EXIT

demo_create() {
    guest_config demo "vgpu = [ \"type=refgpu-8,uuid=$DEMO_UUID\" ]" || return $?
    echo "--- vgpu= in $OUT/demo.cfg:"; grep vgpu "$OUT/demo.cfg"
    echo "--- vgpuctl check-config:"; "$BIN/vgpuctl" check-config "$OUT/demo.cfg" || return 1
    echo "--- vgpu-xl create:"
    sh "$BIN/vgpu-xl" create "$OUT/demo.cfg" || return 1
    guest_domid demo >"$OUT/.domid-demo"
    sh "$BIN/vgpu-xl" vgpu-list
}

demo_show() {
    guest_wait demo 'RIG-GUEST: demo display ready' 300 || return 1
    grep 'RIG-GUEST: demo display ready' "$OUT/guest-demo.console" | tail -1 >"$OUT/demo-expect.txt"
    cat "$OUT/demo-expect.txt"
    echo "--- vgpuctl list:"; "$BIN/vgpuctl" list || return 1
    echo "--- vgpuctl stats:"; "$BIN/vgpuctl" stats "$DEMO_UUID" || return 1
    "$BIN/vgpuctl" --json stats "$DEMO_UUID" >"$OUT/demo-stats.json" || return 1
    echo "--- vgpuctl screenshot:"
    "$BIN/vgpuctl" screenshot "$DEMO_UUID" "$OUT/screenshot.png" || return 1
    [ -s "$OUT/screenshot.png" ] || { echo "no screenshot written"; return 1; }
    # Work must have reached the engine through the mediation.
    grep -q '"workloads":[1-9]' "$OUT/demo-stats.json" || { echo "no workloads counted"; return 1; }
    echo "--- vgpuctl types:"; "$BIN/vgpuctl" types
}

demo_destroy() {
    # Let the animation run a little longer for the statistics, then stop it
    # the way an operator would.
    sleep 5
    "$BIN/vgpuctl" stats "$DEMO_UUID"
    sh "$BIN/vgpu-xl" destroy demo || return 1
    _dom=$(cat "$OUT/.domid-demo")
    [ -z "$(xenstore-list "/local/domain/0/backend/vgpu/$_dom" 2>/dev/null)" ] ||
        { echo "backend nodes of dom$_dom left"; return 1; }
    _s0=$(secs)
    while "$BIN/vgpuctl" list | grep -q "$DEMO_UUID"; do
        [ $(($(secs) - _s0)) -ge 20 ] && { echo "instance still listed"; "$BIN/vgpuctl" list; return 1; }
        sleep 0.5
    done
    echo "instance $DEMO_UUID gone; vgpuctl list:"; "$BIN/vgpuctl" list
}

step backend-start backend_start
step guest-create demo_create
step guest-workload demo_show
step guest-stop demo_destroy
step backend-stop backend_stop
step leak-check leak_check
