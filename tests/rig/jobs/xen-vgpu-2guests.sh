# rig-timeout: 600
# xen-vgpu-2guests: two HVM guests at once with vGPUs of different types
# (refgpu-8 and refgpu-4) sharing the one reference GPU, created with
# `vgpu-xl create`.  Each runs vgpu-guest for $ROUNDS rounds of every
# scenario (tests/rig/guest/xen-vgpu-2guests.sh), verifying its own
# results; B is started while A is in its rounds, so the workloads run at
# the same time.  Once B is past its first round, `xl destroy` kills it in
# the middle of its workload; guest A must go on and pass every round, the daemon must tear
# down B's vGPU alone and keep serving A.  1 vCPU each: two busy TCG guests
# already load the 2-core host.  dom0 stamps each guest's serial lines with
# its own clock (console_stamp): the `overlap` step reports each guest's
# first and last busy round and the seconds both were busy together.
export VGPUCTL="$BIN/vgpuctl"
GUESTS="ga gb"
ROUNDS=30           # as in the guest script: long enough to outlast B's boot
TYPE_ga=refgpu-8 UUID_ga=2a2a0000-0001-4a5e-8b1d-5c7e11f0a11d
TYPE_gb=refgpu-4 UUID_gb=2a2a0000-0002-4a5e-8b1d-5c7e11f0a11d
trap backend_kill EXIT

var() { eval "echo \$${1}_$2"; }
# rounds_started GUEST: how many `round N of` lines its console shows.
rounds_started() { grep -ac '^vgpu-guest: round [0-9]* of' "$OUT/guest-$1.console" 2>/dev/null; }

# Guest A first; B is created once A's workload runs, so the two guests'
# firmware and kernel boots (the heaviest load on dom0's device models)
# never overlap: two guests booting at once is when the rig's dom0 has
# crashed most (docs/rig.md).  Their workloads do overlap: B boots and runs
# while A is in its rounds.
guest_up() {
    guest_config "$1" "vgpu = [ \"type=$(var TYPE $1),uuid=$(var UUID $1)\" ]" || return $?
    sh "$BIN/vgpu-xl" create "$OUT/$1.cfg" || return 1
    guest_domid "$1" >"$OUT/.domid-$1"
    console_stamp "$1"
    guest_wait "$1" '^vgpu-guest: round 1 of' 400 || return 1
    echo "$1 in round 1 at $(now)s"
}

# Both guests' workloads run at the same time: B has started its round 2
# while A has not finished (no closing line yet).
both_running() {
    guest_wait gb '^vgpu-guest: round 2 of' 300 || return 1
    grep -aq 'passed, .* failed' "$OUT/guest-ga.console" && { echo "ga finished before gb's round 2"; return 1; }
    echo "at $(now)s: ga in round $(rounds_started ga), gb in round $(rounds_started gb): both running"
    for g in $GUESTS; do
        grep -a '^FAIL ' "$OUT/guest-$g.console" && { echo "$g: a scenario failed"; return 1; }
    done
    "$BIN/vgpuctl" list && "$BIN/vgpuctl" stats
}

# Kill B mid-workload; A keeps passing; the daemon frees B's vGPU only.
destroy_b() {
    _dom=$(cat "$OUT/.domid-gb")
    _ga_lines=$(grep -ac '^PASS ' "$OUT/guest-ga.console")
    echo "destroying gb (dom$_dom) at $(now)s, in its round $(rounds_started gb); ga has $_ga_lines PASS lines"
    grep -aq 'passed, .* failed' "$OUT/guest-gb.console" && { echo "gb already finished"; return 1; }
    xl destroy gb || return 1
    backend_torn_down "$_dom" 30 || { echo "no teardown of dom$_dom logged"; return 1; }
    grep "dom$_dom" "$BACKEND_LOG" | tail -5
    echo "$_ga_lines" >"$OUT/.ga-lines-at-destroy"
    "$BIN/vgpuctl" list | tee "$OUT/list-after-destroy.txt"
    grep -q "$UUID_gb" "$OUT/list-after-destroy.txt" && { echo "gb's vGPU still listed"; return 1; }
    grep -q "$UUID_ga" "$OUT/list-after-destroy.txt" || { echo "ga's vGPU gone"; return 1; }
}

# A completes every round, with work done after B died.
a_passes() {
    guest_wait ga 'RIG-GUEST: done rc=' 600 || return 1
    vgpu_guest_ok ga $((11 * ROUNDS)) || return 1
    _after=$(($(grep -ac '^PASS ' "$OUT/guest-ga.console") - $(cat "$OUT/.ga-lines-at-destroy")))
    echo "ga: $_after scenarios passed after gb was destroyed"
    [ "$_after" -ge 11 ] || { echo "ga finished too soon after the destroy to prove anything"; return 1; }
    grep -q 'RIG-GUEST: done rc=0' "$OUT/guest-ga.console"
}

# Both guests gone, the daemon holds nothing of them: no foreign, grant or
# ioreq-page mapping, heap as before the first guest (lib.sh).
released() {
    _dom=$(cat "$OUT/.domid-ga")
    backend_torn_down "$_dom" 30 || { echo "no teardown of dom$_dom logged"; return 1; }
    backend_holdings after && backend_released base after
}

step backend-start backend_start
step daemon-baseline backend_holdings base
step guest-a guest_up ga
step guest-b guest_up gb
step both-running both_running
step destroy-b destroy_b
step a-passes a_passes
step overlap busy_overlap "$VGPU_BUSY_RE" $GUESTS
step guest-stop guest_gone ga 60
step released released
step backend-stop backend_stop
step leak-check leak_check
