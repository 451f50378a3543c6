# lib.sh: the rig's shell library, the same on both hosts (Xen's dom0 and
# the kvm-l1 host); POSIX sh (dash).  The runner (run.sh) and every job load
# it, then the host's own part, rig/host.sh (tests/rig/dom0/host.sh or
# tests/rig/kvm-l1/host.sh: its console, boot step, clean-up after a job,
# and the helpers for its guests).
#
# A job script (tests/rig/jobs/<job>.sh) is sourced by run.sh with
#   JOB   job name            OUT  its result/log directory on the share
#   RIG   /share/rig (these libraries, guest kernel + initramfs)
#   BIN   /share/bin (project binaries built on the host)
# and calls `step NAME COMMAND...` for each step, in order.  Each step's
# output goes to $OUT/NAME.log; its result is appended to $OUT/steps.tsv as
#   NAME <tab> pass|fail|broken|blocked <tab> SECONDS
# A command's exit status decides the result: 0 pass, $BROKEN (75) broken
# (a rig problem, not the code under test), anything else fail.  Once a
# step has not passed, the remaining steps of the job are recorded blocked.

BROKEN=75
# Job parameters and the host's variant from flight.py (RIG_JOB_*, RIG_HOST_*).
[ -f /share/rig/job.env ] && . /share/rig/job.env

# Shell builtins only: under the rig's dom0 fault (docs/rig.md) freshly
# started programs are what crashes, so polling loops start as few as they can.
now() { read -r _up _ </proc/uptime; echo "$_up"; }
# Waits are in wall-clock seconds: under TCG (and a busy host) one poll of
# xl takes a second or more, so counting loop iterations is not time.
secs() { read -r _up _ </proc/uptime; echo "${_up%.*}"; }
# since T0: seconds from uptime T0 (from now) to now, one decimal.
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# progress: one line to the flight's log and the host's console
# ($RIG_CONSOLE, set by host.sh), which flight.py prints as it goes.
progress() { echo "$(now) $JOB $*" >>/share/results/progress.log; echo "rig: $JOB $*" >"$RIG_CONSOLE" 2>/dev/null; }

# wait_for SECS EVERY COMMAND...: run COMMAND every EVERY seconds until it
# exits 0 (returns 0) or $WAIT_STOP (gives up at once: returns $WAIT_STOP,
# e.g. the process waited on has died), for at most SECS wall-clock seconds
# (returns $WAIT_TIMEOUT).  Any other status means "not yet".  COMMAND runs
# in this shell: a function may keep state across tries.
WAIT_STOP=100
WAIT_TIMEOUT=124
wait_for() {
    _wf_to=$1 _wf_every=$2 _wf_s0=$(secs); shift 2
    while :; do
        "$@"
        case $? in
            0) return 0 ;;
            "$WAIT_STOP") return "$WAIT_STOP" ;;
        esac
        [ $(($(secs) - _wf_s0)) -lt "$_wf_to" ] || return "$WAIT_TIMEOUT"
        sleep "$_wf_every"
    done
}
# fails COMMAND...: COMMAND's opposite, to wait for something to go away.
fails() { ! "$@"; }

_job_failed=

# note TEXT: a remark for the report (e.g. a rig hiccup that was worked around).
note() { echo "$*" >>"$OUT/notes"; progress "note: $*"; }

step() {
    _name=$1; shift
    if [ -n "$_job_failed" ]; then
        printf '%s\tblocked\t0\n' "$_name" >>"$OUT/steps.tsv"
        progress "$_name blocked 0"
        return 0
    fi
    progress "$_name start"
    echo "$_name $(now)" >"$OUT/.running"
    _t0=$(now)
    ( "$@" ) >"$OUT/$_name.log" 2>&1
    _rc=$?
    _secs=$(since "$_t0")
    case $_rc in
        0) _res=pass ;;
        "$BROKEN") _res=broken ;;
        *) _res=fail ;;
    esac
    rm -f "$OUT/.running"
    printf '%s\t%s\t%s\n' "$_name" "$_res" "$_secs" >>"$OUT/steps.tsv"
    progress "$_name $_res $_secs"
    [ "$_res" = pass ] || _job_failed=1
    return 0
}

