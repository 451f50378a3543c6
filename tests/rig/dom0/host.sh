# host.sh of the Xen host: the part of the rig's shell library (lib.sh)
# that only dom0 has.  run.sh and every job load it after lib.sh (flight.py
# ships it as rig/host.sh).  First the runner's hooks (host_boot,
# host_job_start, host_job_end, host_flake, host_end), then the helpers
# of Xen jobs: HVM guests, the vgpu-backend daemon, VFIO mdevs on Xen.

RIG_CONSOLE=/dev/hvc0

# Which failures the rig retries (docs/rig.md, "What the rig retries"): only
# those it can prove are its own.  A guest triple fault is one only when the
# project's device cannot have caused it: the guest has no device model of
# the project's (guest_has_device), or the dump is the known TCG flake (Xen's
# own CS e008 in the guest's state: QEMU TCG's nested SVM entered the guest
# with Xen's CS:RIP) and the guest had not yet used its device (no
# DEVICES_MARK on its console).  Everything else fails the job and keeps its
# evidence.
FLAKE_RE='Triple fault'
FLAKE_RIP_RE='RIP: +[0-9a-f]+:'
# guest/init prints this right before the guest's own drivers and programs
# first use its devices: before it only firmware and the kernel's PCI scan
# read and size config space, with bus mastering off, so the device cannot
# have written guest memory.
DEVICES_MARK='RIG-GUEST: devices in use from here'
# dom0 processes of the project: a crash of one is a bug, never the rig's
# (comm names, at most 15 characters).
OUR_PROGS='vgpu|ioreq-echo|rgpu|vfio-abuse|qmp-screendump|mdpy-bands|mmio-bench|dom0-stress'

# ---------------------------------------------------------------- runner hooks
# host_boot: the boot's shared step, xen-daemons (rig-init ran
# /etc/init.d/xen start and left its status), into $R/boot.tsv.
host_boot() {
    read -r _xrc _xt0 _xt1 </run/xen-start.status
    cp /run/xen-start.log "$R/xen-start.log"
    xl info >"$R/xl-info.log" 2>&1
    _irc=$?
    _res=fail
    [ "$_xrc" = 0 ] && [ "$_irc" = 0 ] && _res=pass
    boot_result xen-daemons "$_res" "$(awk -v a="$_xt0" -v b="$_xt1" 'BEGIN { printf "%.1f", b - a }')"
    xl dmesg -c >"$R/xl-dmesg-boot.log" 2>&1
    [ "$_res" = pass ]
}

host_job_start() { mem_baseline; }

# host_job_end: after every attempt, even a failed one: Xen's log for this
# job, the toolstack's per-guest logs, then whatever the job left behind is
# destroyed so the next job starts clean.
host_job_end() {
    stamps_stop
    xl dmesg -c >"$OUT/xl-dmesg.log" 2>&1
    # Every user-space crash in dom0 during the job, whoever crashed (the
    # project's programs too): evidence for the report, not a verdict.
    dmesg | tail -n +"${JOB_DMESG0:-1}" | dom0_user_crash_lines >"$OUT/dom0-crashes.txt"
    mkdir -p "$OUT/xen-logs"
    cp /var/log/xen/* "$OUT/xen-logs/" 2>/dev/null
    # Per-guest logs go; the daemons' own logs (xenstored, xenconsoled, the
    # dom0 qemu) are still open: truncate them, so each job gets its part.
    for _f in /var/log/xen/*; do
        case ${_f##*/} in
            xl-*|qemu-dm-*) rm -f "$_f" ;;
            *) [ -f "$_f" ] && : >"$_f" ;;
        esac
    done
    rm -f /tmp/rig-*.img
    xl list >"$OUT/xl-list-after.log" 2>&1
    for _d in $(xl list | awk 'NR > 1 && $1 != "Domain-0" { print $2 }'); do
        xl destroy "$_d" >>"$OUT/xl-list-after.log" 2>&1
    done
    # vGPU backend nodes of domains that are gone: the toolstack's to remove
    # (PV backend convention), and a job stopped half-way (its timeout)
    # never got to.  Left, they would fail the next job's checks.
    for _d in $(xenstore-list /local/domain/0/backend/vgpu 2>/dev/null); do
        xl list "$_d" >/dev/null 2>&1 && continue
        echo "removing stale /local/domain/0/backend/vgpu/$_d" >>"$OUT/xl-list-after.log"
        xenstore-rm "/local/domain/0/backend/vgpu/$_d"
    done
}

# host_timed_out: a job stopped by its timeout never got to look for the
# known guest flake itself (check_flake); looked for here, before
# host_job_end clears Xen's log.
host_timed_out() {
    for _f in "$OUT"/.domid-*; do
        [ -f "$_f" ] && check_flake "${_f##*/.domid-}" && return 0
    done
    return 1
}

