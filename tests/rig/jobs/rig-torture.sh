# rig-timeout: 1500
# rig-retry: no
# rig-torture: the rig's measuring stick for its dom0 fault under busy HVM
# guests (docs/rig.md §7; not in any flight list).  N HVM guests stay busy
# for T minutes -- each hammering its own null IOREQ server (ioreq-echo,
# as in echo-2guests) or, with RIG_JOB_VGPU=1, its own vGPU through
# vgpu-backend (vgpu-guest, self-verifying) -- while dom0 runs a steady
# stream of short processes that check themselves: dom0-stress (fresh
# pages, relocations, data, heap), sha256sum of files summed before the
# guests started, grep with known answers, sh, and xl list.  Counted, with
# their time: crashes (dom0's kernel log: every user-space crash line; a
# probe that died by a signal the kernel does not log), wrong results (a
# probe's or a guest round's), hangs (a probe that did not answer in 60 s,
# a guest without a round for 180 s, the stream itself stalled) and guest
# faults (a guest that died; it is started again, so N stay busy).  The
# report's note and torture.txt give T, N, the host variant and the events
# by kind, per minute.  Never retried (it counts the rig's faults); the
# last step fails if anything was counted.
#
#   RIG_JOB_MINUTES=10 RIG_JOB_GUESTS=2 make flight JOBS=rig-torture
#   RIG_JOB_VGPU=1 ... (vGPUs); RIG_CPU=..., RIG_XEN_EXTRA=... (variants)
#   RIG_XEN_ELF=... another hypervisor; flight.py --guest-cfg 'hap=0' (guests)
#   beyond 15 minutes also RIG_JOB_TIMEOUT=$((T * 60 + 900))
MIN=${RIG_JOB_MINUTES:-10}
NG=${RIG_JOB_GUESTS:-2}
VGPU=${RIG_JOB_VGPU:-0}
PAGES=${RIG_JOB_PAGES:-64}          # dom0-stress's fresh pages per run
ECHO_TIMEOUT=$((MIN * 60 + 1200))
export VGPUCTL="$BIN/vgpuctl" ECHO_TIMEOUT
EV=$OUT/events.tsv                  # uptime, kind, source, detail (monitor)
EVS=$OUT/events-stream.tsv          # the same, from the stream
PROBE_TO=60                         # a probe not done by then hangs
GUEST_STALL=180                     # a guest without a round for this long hangs
STREAM_STALL=120
trap 'stream_stop; backend_kill' EXIT

event() { printf '%s\t%s\t%s\t%s\n' "$(now)" "$1" "$2" "$3" >>"$4"; }
slots() { _i=1; while [ "$_i" -le "$NG" ]; do echo "$_i"; _i=$((_i + 1)); done; }
slot_guest() { read -r _sg <"$OUT/.slot-$1"; echo "$_sg"; }
# (0, not nothing, when the console is not there yet)
count() { _cn=$(grep -ac -- "$1" "$OUT/guest-$2.console" 2>/dev/null); echo "${_cn:-0}"; }
rounds() { count 'RIG-GUEST: torture round' "$1"; }
bad_rounds() { count 'RIG-GUEST: torture round [0-9]* rc=[1-9]' "$1"; }

setup() {
    : >"$EV"; : >"$EVS"
    {
        echo "minutes $MIN"; echo "guests $NG"; echo "vgpu $VGPU"
        echo "qemu-cpu ${RIG_HOST_CPU:-?}"; echo "smp ${RIG_HOST_SMP:-?}"
        echo "xen-extra ${RIG_HOST_XEN_EXTRA:-}"
        echo "guest-cfg ${RIG_HOST_GUEST_CFG:-}"
        echo "xen-elf ${RIG_HOST_XEN_ELF:-image}"
        xl info | grep -E '^(xen_version|xen_commandline|virt_caps)'
        grep -m1 '^flags' /proc/cpuinfo | sed 's/^/dom0 /'
    } >"$OUT/variant.txt"
    cat "$OUT/variant.txt"
    [ -x "$BIN/dom0-stress" ] || { echo "no $BIN/dom0-stress (make rig)"; return $BROKEN; }
    head -c 1048576 /dev/urandom >/tmp/torture-known || return 1
    # 2000 lines, 8 of them with the needle; "absent" is in none.
    awk 'BEGIN { for (i = 1; i <= 2000; i++) print (i % 250 ? "hay " i * 7919 : "needle " i) }' \
        >/tmp/torture-text || return 1
    _files=/tmp/torture-known
    for _f in /lib/x86_64-linux-gnu/libc.so.6 /usr/lib/xen-4.17/bin/xl /bin/busybox /usr/bin/sha256sum; do
        [ -f "$_f" ] && _files="$_files $_f"
    done
    sha256sum $_files >/tmp/torture.sums || return 1
    cat /tmp/torture.sums
    "$BIN/dom0-stress" "$PAGES" 1 || { echo "dom0-stress fails on an idle dom0"; return 1; }
    if [ "$VGPU" = 1 ]; then backend_start || return 1; fi
}