# ---------------------------------------------------------------- vgpu-guest
# The one check of a vgpu-guest run, on either host.
# vgpu_run_ok FILE WHAT [MIN]: the run printed in FILE (a guest's console or
# a part of it): its PASS/FAIL lines into the step log, then every scenario
# passed (closing `N passed, 0 failed`, N >= MIN, default 11: all of them)
# and interrupts reached the guest by MSI (the irq scenario's line).  WHAT
# names the run in the messages.
vgpu_run_ok() {
    grep -aE '^(PASS|FAIL) |^vgpu-guest:|^[0-9]+ passed, [0-9]+ failed' "$1" | tr -d '\r'
    if grep -aq '^FAIL ' "$1"; then echo "$2: a scenario failed"; return 1; fi
    _n=$(tr -d '\r' <"$1" | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p' | head -1)
    [ -n "$_n" ] || { echo "$2: no closing 'N passed, 0 failed' line"; return 1; }
    [ "$_n" -ge "${3:-11}" ] || { echo "$2: only $_n scenarios passed"; return 1; }
    grep -aq '^PASS irq .* by msi' "$1" || { echo "$2: interrupts not by MSI"; return 1; }
}

# vgpu_guest_ok GUEST [MIN]: the run on $OUT/guest-GUEST.console (a Xen
# guest or an L2 guest alike).
vgpu_guest_ok() { vgpu_run_ok "$OUT/guest-$1.console" vgpu-guest "$2"; }

# vgpu_guest_grant_ok GUEST [MIN]: the guest script's run with DMA by grant
# (`vgpu-guest --dma grant`, between "RIG-GUEST: grant run begin" and
# "grant run rc="), into $OUT/grant-run.txt: it said so, passed as
# vgpu_run_ok says, pages were granted, and every grant was ended by the
# program itself (none left for the close to revoke).  The dom0 side (the
# job) checks that the path mapped grants and let them go.
vgpu_guest_grant_ok() {
    sed -n '/RIG-GUEST: grant run begin/,/RIG-GUEST: grant run rc=/p' "$OUT/guest-$1.console" |
        tr -d '\r' >"$OUT/grant-run.txt"
    grep -q '^vgpu-guest: dma by grant' "$OUT/grant-run.txt" || { echo "grant run: no 'dma by grant' header"; return 1; }
    vgpu_run_ok "$OUT/grant-run.txt" "grant run" "$2" || return 1
    _l=$(grep '^vgpu-guest: grants: ' "$OUT/grant-run.txt")
    _made=$(echo "$_l" | sed -n 's/.*grants: \([0-9]*\) made.*/\1/p')
    _left=$(echo "$_l" | sed -n 's/.* \([0-9]*\) left at close.*/\1/p')
    [ "${_made:-0}" -gt 0 ] && [ "$_left" = 0 ] || { echo "grant run: grants made ${_made:-?}, left at close ${_left:-?}"; return 1; }
    grep -q 'RIG-GUEST: grant run rc=0' "$OUT/grant-run.txt" || { echo "grant run: rc not 0"; return 1; }
    echo "grant run passed: $_n scenarios, $_l"
}

# ---------------------------------------------------------------- kernel
# mdev_modules_install MOD...: $BIN/MOD.ko (made by make kernel for this
# host's kernel, shipped by flight.py) into /lib/modules/<release>/extra,
# then depmod, so modprobe resolves dependencies and soft dependencies.
# Broken if one is missing.
mdev_modules_install() {
    for _m in "$@"; do
        [ -f "$BIN/$_m.ko" ] || { echo "no $BIN/$_m.ko on the share (make kernel)"; return $BROKEN; }
    done
    mkdir -p "/lib/modules/$(uname -r)/extra"
    for _m in "$@"; do
        cp "$BIN/$_m.ko" "/lib/modules/$(uname -r)/extra/" || return 1
    done
    depmod -a
}

# kernel_log_clean [PATTERN]: the host's kernel log (its lines matching
# PATTERN, default the VFIO/mdev ones, are shown) has no BUG, oops, warning
# or trace.
kernel_log_clean() {
    dmesg | grep -i -E "${1:-vgpu|rgpu|vfio|mdev}" | tail -60
    if dmesg | grep -E 'BUG:|Oops|WARNING:|general protection|Call Trace'; then
        return 1
    fi
}

# type1_users: vfio_iommu_type1's use count (its containers), from /proc/modules.
type1_users() { awk '$1 == "vfio_iommu_type1" { print $3 }' /proc/modules; }

# display_hash_equal GUEST SHOT: the guest's framebuffer (GUEST holds its
# `rgpu-kms: fb0 WxH frame=N rgb-fnv1a64=H lit=L` line) is not blank (L
# pixels differ from the top left one: the banner is drawn) and a
# screenshot's decoded pixels (SHOT holds `qmp-screendump --rgb-hash`'s
# `FILE: WxH rgb-fnv1a64=H` line) have the same size and the same RGB hash.
display_hash_equal() {
    _lit=$(sed -n 's/.*rgpu-kms: fb0 .* lit=\([0-9]*\).*/\1/p' "$1" | head -1)
    echo "guest framebuffer: ${_lit:-no} pixels lit"
    [ "${_lit:-0}" -gt 1000 ] || { echo "the guest's screen is blank: no console text on it"; return 1; }
    _g=$(sed -n 's/.*rgpu-kms: fb0 \([0-9]*x[0-9]*\) frame=\([0-9]*\) rgb-fnv1a64=\([0-9a-f]*\).*/\1 \3 \2/p' "$1" | head -1)
    _s=$(sed -n 's/.*: \([0-9]*x[0-9]*\) rgb-fnv1a64=\([0-9a-f]*\)$/\1 \2/p' "$2" | head -1)
    echo "guest framebuffer (size hash frame): ${_g:-none}"
    echo "screenshot        (size hash):       ${_s:-none}"
    [ -n "$_g" ] && [ -n "$_s" ] || return 1
    [ "${_g% *}" = "$_s" ] || { echo "the screenshot's pixels differ from the guest's framebuffer"; return 1; }
    echo "same pixels at guest frame ${_g##* }"
}

# display_ready_ok CONSOLE: a display job's guest brought its driver up
# (modes, page flips, console drawn: `display ready rc=0`); its first
# `rgpu-kms: fb0` line goes to $OUT/guest-fb.txt for display_hash_equal.
display_ready_ok() {
    tr -d '\r' <"$1" | grep -E '^rgpu-kms:|RIG-GUEST: (rgpu_drm|dmesg)'
    tr -d '\r' <"$1" | grep -q 'RIG-GUEST: display ready rc=0' ||
        { echo "the guest's display checks failed"; return 1; }
    tr -d '\r' <"$1" | grep -m1 'rgpu-kms: fb0 ' >"$OUT/guest-fb.txt"
    [ -s "$OUT/guest-fb.txt" ]
}

# display_held_ok CONSOLE: a display job's guest, done: its fb0 lines and
# state, the screen unchanged while the host looked (one hash in all its
# `rgpu-kms: fb0` lines), and `done rc=0`.
display_held_ok() {
    tr -d '\r' <"$1" | grep -E '^rgpu-kms: fb0 |RIG-GUEST: (state|dmesg|done)'
    [ "$(tr -d '\r' <"$1" | grep 'rgpu-kms: fb0 ' | sed 's/.*rgb-fnv1a64=//' | sort -u | wc -l)" = 1 ] ||
        { echo "the guest's screen changed while held"; return 1; }
    grep -q 'RIG-GUEST: done rc=0' "$1"
}

# ---------------------------------------------------------------- overlap
# Proof that guests were busy at the same time, in dom0's time.
# console_stamp GUEST: in the background, a copy of the guest's serial log
# with each line prefixed by dom0's uptime when it was seen
# ($OUT/guest-GUEST.stamped; seen within half a second of being written).
# Builtins and sleep only.  Ends once $OUT/.stamps-stop exists (stamps_stop,
# host_job_end) or after $STAMP_MAX seconds (default 1800).
console_stamp() {
    _cs_f="$OUT/guest-$1.console"
    rm -f "$OUT/.stamps-stop"
    ( read -r _up _ </proc/uptime; _end=$((${_up%.*} + ${STAMP_MAX:-1800})) _part= _l=
      _live() { [ ! -e "$OUT/.stamps-stop" ] && read -r _up _ </proc/uptime && [ "${_up%.*}" -lt "$_end" ]; }
      while [ ! -e "$_cs_f" ]; do _live || exit 0; sleep 0.5; done
      exec 3<"$_cs_f"
      while _live; do
          while IFS= read -r _l <&3; do
              read -r _up _ </proc/uptime
              printf '%s %s\n' "$_up" "$_part$_l"
              _part=
          done
          # read stops at the end of the file with a partial line in _l
          _part=$_part$_l
          sleep 0.5
      done ) </dev/null >"$OUT/guest-$1.stamped" 2>/dev/null &
}
stamps_stop() { : >"$OUT/.stamps-stop"; }
# A vgpu-guest run's busy lines: its rounds' headers and scenario results.
VGPU_BUSY_RE='^(vgpu-guest: round [0-9]+ of|PASS |FAIL )'

# busy_overlap RE GUEST...: each guest's busy window from its stamped log:
# dom0's time of its first and of its last line matching RE (extended
# regular expression), with the round it was in (the last line before
# matching `round N`); then the window all of them share.  Printed, kept
# in $OUT/overlap.tsv (guest, first, last, lines; then "overlap", start,
# end, seconds) and in the report's notes.  Fails if a guest has no busy
# line or the windows do not overlap.
busy_overlap() {
    _re=$1; shift
    : >"$OUT/overlap.tsv"
    for _g in "$@"; do
        awk -v g="$_g" -v re="$_re" '
            { sub(/\r$/, ""); t = $1; l = substr($0, index($0, " ") + 1)
              if (match(l, /round [0-9]+/)) r = substr(l, RSTART, RLENGTH)
              if (l ~ re) { if (!n++) { f = t; fr = r }; z = t; zr = r } }
            END { if (n) printf "%s\t%s\t%s\t%d\t%s\t%s\n", g, f, z, n, fr, zr; else printf "%s\tnone\n", g }' \
            "$OUT/guest-$_g.stamped" >>"$OUT/overlap.tsv"
    done
    awk -F '\t' '
        $2 == "none" { print $1 ": no busy line seen"; bad = 1; next }
        { printf "%s: busy from %.1f s (%s) to %.1f s (%s), %d busy lines\n", $1, $2, $5 == "" ? "-" : $5, $3, $6 == "" ? "-" : $6, $4
          if (!k++ || $2 > s) s = $2
          if (k == 1 || $3 < e) e = $3
          w = w sprintf("%s%s %.1f-%.1f s", k > 1 ? ", " : "", $1, $2, $3) }
        END { if (bad) exit 1
              printf "overlap: all %d busy from %.1f s to %.1f s: %.1f s\n", k, s, e, e - s
              printf "overlap\t%.1f\t%.1f\t%.1f\n", s, e, e - s >>ARGV[1]
              printf "busy overlap of %d guests: %.1f s (dom0 uptime; %s)\n", k, e - s, w >"/dev/stderr"
              exit !(e > s) }' "$OUT/overlap.tsv" 2>"$OUT/.overlap-note"
    _rc=$?
    [ -s "$OUT/.overlap-note" ] && note "$(cat "$OUT/.overlap-note")"
    return $_rc
}