# host_flake: after an attempt, if a step did not pass: was it
# one of the rig's known faults?  Then $OUT/flake says which, and run.sh
# retries the job once.  A guest triple fault the job (or host_timed_out)
# classified already (check_flake); the second fault: under TCG, dom0
# userspace processes of the rig itself (sh, grep, xl, qemu's device model)
# now and then crash in libc or ld.so (docs/rig.md): a failed job during
# which one did is retried, the crash line kept as its signature
# (dom0_crash_lines: user-space crashes only, never a kernel oops, never
# one of the project's programs).  Not when the job also had a triple fault
# the rig could not excuse ($OUT/triple-fault): that evidence must fail it.
# The attempt's crash lines are those host_job_end kept, whoever crashed,
# in $OUT/dom0-crashes.txt.
host_flake() {
    [ -f "$OUT/flake" ] && return 0
    grep -q -v '	pass	' "$OUT/steps.tsv" 2>/dev/null || return 1
    [ -s "$OUT/triple-fault" ] && return 1
    dom0_crash_lines <"$OUT/dom0-crashes.txt" | head -1 >"$OUT/.segv"
    [ -s "$OUT/.segv" ] || return 1
    echo "dom0 process crashed under TCG: $(sed 's/^\[[^]]*\] *//' "$OUT/.segv" | cut -c1-160)" >"$OUT/flake"
}

# dom0_user_crash_lines: every user-space crash line of a kernel log
# (stdin): "NAME[PID]: segfault at ..." and "traps: NAME[PID] general
# protection fault|trap ...".  A kernel oops ("general protection fault,
# probably for non-canonical address", "BUG:") has no NAME[PID].
dom0_user_crash_lines() {
    grep -aE '^(\[[ 0-9.]+\] )?(traps: )?[^ []([^[]*[^ []|)\[[0-9]+\]:? (segfault at |general protection fault|trap )'
}

# dom0_crash_lines: those of them of processes that are not the project's.
dom0_crash_lines() {
    dom0_user_crash_lines | grep -avE "^(\[[ 0-9.]+\] )?(traps: )?($OUR_PROGS)[^[]*\["
}

host_end() { dmesg >"$R/dom0-dmesg.log" 2>&1; }

# ---------------------------------------------------------------- guests
# guest_config NAME [EXTRA-LINE...]: write $OUT/NAME.cfg, an HVM guest that
# boots the rig kernel + busybox initramfs and runs guest/<JOB>.sh (if the
# initramfs has one), prints RIG-GUEST markers on its serial and powers off.
guest_config() {
    _g=$1; shift
    cat >"$OUT/$_g.cfg" <<EOF
name = "$_g"
type = "hvm"
memory = 256
vcpus = 1
vga = "none"
vnc = 0
sdl = 0
device_model_version = "qemu-xen"
serial = "file:$OUT/guest-$_g.console"
# TCG misreports RDTSCP intercepts; without this the guest reboot-loops.
tsc_mode = "native"
# Leave a crashed or rebooting guest for the logs instead of looping.
on_crash = "preserve"
on_reboot = "preserve"
EOF
    if [ "$(cat "$RIG/guest-boot" 2>/dev/null)" = kernel ]; then
        cat >>"$OUT/$_g.cfg" <<EOF
kernel = "$RIG/guest-vmlinuz"
ramdisk = "$RIG/guest-initrd.gz"
cmdline = "console=ttyS0,115200 quiet panic=-1 rig.guest=$JOB"
EOF
    else
        # SYSLINUX disk (flight.py, guestdisk.py) on AHCI: SeaBIOS loads the
        # kernel by DMA.  A private copy: QEMU refuses read-only IDE/AHCI
        # disks, and several guests may boot the same image.  qdisk: the PV
        # side of the disk needs no loop device or hotplug script in dom0.
        cp "$RIG/guest-disk-$JOB.img" "/tmp/rig-$_g.img" || return $BROKEN
        cat >>"$OUT/$_g.cfg" <<EOF
disk = [ "format=raw,vdev=hda,access=rw,backendtype=qdisk,target=/tmp/rig-$_g.img" ]
hdtype = "ahci"
boot = "c"
EOF
    fi
    for _l in "$@"; do echo "$_l" >>"$OUT/$_g.cfg"; done
    # flight.py --guest-cfg LINE: experiments on every guest of the flight
    [ -f "$RIG/guest-extra.cfg" ] && cat "$RIG/guest-extra.cfg" >>"$OUT/$_g.cfg"
    return 0
}

# guest_domid NAME: print the domid, or nothing.
guest_domid() { xl domid "$1" 2>/dev/null; }

# guest_state NAME: the xl list state letters (r b p s c d), "gone", or
# "unknown" if xl itself failed (not the same as the guest being gone).
guest_state() {
    # Under a limit: an `xl` hung by the rig's dom0 fault (docs/rig.md §6)
    # must not stall guest_wait past its own timeout.
    _l=$(timeout -k 5 60 xl list 2>/dev/null) || { echo unknown; return 0; }
    echo "$_l" | awk -v n="$1" '$1 == n { print $5; f = 1 } END { if (!f) print "gone" }'
}