# guest_up NAME: a busy guest (vGPU or null IOREQ server), up to its first round.
guest_up() {
    if [ "$VGPU" = 1 ]; then
        guest_config "$1" 'vgpu = [ "type=refgpu-8" ]' || return 1
        sh "$BIN/vgpu-xl" create "$OUT/$1.cfg" || return 1
        guest_domid "$1" >"$OUT/.domid-$1"
    else
        guest_config "$1" || return 1
        echo_server_start "$1" || return 1
    fi
    guest_wait "$1" 'RIG-GUEST: torture round 1 ' 400
}

guest_down() {
    if [ "$VGPU" = 1 ]; then sh "$BIN/vgpu-xl" destroy "$1"; else xl destroy "$1"; fi
}

# guests_up: N busy guests, one after the other.  The fault being measured
# also strikes while they boot (an xl or a device model crashing): a guest
# that does not come up is an event of the boot phase (events-boot.tsv,
# reported apart from the measured rate) and is tried again, up to 3 times.
guests_up() {
    : >"$OUT/events-boot.tsv"
    for _s in $(slots); do
        _a=1
        while :; do
            _g=t$_s; [ "$_a" = 1 ] || _g=t${_s}b$_a
            echo "$_g" >"$OUT/.slot-$_s"
            guest_up "$_g" && break
            event guest-fault "$_g" "did not come up (attempt $_a)" "$OUT/events-boot.tsv"
            guest_down "$_g" >/dev/null 2>&1
            [ "$_a" -lt 3 ] || return 1
            _a=$((_a + 1))
        done
        echo "$_g busy at $(now)s"
    done
}

# ---------------------------------------------------------------- the stream
# probe NAME WANT-RC WANT-LINE CMD...: CMD under a timeout; an event if it
# hangs, dies by a signal the kernel does not log (SIGSEGV and SIGILL are
# counted from its log), exits otherwise than WANT-RC, or (WANT-LINE not
# empty) prints no line equal to WANT-LINE.  Shell builtins only around it.
probe() {
    _p=$1 _wrc=$2 _wl=$3; shift 3
    timeout -k 5 "$PROBE_TO" "$@" >/tmp/torture-probe.out 2>&1
    _rc=$?
    case $_rc in
        124|137) event hang "$_p" "no answer in ${PROBE_TO}s: $*" "$EVS"; return ;;
        132|139) echo "$(now) $_p exit $_rc" >>"$OUT/stream-signals.log"; return ;;
    esac
    if [ "$_rc" -gt 128 ]; then
        event crash "$_p" "killed by signal $((_rc - 128))" "$EVS"
        return
    fi
    if [ "$_rc" != "$_wrc" ]; then
        read -r _l </tmp/torture-probe.out
        event wrong "$_p" "exit $_rc, expected $_wrc: $_l" "$EVS"
        return
    fi
    [ -n "$_wl" ] || return
    while read -r _l; do [ "$_l" = "$_wl" ] && return; done </tmp/torture-probe.out
    read -r _l </tmp/torture-probe.out
    event wrong "$_p" "no line '$_wl' in its output: $_l" "$EVS"
}

stream_loop() {
    _n=0 _t0=$(secs) _m=0 _mn=0
    while [ ! -f "$OUT/.stream-stop" ]; do
        _n=$((_n + 1))
        probe dom0-stress 0 '' "$BIN/dom0-stress" "$PAGES" "$_n"
        probe sha256sum 0 '' sha256sum -c --quiet /tmp/torture.sums
        probe grep-count 0 8 grep -c needle /tmp/torture-text
        probe grep-absent 1 '' grep -q absent /tmp/torture-text
        probe sh 0 42 sh -c 'echo $((6 * 7))'
        [ $((_n % 5)) = 0 ] && probe xl-list 0 '' sh -c 'xl list | grep -q "^Domain-0 "'
        [ $((_n % 5)) = 0 ] && { echo "@ $(now)"; xl vcpu-list; } >>"$OUT/vcpu-samples.log" 2>&1
        _mn=$((_mn + 1))
        _mm=$((($(secs) - _t0) / 60))
        if [ "$_mm" != "$_m" ]; then
            printf '%s\t%s\n' "$_m" "$_mn" >>"$OUT/stream-minutes.tsv"
            _m=$_mm _mn=0
        fi
        beat "$_n"
    done
    printf '%s\t%s\n' "$_m" "$_mn" >>"$OUT/stream-minutes.tsv"
}

