# rig-timeout: 600
# xen-vgpu-density: as many guests at once as the rig holds, each with its
# own vGPU (refgpu-8, created with `vgpu-xl create`) through the one
# vgpu-backend daemon.  The guests are created one right after the other
# (their boots overlap), each runs vgpu-guest for $ROUNDS rounds
# (tests/rig/guest/xen-vgpu-density.sh), and every one must pass every
# round; dom0 stamps their serial lines (console_stamp) and the `overlap`
# step reports each guest's first and last busy round and the seconds all
# of them were busy together.  While all are busy the `memory` step
# records what they hold: Xen's free memory, dom0's, the device models'
# and the daemon's resident sizes ($OUT/memory.txt).
#   RIG_JOB_GUESTS=N make flight JOBS=xen-vgpu-density   (default 4)
export VGPUCTL="$BIN/vgpuctl"
N=${RIG_JOB_GUESTS:-4}
ROUNDS=6            # as in the guest script
TYPE=refgpu-8       # weight 2, 256 MiB: up to 8 fit the GPU's budget
GUESTS=
i=1; while [ "$i" -le "$N" ]; do GUESTS="$GUESTS gd$i"; i=$((i + 1)); done
uuid() { echo "de0500${1#gd}0-0001-4a5e-8b1d-5c7e11f0a11d" | cut -c1-36; }
trap 'stamps_stop; backend_kill' EXIT

# All guests created, one right after the other, without waiting for boots.
guests_create() {
    for g in $GUESTS; do
        guest_config "$g" "vgpu = [ \"type=$TYPE,uuid=$(uuid "$g")\" ]" || return $?
        _t0=$(now)
        sh "$BIN/vgpu-xl" create "$OUT/$g.cfg" || return 1
        guest_domid "$g" >"$OUT/.domid-$g"
        console_stamp "$g"
        echo "$g: dom$(cat "$OUT/.domid-$g") created in $(since "$_t0")s, at $(now)s"
    done
}

guests_up() {
    for g in $GUESTS; do
        guest_wait "$g" '^vgpu-guest: round 1 of' 900 || return 1
    done
    echo "all $N guests in their rounds at $(now)s"
    for g in $GUESTS; do
        grep -aq 'passed, .* failed' "$OUT/guest-$g.console" && echo "$g: already finished"
    done
    return 0
}

# What N busy guests hold, taken while they run.
memory() {
    {
        echo "at $(now)s"
        xl info | grep -E '^(total|free)_memory'
        xl list
        free -m
        echo "device models (RSS KiB):"
        ps -eo rss,args | grep '[q]emu-system-i386' | grep -v -- '-xen-domid 0 ' | cut -c1-100
        echo "daemon:"; "$BIN/vgpuctl" status
    } | tee "$OUT/memory.txt"
    _xfree=$(awk '$1 == "free_memory" { print $3 }' "$OUT/memory.txt")
    _dfree=$(awk '$1 == "Mem:" { print $7 }' "$OUT/memory.txt")
    _dm=$(ps -eo rss,args | grep '[q]emu-system-i386' | grep -v -- '-xen-domid 0 ' |
          awk '{ s += $1 } END { printf "%d", s / 1024 }')
    note "$N guests busy: Xen free ${_xfree} MB, dom0 available ${_dfree} MB, device models ${_dm} MB RSS in all"
    "$BIN/vgpuctl" list && "$BIN/vgpuctl" stats
}

guests_pass() {
    _bad=0
    for g in $GUESTS; do
        echo "--- $g"
        guest_wait "$g" 'RIG-GUEST: done rc=' 1200 || { _bad=1; continue; }
        vgpu_guest_ok "$g" $((11 * ROUNDS)) && grep -q 'RIG-GUEST: done rc=0' "$OUT/guest-$g.console" || _bad=1
    done
    return $_bad
}

guests_gone() {
    for g in $GUESTS; do guest_gone "$g" 60 || return 1; done
}

# Every guest gone, the daemon holds nothing of them (lib.sh).
released() {
    for g in $GUESTS; do
        _dom=$(cat "$OUT/.domid-$g")
        backend_torn_down "$_dom" 30 || { echo "no teardown of dom$_dom logged"; return 1; }
    done
    backend_holdings after && backend_released base after
}

step backend-start backend_start
step daemon-baseline backend_holdings base
step guests-create guests_create
step guests-up guests_up
step memory memory
step guests-pass guests_pass
step overlap busy_overlap "$VGPU_BUSY_RE" $GUESTS
step guests-stop guests_gone
step released released
step backend-stop backend_stop
step leak-check leak_check