# guest_device NAME: the job gave NAME a device outside its xl config (e.g.
# the vGPU's xenstore nodes written by the job itself).
guest_device() { : >"$OUT/.device-$1"; }

# guest_has_device NAME: NAME has a device of the project or a passthrough
# one (vgpu=, a device model override or its arguments, or guest_device).
# The null IOREQ server ioreq-echo maps no guest memory and does not count.
# A guest without a config here is not proven device-free.
guest_has_device() {
    [ -f "$OUT/.device-$1" ] && return 0
    [ -f "$OUT/$1.cfg" ] || return 0
    grep -qE '^[[:space:]]*(vgpu|device_model_override|device_model_args[a-z_]*)[[:space:]]*=' \
        "$OUT/$1.cfg" 2>/dev/null
}

# triple_fault_verdict DOMID DEVICE CONSOLE: reads Xen's log (xl dmesg) on
# stdin; nothing and status 1 when domain DOMID did not triple-fault.
# Otherwise three lines: "retry KIND" or "fail KIND", Xen's triple fault
# line and the dump's RIP line.  DEVICE is "device" or "none" (the guest
# has a device, guest_has_device), CONSOLE the guest's serial log.
triple_fault_verdict() {
    _ev=$(awk -v dv="d${1}v" -v tf="$FLAKE_RE" -v rip="$FLAKE_RIP_RE" '
        function strip(l) { sub(/^\(XEN\) *(\[[^]]*\] *)?/, "", l); return l }
        index($0, dv) && $0 ~ tf { armed = 8; line = strip($0); next }
        armed > 0 { armed--; if ($0 ~ rip) { print line; print strip($0); found = 1; exit } }
        END { if (!found && line != "") { print line; print "(no register dump)" } }')
    [ -n "$_ev" ] || return 1
    case $_ev in
        *"RIP:"*e008:*) _xen=1 ;;
        *) _xen= ;;
    esac
    if [ "$2" = none ]; then
        if [ -n "$_xen" ]; then echo "retry known TCG flake (Xen's CS in the dump), guest without a device"
        else echo "retry guest triple fault (no Xen CS in the dump), guest without a device"; fi
    elif grep -aq -- "$DEVICES_MARK" "$3" 2>/dev/null; then
        echo "fail guest triple fault after the guest used its device: not excused"
    elif [ -n "$_xen" ]; then
        echo "retry known TCG flake (Xen's CS in the dump) before the guest used its device"
    else
        # Before the mark the device has only had its config space read
        # (bus mastering off): it cannot have written guest memory, whatever
        # the dump says.  Seen: a guest kernel's PCI scan (port 0xcfc) dying
        # with a guest RIP, as TCG's nested SVM fault strikes at intercepted
        # exits (docs/rig-log.md).
        echo "retry guest triple fault (no Xen CS in the dump) before the guest used its device"
    fi
    echo "$_ev"
}

# check_flake NAME: if Xen logged a triple fault of the guest, classify it
# (triple_fault_verdict).  One the rig can prove is its own is written to
# $OUT/flake (run.sh retries the job once) and 0 returned; any other goes
# to $OUT/triple-fault and a note, and stops the dom0-crash retry.
check_flake() {
    _d=$(cat "$OUT/.domid-$1" 2>/dev/null)
    [ -n "$_d" ] || return 1
    _dev=none
    guest_has_device "$1" && _dev=device
    xl dmesg | triple_fault_verdict "$_d" "$_dev" "$OUT/guest-$1.console" >"$OUT/.flake-lines" ||
        return 1
    read -r _verdict _kind <"$OUT/.flake-lines"
    _what="$_kind: guest $1 (d$_d): $(sed -n 2p "$OUT/.flake-lines"), $(sed -n 3p "$OUT/.flake-lines")"
    if [ "$_verdict" = retry ]; then
        echo "$_what" >"$OUT/flake"
        return 0
    fi
    # once per fault: a job may look at the same guest more than once
    grep -qxF -- "$_what" "$OUT/triple-fault" 2>/dev/null && return 1
    echo "$_what" >>"$OUT/triple-fault"
    note "$_what"
    return 1
}