# beat N: the stream's heartbeat (round, time), replaced whole: check_stream
# reads it while the stream writes, and a file truncated and rewritten in
# place can be read half-written ("60 1" for "60 151": a stall that was not).
beat() {
    echo "$1 $(secs)" >"$OUT/.stream-beat.new" && mv -f "$OUT/.stream-beat.new" "$OUT/.stream-beat"
}

stream_start() {
    rm -f "$OUT/.stream-stop"
    beat 0
    stream_loop &
    echo $! >"$OUT/.stream-pid"
}

# stream_stop: ask the loop to end after its round; kill it if it does not.
stream_stop() {
    [ -f "$OUT/.stream-pid" ] || return 0
    : >"$OUT/.stream-stop"
    read -r _sp <"$OUT/.stream-pid"
    _s0=$(secs)
    while kill -0 "$_sp" 2>/dev/null; do
        if [ $(($(secs) - _s0)) -ge $((PROBE_TO + 10)) ]; then
            for _c in $(ps -o pid= --ppid "$_sp"); do kill -9 "$_c" 2>/dev/null; done
            kill -9 "$_sp" 2>/dev/null
            break
        fi
        sleep 1
    done
    rm -f "$OUT/.stream-pid"
}

check_stream() {
    read -r _sn _st <"$OUT/.stream-beat"
    [ -n "$_st" ] || return 0           # read while the stream rewrote it
    [ $(($(secs) - _st)) -ge "$STREAM_STALL" ] || return 0
    event hang stream "no probe round for ${STREAM_STALL}s after round $_sn; restarted" "$EV"
    ps -eo pid,ppid,stat,wchan:20,args | grep -v ' ps ' | tail -30 >>"$OUT/stream-stalls.log"
    stream_stop
    stream_start
}

# ---------------------------------------------------------------- the guests
# check_guest SLOT STATE: a guest that died is an event (with Xen's
# triple-fault verdict, if any) and is started again; one without a new
# round for GUEST_STALL seconds hangs; a round with rc != 0 is wrong.
check_guest() {
    _g=$(slot_guest "$1")
    case $2 in
        *c*|*s*|gone)
            _d=$(cat "$OUT/.domid-$_g" 2>/dev/null)
            _dev=none; guest_has_device "$_g" && _dev=device
            _v=$(xl dmesg | triple_fault_verdict "$_d" "$_dev" "$OUT/guest-$_g.console" | tr '\n' ' ')
            event guest-fault "$_g" "state $2 ${_v:-(no triple fault logged)}" "$EV"
            tail -5 "$OUT/guest-$_g.console" >>"$OUT/guest-faults.log"
            guest_down "$_g" >/dev/null 2>&1
            _k=$(($(cat "$OUT/.restarts-$1" 2>/dev/null || echo 0) + 1))
            echo "$_k" >"$OUT/.restarts-$1"
            echo "t${1}r$_k" >"$OUT/.slot-$1"
            guest_up "t${1}r$_k" >>"$OUT/guest-restarts.log" 2>&1 ||
                event guest-fault "t${1}r$_k" "did not come up again" "$EV"
            echo "$(rounds "t${1}r$_k") 0 $(secs) 0" >"$OUT/.beat-$1"
            return ;;
    esac
    read -r _r0 _b0 _t _hung <"$OUT/.beat-$1"
    _r=$(rounds "$_g") _b=$(bad_rounds "$_g")
    [ "$_b" -gt "$_b0" ] && event wrong "$_g" "$((_b - _b0)) round(s) with rc != 0" "$EV"
    if [ "$_r" != "$_r0" ]; then
        echo "$_r $_b $(secs) 0" >"$OUT/.beat-$1"
    elif [ "$_hung" = 0 ] && [ $(($(secs) - _t)) -ge "$GUEST_STALL" ]; then
        event hang "$_g" "no round for ${GUEST_STALL}s (at round $_r)" "$EV"
        echo "$_r $_b $_t 1" >"$OUT/.beat-$1"
    else
        echo "$_r0 $_b $_t $_hung" >"$OUT/.beat-$1"
    fi
}

check_guests() {
    # (not _l: guest_config, in a restart, uses it)
    _xl=$(timeout -k 5 "$PROBE_TO" xl list 2>/dev/null) || return 0
    for _s in $(slots); do
        _g=$(slot_guest "$_s")
        _st=$(echo "$_xl" | awk -v n="$_g" '$1 == n { print $5; f = 1 } END { if (!f) print "gone" }')
        check_guest "$_s" "$_st"
    done
}

