# rig-timeout: 900
# demo: what `make demo` shows.  dom0 runs vgpu-backend; an operator's
# `vgpu-xl create` starts two HVM guests whose configs have vgpu= lines of
# different types (refgpu-8, weight 2, and refgpu-4, weight 4) sharing the
# one reference GPU, one right after the other.  Each guest
# (tests/rig/guest-bin/rgpu-demo.c) draws its own picture with the render
# and copy engines, shows it on its display plane, and keeps the render
# engine's queue full for 180 s (tests/rig/guest/demo.sh): long enough for
# both to be busy together through dom0's checks, whatever the gap between
# their pictures.  While both submit, dom0 measures each vGPU's render
# engine time over a window (`vgpuctl --json stats`) and checks the split
# against the weights (demo_shares), and takes a screenshot of each with
# vgpuctl.  After its animation, each guest's own console moves onto its
# vGPU (rgpu_drm, fbcon, a banner), and a second screenshot of each must
# hold exactly the pixels of the guest's /dev/fb0 (the display jobs'
# check, display_hash_equal: demo_consoles).  dom0 stamps the guests'
# serial lines (console_stamp): the `overlap` step reports when each was
# busy and for how long both were.  dom0 lists the instances, reads their
# statistics and destroys the guests with `vgpu-xl destroy`.  The host
# checks the pictures' pixels afterwards (tests/rig/pngcheck.py,
# mk/demo.sh).

DEMO_GUESTS="demo1 demo2"
DEMO_TYPE_demo1=refgpu-8
DEMO_UUID_demo1=d3e0c0de-0001-4a5e-8b1d-5c7e11f0a11d
DEMO_TYPE_demo2=refgpu-4
DEMO_UUID_demo2=d3e0c0de-0002-4a5e-8b1d-5c7e11f0a11d
SHARE_WINDOW=20         # seconds of engine time measured while both submit
SHARE_TOLERANCE=0.10    # |measured share - weight share| at most this
export VGPUCTL="$BIN/vgpuctl"
trap 'stamps_stop; backend_kill' EXIT

demo_var() { eval "echo \$DEMO_${1}_$2"; }

# Both guests created, one right after the other: their boots overlap.
demo_create() {
    for g in $DEMO_GUESTS; do
        guest_config "$g" "vgpu = [ \"type=$(demo_var TYPE "$g"),uuid=$(demo_var UUID "$g")\" ]" ||
            return $?
        echo "--- $g: $(grep vgpu "$OUT/$g.cfg")"
        "$BIN/vgpuctl" check-config "$OUT/$g.cfg" || return 1
        sh "$BIN/vgpu-xl" create "$OUT/$g.cfg" || return 1
        guest_domid "$g" >"$OUT/.domid-$g"
        console_stamp "$g"
        echo "$g: dom$(cat "$OUT/.domid-$g") at $(now)s"
    done
}

# Each guest has drawn its picture and shows it: what its screenshot must show.
demo_drawn() {
    for g in $DEMO_GUESTS; do
        guest_wait "$g" 'RIG-GUEST: demo display ready' 400 || return 1
        grep -a 'RIG-GUEST: demo display ready' "$OUT/guest-$g.console" | tail -1 >"$OUT/$g-expect.txt"
        cat "$OUT/$g-expect.txt"
    done
}

# demo_busy_ns GUEST: its vGPU's render engine time (ns) and weight.
demo_busy_ns() {
    "$BIN/vgpuctl" --json stats "$(demo_var UUID "$1")" >"$OUT/.stats-$1" || return 1
    sed -n 's/.*"busy_ns":{"render":\([0-9]*\),.*"weight":\([0-9]*\)}.*/\1 \2/p' "$OUT/.stats-$1"
}

# demo_animating: neither guest has ended its animation (`demo done`).
demo_animating() {
    for g in $DEMO_GUESTS; do
        grep -aq 'RIG-GUEST: demo done' "$OUT/guest-$g.console" && { echo "$g done at $(now)s"; return 1; }
    done
    return 0
}