# guest_wait NAME PATTERN TIMEOUT: wait until PATTERN shows on the guest's
# serial console.  Fails early if the guest dies first.
guest_wait() {
    _g=$1 _pat=$2 _to=$3 _s0=$(secs) _stopped=0 _n=4
    _con="$OUT/guest-$_g.console"
    wait_for "$_to" 1 _guest_shows
    case $? in
        0)  echo "'$_pat' seen after $(($(secs) - _s0))s: $(grep -a -m1 -- "$_pat" "$_con" | tr -d '\r')"
            return 0 ;;
        "$WAIT_STOP")
            # a last look: the marker may have been written as it died
            grep -q -- "$_pat" "$_con" 2>/dev/null && return 0
            echo "guest $_g stopped (state $_st) before '$_pat'" ;;
        *)  echo "timeout ${_to}s waiting for '$_pat' on $_g's console"
            # What the guest was doing: its state letters and Xen's view of
            # its vCPUs (debug-key q: pause flags, blocked or running,
            # pending events) land in xl-dmesg.log, to tell a guest stuck on
            # an unanswered I/O request from one spinning in its own code.
            xl list -v "$_g" 2>&1 | tail -1
            xl debug-keys q >/dev/null 2>&1 ;;
    esac
    check_flake "$_g" && echo "known rig flake: $(cat "$OUT/flake")"
    tail -20 "$_con" 2>/dev/null
    return 1
}
# One look for guest_wait: the pattern is there (0), the guest has stopped
# ($WAIT_STOP), or not yet.
_guest_shows() {
    grep -q -- "$_pat" "$_con" 2>/dev/null && return 0
    # xl, the heaviest program to start, every 5 s only (see now()).
    if [ $((_n += 1)) -ge 5 ] || [ "$_stopped" -gt 0 ]; then
        _n=0 _st=$(guest_state "$_g")
        case $_st in
            *c*|*s*|gone) _stopped=$((_stopped + 1)) ;;
            *) _stopped=0 ;;
        esac
    fi
    # Twice in a row: under load a single `xl list` has been seen to miss
    # a running domain.
    [ "$_stopped" -lt 2 ] || return "$WAIT_STOP"
    return 1
}

# guest_create NAME [xl create options]: create from $OUT/NAME.cfg.
guest_create() {
    _g=$1; shift
    xl create "$@" "$OUT/$_g.cfg" || return 1
    guest_domid "$_g" >"$OUT/.domid-$_g"
    echo "created $_g as domain $(cat "$OUT/.domid-$_g")"
}

# guest_gone NAME TIMEOUT: wait for the guest to shut itself down and the
# toolstack to reap it.  Seen once in the first flights: the guest powered
# off (shutdown reason 0) but xl's per-domain daemon never acted on it.  That
# is a toolstack hiccup, not the guest's fault: after REAP_GRACE seconds such
# a domain is destroyed here and the job gets a note instead of a failure.
REAP_GRACE=20
guest_gone() {
    _g=$1 _to=$2 _s0=$(secs)
    wait_for "$_to" 1 _guest_reaped && return 0
    echo "$_g still there after ${_to}s: $(xl list -v "$_g" 2>&1 | tail -1)"
    echo "toolstack processes:"; ps -eo pid,ppid,stat,args | grep -E '[x]l |[q]emu|[x]enstore|[x]enconsole'
    cat "/var/log/xen/xl-$_g.log"
    return 1
}
# One look for guest_gone: 0 once the guest is gone (or destroyed here).
_guest_reaped() {
    _i=$(($(secs) - _s0)) _st=$(guest_state "$_g")
    [ "$_st" = gone ] && { echo "$_g gone after ${_i}s"; return 0; }
    case $_st in *s*) ;; *) return 1 ;; esac
    # xl list -v: Name ID Mem VCPUs State Time UUID Reason-Code ...
    _why=$(xl list -v "$_g" 2>/dev/null | awk 'NR == 2 { print $8 }')
    if [ "$_i" -ge "$REAP_GRACE" ] && [ "$_why" = 0 ]; then
        echo "$_g powered off but not reaped after ${_i}s; destroying it"
        ps -eo pid,ppid,stat,args | grep -E '[x]l |[q]emu-system'
        cat "/var/log/xen/xl-$_g.log" 2>/dev/null
        note "toolstack did not reap powered-off $_g within ${REAP_GRACE}s; destroyed by the job"
        xl destroy "$_g"
        return 0
    fi
    # The known TCG flake (a triple fault with Xen's CS in the dump) as the
    # guest powers off, its work done and reported, in a guest whose device
    # cannot be involved (check_flake): the rig's fault.  Kept as evidence
    # and noted; no retry, since nothing of the job was lost.  With the
    # device in use it fails (check_flake noted it): a device model writing
    # pages the guest freed at its close would look just so.
    if [ "$_why" != 0 ] && check_flake "$_g" && grep -q 'RIP: *e008:' "$OUT/.flake-lines"; then
        mv "$OUT/flake" "$OUT/flake-at-shutdown"
        echo "$_g triple-faulted on the way down: $(cat "$OUT/flake-at-shutdown")"
        note "known TCG flake as $_g shut down (reason $_why): destroyed by the job"
        xl destroy "$_g"
        return 0
    fi
    if [ "$_why" != 0 ] && grep -q "guest $_g (d" "$OUT/triple-fault" 2>/dev/null; then
        echo "$_g triple-faulted on the way down: $(grep "guest $_g (d" "$OUT/triple-fault")"
        return "$WAIT_STOP"
    fi
    return 1
}

