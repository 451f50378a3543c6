#!/bin/sh
# dom0-run.sh: the flight's runner inside dom0.  rig-init starts it from the
# 9p share (rig.run=rig/dom0-run.sh) after the Xen daemons are up; it runs
# every job listed in /share/rig/jobs.list in order, in this one Xen boot,
# and leaves results under /share/results/ for flight.py:
#   boot.tsv                 shared steps of this boot (xen-daemons)
#   progress.log             one line per step event (flight.py prints them)
#   <job>/steps.tsv          the job's steps: name, result, seconds
#   <job>/<step>.log         each step's output
#   <job>/retried            present if the job was retried (flake text)
#   <job>.try1/              the first attempt of a retried job
RIG=/share/rig
BIN=/share/bin
R=/share/results
export RIG BIN
mkdir -p "$R"
. "$RIG/lib.sh"
JOB=- progress "runner start"

# ---- shared step: xen-daemons (the init ran /etc/init.d/xen start)
read -r xrc xt0 xt1 </run/xen-start.status
cp /run/xen-start.log "$R/xen-start.log"
xl info >"$R/xl-info.log" 2>&1
irc=$?
secs=$(awk -v a="$xt0" -v b="$xt1" 'BEGIN { printf "%.1f", b - a }')
if [ "$xrc" = 0 ] && [ "$irc" = 0 ]; then xres=pass; else xres=fail; fi
printf 'xen-daemons\t%s\t%s\n' "$xres" "$secs" >"$R/boot.tsv"
JOB=- progress "xen-daemons $xres $secs"
xl dmesg -c >"$R/xl-dmesg-boot.log" 2>&1

# Always runs, after every attempt: Xen's log for this job, the toolstack's
# per-guest logs, then whatever the job left behind is destroyed so the
# next job starts clean.  Not a `step`: it must run even after a failure.
logs_capture() {
    t0=$(now)
    xl dmesg -c >"$OUT/xl-dmesg.log" 2>&1
    mkdir -p "$OUT/xen-logs"
    cp /var/log/xen/* "$OUT/xen-logs/" 2>/dev/null
    # Per-guest logs go; the daemons' own logs (xenstored, xenconsoled, the
    # dom0 qemu) are still open: truncate them, so each job gets its part.
    for f in /var/log/xen/*; do
        case ${f##*/} in
            xl-*|qemu-dm-*) rm -f "$f" ;;
            *) [ -f "$f" ] && : >"$f" ;;
        esac
    done
    rm -f /tmp/rig-*.img
    xl list >"$OUT/xl-list-after.log" 2>&1
    for d in $(xl list | awk 'NR > 1 && $1 != "Domain-0" { print $2 }'); do
        xl destroy "$d" >>"$OUT/xl-list-after.log" 2>&1
    done
    # vGPU backend nodes of domains that are gone: the toolstack's to remove
    # (PV backend convention), and a job stopped half-way (its timeout)
    # never got to.  Left, they would fail the next job's checks.
    for d in $(xenstore-list /local/domain/0/backend/vgpu 2>/dev/null); do
        xl list "$d" >/dev/null 2>&1 && continue
        echo "removing stale /local/domain/0/backend/vgpu/$d" >>"$OUT/xl-list-after.log"
        xenstore-rm "/local/domain/0/backend/vgpu/$d"
    done
    printf 'logs-capture\tpass\t%s\n' "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')" \
        >>"$OUT/steps.tsv"
}

run_job() {
    script="$RIG/jobs/$JOB.sh"
    to=$(sed -n 's/^# rig-timeout: *\([0-9]*\).*/\1/p' "$script" | head -1)
    to=${to:-300}
    rm -rf "$OUT"; mkdir -p "$OUT"
    # The job runs in its own shell under `timeout`, which signals the whole
    # process group, background helpers included.
    JOB=$JOB OUT=$OUT timeout -k 5 "$to" sh -c '. "$RIG/lib.sh"; mem_baseline; . "$0"' "$script" \
        >"$OUT/job.log" 2>&1
    rc=$?
    if [ -f "$OUT/.running" ]; then
        read -r sname st0 <"$OUT/.running"
        secs=$(awk -v a="$st0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
        echo "job timeout (${to}s, rc $rc) during step $sname" >>"$OUT/$sname.log"
        check_flake_any
        printf '%s\tbroken\t%s\n' "$sname" "$secs" >>"$OUT/steps.tsv"
        progress "$sname broken $secs (job timeout)"
    fi
    logs_capture
}

# A job that timed out never got to check for the flake itself.
check_flake_any() {
    for f in "$OUT"/.domid-*; do
        [ -f "$f" ] && check_flake "${f##*/.domid-}" && return 0
    done
    return 1
}

# The second known rig fault: under TCG, dom0 userspace processes of the
# rig itself (sh, grep, xl, qemu's device model) now and then segfault in
# libc (seen in ~1 of 10 flights; docs/rig.md).  A failed job during which
# such a process died is retried once.  Our own programs crashing is never
# excused: that is a bug to fix.
OUR_PROGS='vgpu-backend|vgpuctl|ioreq-echo|rgpu-|vfio-abuse'
# dom0_crash_line N: the first crash of a rig process in dmesg from line N.
dom0_crash_line() {
    dmesg | tail -n +"$1" | grep -E ' segfault at |general protection fault' |
        grep -vE "($OUR_PROGS)\[" | head -1
}
check_dom0_segfault() {
    grep -q -v '	pass	' "$OUT/steps.tsv" 2>/dev/null || return 1
    dom0_crash_line "$1" >"$OUT/.segv"
    [ -s "$OUT/.segv" ] || return 1
    echo "dom0 process crashed under TCG: $(sed 's/^\[[^]]*\] *//' "$OUT/.segv" | cut -c1-100)" >"$OUT/flake"
}

if [ "$xres" = pass ]; then
    for JOB in $(cat "$RIG/jobs.list"); do
        OUT=$R/$JOB
        progress "job start"
        n0=$(($(dmesg | wc -l) + 1))
        run_job
        [ -f "$OUT/flake" ] || check_dom0_segfault "$n0"
        if [ -f "$OUT/flake" ]; then
            # Known rig flake (not our code): one retry, reported as such.
            progress "known flake, retrying once: $(cat "$OUT/flake")"
            rm -rf "$OUT.try1"; mv "$OUT" "$OUT.try1"
            run_job
            cp "$OUT.try1/flake" "$OUT/retried"
        fi
        progress "job end"
    done
fi
dmesg >"$R/dom0-dmesg.log" 2>&1
JOB=- progress "runner end"