# ---------------------------------------------------------------- measuring
torture() {
    _t0=$(secs)
    _end=$((_t0 + MIN * 60))
    _n0=$(($(dmesg | wc -l) + 1))
    for _s in $(slots); do
        _g=$(slot_guest "$_s")
        echo "$(rounds "$_g") $(bad_rounds "$_g") $_t0 0" >"$OUT/.beat-$_s"
    done
    echo "measuring from ${_t0}s for $MIN minutes, $NG guests"
    stream_start
    while [ "$(secs)" -lt "$_end" ]; do
        sleep 10
        check_stream
        check_guests
    done
    stream_stop
    _t1=$(secs)
    # Every user-space crash in dom0 while measuring, whoever it was.
    dmesg | tail -n +"$_n0" | dom0_user_crash_lines >"$OUT/crashes.log"
    while IFS= read -r _c; do
        _ts=${_c#\[}; _ts=${_ts%%]*}; _ts=${_ts## }
        _who=${_c#*] }; _who=${_who#traps: }; _who=${_who%%\[*}
        printf '%s\tcrash\t%s\t%s\n' "$_ts" "$_who" "$(echo "$_c" | cut -c1-200)" >>"$EV"
    done <"$OUT/crashes.log"
    _rounds=0
    for _g in $(ls "$OUT" | sed -n 's/^guest-\(t[0-9r]*\)\.console$/\1/p'); do
        _rounds=$((_rounds + $(rounds "$_g")))
    done
    summarize "$_t0" "$_t1" "$_rounds" | tee "$OUT/torture.txt"
    note "$(head -1 "$OUT/torture.txt")"
    # The boot phase's crashes, before the window: reported, not in the rate.
    dmesg | head -n $((_n0 - 1)) | dom0_user_crash_lines >"$OUT/crashes-boot.log"
    _nb=$(cat "$OUT/events-boot.tsv" "$OUT/crashes-boot.log" 2>/dev/null | grep -c .)
    [ "$_nb" = 0 ] || note "rig-torture: before the window, while the guests came up: $(grep -c . "$OUT/crashes-boot.log") dom0 crash line(s), $(grep -c . "$OUT/events-boot.tsv") guest(s) that did not come up"
}

# summarize T0 T1 ROUNDS: the report: one line, then events per minute.
summarize() {
    _var="-cpu ${RIG_HOST_CPU:-?}, smp ${RIG_HOST_SMP:-?}, Xen extra '${RIG_HOST_XEN_EXTRA:-}', guests '${RIG_HOST_GUEST_CFG:-}'"
    [ -n "${RIG_HOST_XEN_ELF:-}" ] && _var="$_var, Xen ${RIG_HOST_XEN_ELF##*/}"
    _kind=null-ioreq; [ "$VGPU" = 1 ] && _kind=vgpu
    cat "$EV" "$EVS" | awk -F'\t' -v t0="$1" -v t1="$2" -v rounds="$3" -v n="$NG" \
            -v kind="$_kind" -v var="$_var" -v mins="$OUT/stream-minutes.tsv" '
        { k[$2]++; m = int(($1 - t0) / 60); if (m < 0) m = 0; pm[m, $2]++; tot++
          if ($2 == "crash") who[$3]++ }
        END {
            T = (t1 - t0) / 60; if (T < 1 / 60) T = 1 / 60
            while ((getline l < mins) > 0) { split(l, a, "\t"); probes[a[1]] += a[2]; np += a[2] }
            w = ""; for (x in who) w = w (w ? ", " : "") x " " who[x]
            printf "rig-torture: %.1f min, %d guests (%s), %s: crash %d%s, wrong %d, hang %d, guest-fault %d: %d events, %.2f/min", T, n, kind, var, k["crash"], (w ? " (" w ")" : ""), k["wrong"], k["hang"], k["guest-fault"], tot, tot / T
            if (tot == 0) printf " (< %.2f/min, 95%%)", 3 / T
            printf "; %d dom0 probe rounds, %d guest rounds\n", np, rounds
            print "minute\tprobe-rounds\tcrash\twrong\thang\tguest-fault"
            for (i = 0; i < int(T + 0.999); i++)
                printf "%d\t%d\t%d\t%d\t%d\t%d\n", i, probes[i], pm[i, "crash"], pm[i, "wrong"], pm[i, "hang"], pm[i, "guest-fault"]
        }'
}

guests_down() {
    for _s in $(slots); do guest_down "$(slot_guest "$_s")"; done
    domains_gone
}

no_events() {
    cat "$EV" "$EVS"
    [ ! -s "$EV" ] && [ ! -s "$EVS" ] || { echo "events counted: $(head -1 "$OUT/torture.txt")"; return 1; }
    echo "no events in $MIN minutes"
}

step setup setup
step guests-up guests_up
step torture torture
step guests-down guests_down
[ "$VGPU" = 1 ] && step backend-stop backend_stop
step leak-check leak_check
step no-events no_events