# echo_server_start GUEST: the null IOREQ server $BIN/ioreq-echo
# (tests/rig/ioreq-echo.c) takes 00:05.0 of GUEST, created paused (it ends
# with the domain, or after $ECHO_TIMEOUT seconds, default 600); once it
# is enabled the guest is unpaused (its firmware scans PCI at once and must
# find the function there).  Log: $OUT/ioreq-echo-GUEST.log.
echo_server_start() {
    guest_create "$1" -p || return 1
    "$BIN/ioreq-echo" -r "$OUT/.echo-ready-$1" -t "${ECHO_TIMEOUT:-600}" "$(cat "$OUT/.domid-$1")" \
        >"$OUT/ioreq-echo-$1.log" 2>&1 &
    echo $! >"$OUT/.echo-pid-$1"
    wait_for 10 0.5 test -f "$OUT/.echo-ready-$1" ||
        { echo "ioreq-echo not ready after 10s"; cat "$OUT/ioreq-echo-$1.log"; return 1; }
    cat "$OUT/ioreq-echo-$1.log"
    xl unpause "$1"
}

# ---------------------------------------------------------------- leaks
# mem_baseline: remember Xen's free memory at job start for leak_check.
free_mem() { xl info | awk '$1 == "free_memory" { print $3 }'; }
mem_baseline() { free_mem >"$OUT/.free-mem"; }

# leak_check: no domain but dom0, no device-model process for a guest, no
# xenstore entries for dead domains, and Xen's free memory back to baseline
# (Xen frees a domain's memory asynchronously: allow a few seconds).
leak_check() {
    _bad=0
    _doms=$(xl list | awk 'NR > 1 && $1 != "Domain-0"')
    [ -z "$_doms" ] || { echo "domains left: $_doms"; _bad=1; }
    _dm=$(ps -eo pid,args | grep '[q]emu-system-i386' | grep -v -- '-xen-domid 0 ' || true)
    [ -z "$_dm" ] || { echo "device models left: $_dm"; _bad=1; }
    _xs=$(xenstore-list /local/domain | grep -vx 0 || true)
    [ -z "$_xs" ] || { echo "xenstore /local/domain entries left: $_xs"; _bad=1; }
    _base=$(cat "$OUT/.free-mem" 2>/dev/null || echo 0)
    wait_for 20 1 _mem_back ||
        { echo "free memory ${_free} MB < baseline ${_base} MB"; _bad=1; }
    echo "free memory ${_free} MB (baseline ${_base} MB)"
    return $_bad
}
_mem_back() { _free=$(free_mem); [ "$_free" -ge "$_base" ]; }

# domain_gone DOMID SECS: DOMID no longer listed within SECS (a dom0 mapping
# left behind keeps a destroyed domain a zombie).
domain_gone() {
    wait_for "$2" 1 fails _domain_listed "$1" && return 0
    echo "domain $1 still listed after ${2}s (zombie?):"; xl list
    return 1
}
_domain_listed() { xl list | awk -v d="$1" 'NR > 1 && $2 == d { f = 1 } END { exit !f }'; }

# ---------------------------------------------------------------- vgpu-backend
# backend_start: run $BIN/vgpu-backend in the foreground of a background
# subshell (its exit status lands in $OUT/.vgpu-backend.rc for
# backend_stop), log to $OUT/vgpu-backend.log, wait until it is ready.
BACKEND_LOG=${OUT:-/tmp}/vgpu-backend.log
backend_pid() { cat "$OUT/.vgpu-backend.pid" 2>/dev/null; }
backend_start() {
    rm -f "$OUT/.vgpu-backend.pid" "$OUT/.vgpu-backend.rc"
    # stderr to a file of its own: the dynamic loader and early start-up
    # failures write there before the log file is open.
    ( "$BIN/vgpu-backend" -f -v -l "$BACKEND_LOG" -p "$OUT/.vgpu-backend.pid" "$@"
      echo $? >"$OUT/.vgpu-backend.rc" ) </dev/null >"$OUT/vgpu-backend.stderr" 2>&1 &
    wait_for 30 0.5 _backend_ready ||
        { echo "vgpu-backend did not become ready (rc $(cat "$OUT/.vgpu-backend.rc" 2>/dev/null))"
          cat "$OUT/vgpu-backend.stderr" "$BACKEND_LOG" 2>/dev/null
          return 1; }
    echo "vgpu-backend ready, pid $(backend_pid)"
}
# ready (its pid file written), or exited ($WAIT_STOP)
_backend_ready() {
    [ -s "$OUT/.vgpu-backend.pid" ] && return 0
    [ -f "$OUT/.vgpu-backend.rc" ] && return "$WAIT_STOP"
    return 1
}

# backend_torn_down DOMID SECS: wait up to SECS for the daemon to log the
# end of DOMID's IOREQ server (its teardown's last step).
backend_torn_down() {
    wait_for "$2" 0.5 grep -q "dom$1: IOREQ server torn down" "$BACKEND_LOG"
}

