# rig-timeout: 900
# demo: what `make demo` shows.  dom0 runs vgpu-backend; an operator's
# `vgpu-xl create` starts two HVM guests whose configs have vgpu= lines of
# different types (refgpu-8 and refgpu-4) sharing the one reference GPU.
# Each guest (tests/rig/guest-bin/rgpu-demo.c) draws its own picture with the
# render and copy engines and shows it on its display plane; dom0 lists the
# instances, reads their statistics, takes a screenshot of each with vgpuctl,
# and destroys the guests with `vgpu-xl destroy`.  (Guests come up one
# after the other; see demo_guest.)  The host checks the
# screenshots' pixels afterwards (tests/rig/pngcheck.py).  After its
# picture, each guest's own console moves onto its vGPU (rgpu_drm, fbcon,
# a banner: tests/rig/guest/demo.sh), and a second screenshot of each must
# hold exactly the pixels of the guest's /dev/fb0 (the display jobs'
# check, display_hash_equal).

DEMO_GUESTS="demo1 demo2"
DEMO_TYPE_demo1=refgpu-8
DEMO_UUID_demo1=d3e0c0de-0001-4a5e-8b1d-5c7e11f0a11d
DEMO_TYPE_demo2=refgpu-4
DEMO_UUID_demo2=d3e0c0de-0002-4a5e-8b1d-5c7e11f0a11d
export VGPUCTL="$BIN/vgpuctl"
trap backend_kill EXIT

demo_var() { eval "echo \$DEMO_${1}_$2"; }

# One guest after the other: each is created, draws, is shown and
# screenshot while the one before stays up idle (two busy TCG guests at
# once make the rig's dom0 flaky: docs/rig.md), then both run side by side.
demo_guest() {
    g=$1 u=$(demo_var UUID "$1")
    guest_config "$g" "vgpu = [ \"type=$(demo_var TYPE "$g"),uuid=$u\" ]" || return $?
    echo "--- $g: $(grep vgpu "$OUT/$g.cfg")"
    "$BIN/vgpuctl" check-config "$OUT/$g.cfg" || return 1
    sh "$BIN/vgpu-xl" create "$OUT/$g.cfg" || return 1
    guest_domid "$g" >"$OUT/.domid-$g"
    guest_wait "$g" 'RIG-GUEST: demo display ready' 300 || return 1
    grep 'RIG-GUEST: demo display ready' "$OUT/guest-$g.console" | tail -1 >"$OUT/$g-expect.txt"
    cat "$OUT/$g-expect.txt"
    guest_wait "$g" 'RIG-GUEST: demo done' 120 || return 1
    "$BIN/vgpuctl" --json stats "$u" >"$OUT/$g-stats.json" || return 1
    grep -q '"workloads":[1-9]' "$OUT/$g-stats.json" || { echo "$g: no workloads counted"; return 1; }
    echo "--- vgpuctl screenshot $g:"
    "$BIN/vgpuctl" screenshot "$u" "$OUT/$g.png" || return 1
    [ -s "$OUT/$g.png" ] || { echo "no screenshot of $g"; return 1; }
    # Its console on the vGPU, once the guest has drawn it.
    guest_wait "$g" 'RIG-GUEST: display ready' 300 || return 1
    display_ready_ok "$OUT/guest-$g.console" || return 1
    mv "$OUT/guest-fb.txt" "$OUT/$g-fb.txt"
    echo "--- vgpuctl screenshot $g (its console):"
    "$BIN/vgpuctl" screenshot "$u" "$OUT/$g-console.png" || return 1
    "$BIN/qmp-screendump" --rgb-hash "$OUT/$g-console.png" >"$OUT/$g-console-hash.txt" || return 1
    display_hash_equal "$OUT/$g-fb.txt" "$OUT/$g-console-hash.txt"
}

demo_show() {
    sh "$BIN/vgpu-xl" vgpu-list
    echo "--- vgpuctl list:"; "$BIN/vgpuctl" list || return 1
    "$BIN/vgpuctl" --json list >"$OUT/vgpuctl-list.json" || return 1
    echo "--- vgpuctl --json list:"; cat "$OUT/vgpuctl-list.json"
    [ "$(grep -o '"state":"running"' "$OUT/vgpuctl-list.json" | wc -l)" = 2 ] ||
        { echo "want two running instances"; return 1; }
    echo "--- vgpuctl stats:"; "$BIN/vgpuctl" stats || return 1
    echo "--- vgpuctl types:"; "$BIN/vgpuctl" types
}

demo_listed() { "$BIN/vgpuctl" list | grep -q d3e0c0de; }

demo_destroy() {
    # Stop the guests the way an operator would.
    for g in $DEMO_GUESTS; do
        _dom=$(cat "$OUT/.domid-$g")
        sh "$BIN/vgpu-xl" destroy "$g" || return 1
        [ -z "$(xenstore-list "/local/domain/0/backend/vgpu/$_dom" 2>/dev/null)" ] ||
            { echo "backend nodes of dom$_dom left"; return 1; }
    done
    wait_for 20 0.5 fails demo_listed ||
        { echo "instances still listed"; "$BIN/vgpuctl" list; return 1; }
    echo "instances gone; vgpuctl list:"; "$BIN/vgpuctl" list
}

step backend-start backend_start
step guest1 demo_guest demo1
step guest2 demo_guest demo2
step vgpuctl demo_show
step guest-stop demo_destroy
step backend-stop backend_stop
step leak-check leak_check