# While both guests submit: each vGPU's render engine time over
# SHARE_WINDOW seconds, its share of the two, and that share against its
# weight's (weight / sum of weights: sched.c's fair share for vGPUs that
# both always have work queued).  Not a timed assertion: the window's
# length only sets how much engine time is compared.  The engine's use of
# the window is printed with it: the guests keep their queues full, and
# the shares follow the weights only while both have work queued.  Both
# screenshots are taken in the same window, the guests still animating.
demo_shares() {
    demo_animating || { echo "a guest finished before both were drawn"; return 1; }
    set -- $(demo_busy_ns demo1) $(demo_busy_ns demo2)
    _a0=$1 _wa=$2 _b0=$3 _wb=$4 _t0=$(now)
    [ -n "$_wb" ] || { echo "no stats"; return 1; }
    sleep "$SHARE_WINDOW"
    set -- $(demo_busy_ns demo1) $(demo_busy_ns demo2)
    _a1=$1 _b1=$3 _t1=$(now)
    for g in $DEMO_GUESTS; do
        echo "--- vgpuctl screenshot $g:"
        "$BIN/vgpuctl" screenshot "$(demo_var UUID "$g")" "$OUT/$g.png" || return 1
        [ -s "$OUT/$g.png" ] || { echo "no screenshot of $g"; return 1; }
    done
    demo_animating || { echo "the window was not inside both guests' animation"; return 1; }
    awk -v a="$((_a1 - _a0))" -v b="$((_b1 - _b0))" -v wa="$_wa" -v wb="$_wb" \
        -v t0="$_t0" -v t1="$_t1" -v tol="$SHARE_TOLERANCE" 'BEGIN {
        w = t1 - t0; s = a + b
        printf "window %.1f s to %.1f s (%.1f s), both guests animating\n", t0, t1, w
        printf "render engine busy in it: demo1 %.2f s, demo2 %.2f s: %.0f %% of the window\n", a / 1e9, b / 1e9, s / 1e9 / w * 100
        if (s <= 0) { print "no engine time in the window"; exit 1 }
        ea = wa / (wa + wb); eb = wb / (wa + wb)
        printf "share demo1 %.3f (weight %d: %.3f), demo2 %.3f (weight %d: %.3f), tolerance %.2f\n", a / s, wa, ea, b / s, wb, eb, tol
        d = a / s - ea; if (d < 0) d = -d
        if (d > tol) { print "shares do not follow the weights"; exit 1 }
        print "shares follow the weights" }' >"$OUT/shares.txt"
    cat "$OUT/shares.txt"
    note "engine shares over $(sed -n 's/.*(\(.*\)), both.*/\1/p' "$OUT/shares.txt"): $(sed -n 's/^share //p' "$OUT/shares.txt")"
    [ "$(tail -1 "$OUT/shares.txt")" = "shares follow the weights" ]
}

# Each guest's workloads were counted.
demo_counted() {
    for g in $DEMO_GUESTS; do
        "$BIN/vgpuctl" --json stats "$(demo_var UUID "$g")" >"$OUT/$g-stats.json" || return 1
        grep -q '"workloads":[1-9]' "$OUT/$g-stats.json" || { echo "$g: no workloads counted"; return 1; }
    done
}

# Each guest's console on its vGPU, once its animation has ended and it has
# drawn the console: a screenshot that must hold exactly the guest's
# framebuffer's pixels.
demo_consoles() {
    for g in $DEMO_GUESTS; do
        guest_wait "$g" 'RIG-GUEST: display ready' 300 || return 1
        display_ready_ok "$OUT/guest-$g.console" || return 1
        mv "$OUT/guest-fb.txt" "$OUT/$g-fb.txt"
        echo "--- vgpuctl screenshot $g (its console):"
        "$BIN/vgpuctl" screenshot "$(demo_var UUID "$g")" "$OUT/$g-console.png" || return 1
        "$BIN/qmp-screendump" --rgb-hash "$OUT/$g-console.png" >"$OUT/$g-console-hash.txt" || return 1
        display_hash_equal "$OUT/$g-fb.txt" "$OUT/$g-console-hash.txt" || return 1
    done
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
step guests demo_create
step pictures demo_drawn
step shares demo_shares
step counted demo_counted
step consoles demo_consoles
step overlap busy_overlap 'RIG-GUEST: demo (drawing|display ready|frames|done)' $DEMO_GUESTS
step vgpuctl demo_show
step guest-stop demo_destroy
step backend-stop backend_stop
step leak-check leak_check