# vnc_address UUID: where the daemon's VNC view of the vGPU listens
# (ADDR:PORT, the VNC column of `vgpuctl list`); fails without one.
vnc_address() {
    _a=$("$BIN/vgpuctl" list | awk -v u="$1" '$1 == u { print $NF }')
    case $_a in *:[0-9]*) echo "$_a" ;; *) echo "vgpu $1 has no VNC (list: '$_a')" >&2; return 1 ;; esac
}

# vnc_picture_equal ADDR:PORT PNG NAME: a real VNC client, Debian's
# vncsnapshot, takes the screen a VNC server at ADDR:PORT shows (the
# daemon's view of a vGPU: vnc_address; or QEMU's own VNC) into
# $OUT/NAME.jpg; its decoded pixels must be PNG's (a screenshot of the same
# held picture).  vncsnapshot writes only JPEG: at its quality 100 (no
# chroma subsampling, quantisers 1) a channel comes back within 1 of what
# the server sent, which is the tolerance; the daemon and QEMU themselves
# send lossless encodings (-nojpeg asks for that too).
vnc_picture_equal() {
    _addr=$1
    echo "vncsnapshot of the VNC server at $_addr"
    timeout 120 vncsnapshot -quiet -nojpeg -quality 100 "${_addr%:*}::${_addr##*:}" \
        "$OUT/$3.jpg" </dev/null || { echo "vncsnapshot failed"; return 1; }
    "$BIN/rgb-diff" "$2" "$OUT/$3.jpg" 1
}

# vnc_port_closed PORT: nothing listens on TCP PORT any more (dom0's ss).
vnc_port_closed() {
    ! ss -Hltn "sport = :$1" | grep -q .
}


# kernel sees them: VMAs of /dev/xen/privcmd (foreign frames, the ioreq
# page) and /dev/xen/gntdev (grants).  libxencall's hypercall buffers come
# from /dev/xen/hypercall and are not counted.
backend_xen_vmas() {
    grep -cE '/dev/xen/(privcmd|gntdev)' "/proc/$(backend_pid)/maps"
}

