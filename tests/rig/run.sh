#!/bin/sh
# run.sh: the flight's runner inside a rig host (Xen's dom0 or the kvm-l1
# host).  rig-init starts it from the 9p share (rig.run=rig/run.sh) once the
# host is up; it runs every job listed in /share/rig/jobs.list in order, in
# this one boot, and leaves results under /share/results/ for flight.py:
#   boot.tsv                 the boot's shared step (xen-daemons, l1-modules)
#   progress.log             one line per step event (flight.py prints them)
#   heartbeat                renewed every 10 s while the runner lives
#   <job>/steps.tsv          the job's steps: name, result, seconds
#   <job>/<step>.log         each step's output
#   <job>/retried            present if the job was retried (flake text)
#   <job>.try1/              the first attempt of a retried job
# What differs between the hosts is in rig/host.sh (tests/rig/dom0/host.sh,
# tests/rig/kvm-l1/host.sh): host_boot, host_job_start, host_job_end,
# host_timed_out, host_flake, host_end.
RIG=/share/rig
BIN=/share/bin
R=/share/results
export RIG BIN R
mkdir -p "$R"
. "$RIG/lib.sh"
. "$RIG/host.sh"
JOB=- progress "runner start"
# The host's heartbeat for flight.py: a host that stops renewing it is
# wedged (its kernel no longer runs this loop), whatever a job waits for.
( while :; do cat /proc/uptime >"$R/heartbeat"; sleep 10; done ) &
heartbeat=$!

# boot_result NAME RESULT SECONDS: the boot's shared step, for host_boot.
boot_result() {
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >"$R/boot.tsv"
    JOB=- progress "$1 $2 $3"
}

run_job() {
    script="$RIG/jobs/$JOB.sh"
    to=$(sed -n 's/^# rig-timeout: *\([0-9]*\).*/\1/p' "$script" | head -1)
    to=${RIG_JOB_TIMEOUT:-${to:-300}}
    rm -rf "$OUT"; mkdir -p "$OUT"
    # The job runs in its own shell under `timeout`, which signals the whole
    # process group, background helpers included.
    # Just before the timeout, what dom0 was running (a hung command is
    # the evidence a timeout otherwise lacks).
    ( sleep $((to - 3)) && ps -eo pid,ppid,stat,pcpu,etimes,wchan:20,args --sort=-pcpu \
          >"$OUT/ps-at-timeout.txt" 2>&1 ) &
    wd=$!
    JOB=$JOB OUT=$OUT timeout -k 5 "$to" \
        sh -c '. "$RIG/lib.sh"; . "$RIG/host.sh"; host_job_start; . "$0"' "$script" \
        >"$OUT/job.log" 2>&1
    rc=$?
    pkill -P "$wd" sleep 2>/dev/null; wait "$wd" 2>/dev/null
    if [ -f "$OUT/.running" ]; then
        read -r sname st0 <"$OUT/.running"
        secs=$(since "$st0")
        echo "job timeout (${to}s, rc $rc) during step $sname" >>"$OUT/$sname.log"
        host_timed_out
        printf '%s\tbroken\t%s\n' "$sname" "$secs" >>"$OUT/steps.tsv"
        progress "$sname broken $secs (job timeout)"
    fi
    # Not a `step`: it runs even after a failure.
    t0=$(now)
    host_job_end
    printf 'logs-capture\tpass\t%s\n' "$(since "$t0")" >>"$OUT/steps.tsv"
}

if host_boot; then
    for JOB in $(cat "$RIG/jobs.list"); do
        OUT=$R/$JOB
        progress "job start"
        # dom0's kernel log line where the job begins (host_job_end keeps
        # the job's crash lines from here).
        JOB_DMESG0=$(($(dmesg | wc -l) + 1))
        run_job
        if host_flake && grep -q '^# rig-retry: no' "$RIG/jobs/$JOB.sh"; then
            # A job that counts the rig's faults (rig-torture) is never retried.
            mv "$OUT/flake" "$OUT/flake-not-retried"
        elif [ -f "$OUT/flake" ]; then
            # Known rig flake (not our code): one retry, reported as such.
            progress "known flake, retrying once: $(cat "$OUT/flake")"
            rm -rf "$OUT.try1"; mv "$OUT" "$OUT.try1"
            run_job
            cp "$OUT.try1/flake" "$OUT/retried"
        fi
        progress "job end"
    done
fi
host_end
kill "$heartbeat"
JOB=- progress "runner end"