# backend_holdings TAG: one `vgpuctl --json status` (one moment) and the
# kernel's count right after it; logged on one line and kept in
# $OUT/.holdings-TAG as "foreign peak grant ioreq heap vmas grant-peak
# threads" (the peaks: the most mapped at once since the daemon started;
# threads: the daemon's live IOREQ threads, one per served domain).
backend_holdings() {
    _j=$("$BIN/vgpuctl" --json status) || { echo "vgpuctl status failed"; return 1; }
    _h=
    for _k in foreign_frames foreign_frames_peak grant_pages ioreq_pages heap_bytes; do
        _v=${_j#*\"$_k\":}; _v=${_v%%[,\}]*}        # builtins: no program started
        _h="$_h$_v "
    done
    _g=${_j#*\"grant_pages_peak\":}; _g=${_g%%[,\}]*}
    case $_g in ''|*[!0-9]*) _g=0 ;; esac              # a daemon without it
    _t=${_j#*\"ioreq_threads\":}; _t=${_t%%[,\}]*}
    case $_t in ''|*[!0-9]*) _t=0 ;; esac              # a daemon without it
    _h="$_h$(backend_xen_vmas) $_g $_t"
    echo "$_h" >"$OUT/.holdings-$1"
    set -- "$1" $_h
    echo "daemon holdings ($1): foreign frames $2 (peak $3), grant pages $4 (peak $8), ioreq pages $5, heap $6 bytes, Xen VMAs $7, IOREQ threads $9"
}

# backend_released BASE NOW: every Xen mapping of NOW's guests is gone
# (counted by the daemon and by the kernel) and the heap is back to BASE's
# within HEAP_SLACK bytes: allocator noise (tcache) and the first domain's
# one-time growth of libxenstore's buffers, while one vGPU instance alone
# is megabytes.
HEAP_SLACK=65536
backend_released() {
    # $1-$8: BASE, $9-$16: NOW (foreign peak grant ioreq heap vmas grant-peak threads)
    set -- $(cat "$OUT/.holdings-$1") $(cat "$OUT/.holdings-$2")
    _bad=0
    [ "$9" = 0 ] && [ "${11}" = 0 ] && [ "${12}" = 0 ] ||
        { echo "mappings left by the daemon's count: foreign $9, grant ${11}, ioreq ${12}"; _bad=1; }
    [ "${16}" = 0 ] || { echo "IOREQ threads still running: ${16}"; _bad=1; }
    [ "${14}" -le "$6" ] ||
        { echo "Xen VMAs left: ${14} (before the guest: $6):"
          grep -E '/dev/xen/(privcmd|gntdev)' "/proc/$(backend_pid)/maps"; _bad=1; }
    [ "${13}" -le $(($5 + HEAP_SLACK)) ] ||
        { echo "heap ${13} bytes, before the guest $5 (+$((${13} - $5)), slack $HEAP_SLACK)"; _bad=1; }
    [ $_bad = 0 ] && echo "daemon back to baseline: no mappings, no IOREQ threads, heap $((${13} - $5)) bytes off"
    return $_bad
}

# backend_stop: SIGTERM, and the daemon must exit 0 within 20 s.
backend_stop() {
    _p=$(backend_pid)
    [ -n "$_p" ] || { echo "no vgpu-backend pid"; return 1; }
    kill -TERM "$_p" 2>/dev/null
    wait_for 20 0.5 test -f "$OUT/.vgpu-backend.rc" ||
        { echo "vgpu-backend ignored SIGTERM for 20s"; tail -20 "$BACKEND_LOG"; return 1; }
    tail -5 "$BACKEND_LOG"
    echo "vgpu-backend exit status $(cat "$OUT/.vgpu-backend.rc")"
    grep -q 'vgpu-backend stopped' "$BACKEND_LOG" && [ "$(cat "$OUT/.vgpu-backend.rc")" = 0 ]
}

# backend_kill: for an EXIT trap, so no daemon outlives its job.
backend_kill() {
    _p=$(backend_pid)
    [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null && kill -TERM "$_p"
    return 0
}

# ---------------------------------------------------------------- VFIO mdevs on Xen
# For jobs whose HVM guests get VFIO mdevs through stock QEMU-xen's vfio-pci,
# served by the Xen VFIO IOMMU backend vfio_iommu_xen.ko
# (kernel/vfio_iommu_xen/), which the device-model wrapper $BIN/vgpu-qemu-dm
# (toolstack/) binds to the guest's domain: xen-mdev (the project's vGPU),
# xen-mdev-peers (Linux's sample mdevs mtty and mdpy).
MDEV=/sys/bus/mdev/devices
XSYS=/sys/kernel/vfio_iommu_xen
QEMU_XEN=/usr/libexec/xen-qemu-system-i386

# guest_qemu_vnc GUEST: GUEST's QEMU runs its own VNC server on dom0's
# loopback (the rig's guests have vnc = 0), so the displays of its devices
# have a viewer; vga stays "none": no emulated VGA takes the first console.
# libxl starts it at display 0 with `to=99` (the first free port from
# 5900) and writes the port to /local/domain/<domid>/console/vnc-port,
# where `xl vncviewer` looks: qemu_vnc_port.
guest_qemu_vnc() {
    sed -i 's/^vnc = 0$/vnc = 1\nvnclisten = "127.0.0.1"/' "$OUT/$1.cfg"
    grep -q '^vnc = 1$' "$OUT/$1.cfg"
}

# qemu_vnc_port DOMID: the TCP port of DOMID's QEMU VNC, as libxl recorded
# it in xenstore (libxl asks QEMU over QMP once it runs: up to 10 s).
qemu_vnc_port() {
    wait_for 10 0.5 xenstore-read "/local/domain/$1/console/vnc-port" >/dev/null 2>&1 ||
        { echo "no /local/domain/$1/console/vnc-port in xenstore" >&2; return 1; }
    xenstore-read "/local/domain/$1/console/vnc-port"
}

# logdirty_check GUEST (docs/hw-spec.md §10): pages only the GPU writes
# reach the guest's dirty bitmap because the vGPU's path reports them with
# XEN_DMOP_modified_memory (vgpu-backend, or vgpu_mdev_xen on the kernel
# path; writes through dom0's foreign mappings are invisible to log-dirty
# otherwise).  The guest runs tests/rig/guest/xen-vgpu.sh, whose rgpu-dirty
# names a handshake frame and eight data frames it has written with the
# CPU; here log-dirty goes on (cleaning the bitmap), the guest is signalled
# through the handshake frame, the GPU fills D0, D1, D3 and D5 (rows
# skipping D4), and the bitmap must show exactly those four of the eight
# dirty.
logdirty_check() {
    _g=$1
    guest_wait "$_g" 'RIG-GUEST: dirty ready' 400 || return 1
    # rgpu-dirty gives up waiting for us after 30 s: be quick from here.
    _l=$(grep -a -m1 'RIG-GUEST: dirty ready' "$OUT/guest-$_g.console" | tr -d '\r')
    _hs=${_l##*hs=}; _hs=${_hs%% *}
    _gfns=$(echo "${_l##*gfns=}" | tr ',' ' ')
    _dom=$(cat "$OUT/.domid-$_g")
    _bad=0
    _t0=$(now)
    "$BIN/rig-logdirty" "$_dom" enable || _bad=1
    [ $_bad = 0 ] && { "$BIN/rig-logdirty" "$_dom" poke "$_hs" 0 0x4c4f4744 || _bad=1; }
    if [ $_bad = 0 ] && guest_wait "$_g" 'RIG-GUEST: dirty filled' 120; then
        # shellcheck disable=SC2086
        "$BIN/rig-logdirty" "$_dom" peek $_gfns | tee "$OUT/logdirty-$_g.txt"
        _got=$(awk '/^gfn / { printf "%s", ($3 == "dirty") ? "D" : "c" }' "$OUT/logdirty-$_g.txt")
        echo "D0..D7: $_got (want DDcDcDcc: D0, D1, D3, D5 written by the GPU only)"
        [ "$_got" = DDcDcDcc ] || _bad=1
    else
        _bad=1
    fi
    "$BIN/rig-logdirty" "$_dom" off || _bad=1
    # Let the guest go on (it keeps the pages until told), unless it gave
    # up on us and freed them already.
    if grep -q 'RIG-GUEST: dirty skipped' "$OUT/guest-$_g.console"; then
        echo "the guest gave up waiting for log-dirty: dom0 too slow?"; _bad=1
    else
        "$BIN/rig-logdirty" "$_dom" poke "$_hs" 4 0x454e4f44 || _bad=1
    fi
    guest_wait "$_g" 'RIG-GUEST: dirty done rc=' 60 || _bad=1
    grep -a 'RIG-GUEST: dirty' "$OUT/guest-$_g.console" | tr -d '\r'
    grep -q 'RIG-GUEST: dirty done rc=0' "$OUT/guest-$_g.console" || _bad=1
    echo "log-dirty check took $(awk -v a="$_t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s"
    return $_bad
}

# xsys_counts: the backend's live counts, and those of the directories in
# $XSYS_EXTRA (a job's other modules), one "path value" line each; totals
# that only grow are left out.
xsys_counts() {
    for _f in "$XSYS"/stats/* $(for _x in ${XSYS_EXTRA:-}; do echo "$_x"/*; done); do
        case ${_f##*/} in dma_rw_calls|errors|writes_applied|grant_maps_total|dirty_reported) continue ;; esac
        [ -f "$_f" ] && echo "${_f#/sys/kernel/} $(cat "$_f")"
    done
}

# xsys_baseline: the counts before any guest, for counts_back.
xsys_baseline() {
    xsys_counts >"$OUT/.xsys-base"
    cat "$OUT/.xsys-base"
}

# counts_back NAME: every live count as before the guests ($OUT/.xsys-NAME).
counts_back() {
    xsys_counts >"$OUT/.xsys-$1"
    cat "$OUT/.xsys-$1"
    diff "$OUT/.xsys-base" "$OUT/.xsys-$1" || { echo "backend counts not back to baseline"; return 1; }
}

# xen_vfio_load: type1 first, the Xen backend after it: VFIO tries the last
# registered IOMMU driver first, and ours refuses every group it is not
# bound to.
xen_vfio_load() {
    modprobe vfio_iommu_type1 || return 1
    modprobe mdev || return 1
    modprobe vfio_iommu_xen || return 1
    [ -d "$XSYS" ] || { echo "no $XSYS"; return 1; }
}

# mdev_instance_create TYPEDIR UUID: create an instance of the mdev type
# TYPEDIR (/sys/class/mdev_bus/<parent>/mdev_supported_types/<type>); it
# must get an IOMMU group with its /dev/vfio node.
mdev_instance_create() {
    echo "$2" >"$1/create" || return 1
    [ -e "$MDEV/$2" ] || { echo "no $MDEV/$2"; return 1; }
    _g=$(basename "$(readlink "$MDEV/$2/iommu_group")")
    echo "$2: ${1##*/}, iommu group $_g"
    [ -e "/dev/vfio/$_g" ] || { echo "no /dev/vfio/$_g"; return 1; }
}

# mdev_bound GUEST UUID...: each instance is bound to GUEST's domain and in
# use by a container (QEMU's, served by our backend), and type1 serves nobody.
mdev_bound() {
    _d=$(cat "$OUT/.domid-$1"); shift
    cat "$XSYS/bindings"
    for _u in "$@"; do
        grep -q "^$_u [0-9]* $_d in-use" "$XSYS/bindings" ||
            { echo "mdev $_u is not bound to domain $_d and in use"; return 1; }
    done
    _t1=$(type1_users)
    echo "vfio_iommu_type1 use count: $_t1"
    [ "$_t1" = 0 ] || { echo "type1 is in use while the guest runs"; return 1; }
}

# mdev_bindings_released UUID...: once its guest is gone, no binding of
# these instances is left: the backend drops a binding with the container
# that used it (one bind serves one QEMU run).
mdev_bindings_released() {
    cat "$XSYS/bindings"
    ! grep -E "^($(echo "$@" | tr ' ' '|')) " "$XSYS/bindings" ||
        { echo "bindings left after the guest"; return 1; }
}

# domains_gone: no domain but dom0 within 20 s (a dom0 mapping left behind
# keeps a destroyed domain a zombie).
domains_gone() {
    wait_for 20 1 fails _guests_listed && return 0
    echo "a domain is still listed (zombie?):"; xl list
    return 1
}
_guests_listed() { xl list | awk 'NR > 1 && $1 != "Domain-0" { f = 1 } END { exit !f }'; }
