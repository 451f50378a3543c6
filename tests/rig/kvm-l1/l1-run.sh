#!/bin/sh
# l1-run.sh: the flight's runner inside the kvm-l1 host (the KVM path's L1:
# plain Linux under QEMU TCG, no Xen).  rig-init starts it from the 9p
# share (rig.run=rig/l1-run.sh).  Like dom0-run.sh it runs every job of
# /share/rig/jobs.list in order and leaves results under /share/results/:
#   boot.tsv            the shared step of this boot (l1-modules)
#   progress.log        one line per step event (flight.py prints them)
#   <job>/steps.tsv     the job's steps; <job>/<step>.log each step's output
RIG=/share/rig
BIN=/share/bin
R=/share/results
export RIG BIN
mkdir -p "$R"
. "$RIG/lib.sh"
# lib.sh's progress writes to hvc0 (Xen); here the console is ttyS0.
progress() { echo "$(now) $JOB $*" >>/share/results/progress.log; echo "rig: $JOB $*" >/dev/ttyS0 2>/dev/null; }
JOB=- progress "runner start"

# ---- shared step: l1-modules (KVM with nested SVM/VMX, VFIO, mdev)
l1_modules() {
    set -x
    uname -a
    grep -m1 -o -w 'svm\|vmx' /proc/cpuinfo || { echo "no svm/vmx in L1's CPU"; return 1; }
    if grep -q -w svm /proc/cpuinfo; then modprobe kvm_amd || return 1
    else modprobe kvm_intel || return 1; fi
    for m in vfio vfio_iommu_type1 vfio_virqfd mdev vfio_pci; do modprobe $m || return 1; done
    [ -c /dev/kvm ] || { echo "no /dev/kvm"; return 1; }
    cat /sys/module/kvm_amd/parameters/nested 2>/dev/null
    ls -d /sys/class/mdev_bus || true
    lsmod
}
t0=$(now)
l1_modules >"$R/l1-modules.log" 2>&1
mrc=$?
secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
if [ "$mrc" = 0 ]; then mres=pass; else mres=fail; fi
printf 'l1-modules\t%s\t%s\n' "$mres" "$secs" >"$R/boot.tsv"
JOB=- progress "l1-modules $mres $secs"
dmesg -c >"$R/l1-dmesg-boot.log" 2>&1

# Always runs after a job: the kernel log of the job, then whatever the job
# left running (QEMU processes it recorded in $OUT/*.pid) is killed by PID.
logs_capture() {
    t0=$(now)
    dmesg -c >"$OUT/l1-dmesg.log" 2>&1
    for f in "$OUT"/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        kill -0 "$p" 2>/dev/null && { echo "killing leftover $f ($p)"; kill -9 "$p"; }
    done >"$OUT/leftovers.log" 2>&1
    printf 'logs-capture\tpass\t%s\n' "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')" \
        >>"$OUT/steps.tsv"
}

run_job() {
    script="$RIG/jobs/$JOB.sh"
    to=$(sed -n 's/^# rig-timeout: *\([0-9]*\).*/\1/p' "$script" | head -1)
    to=${to:-300}
    rm -rf "$OUT"; mkdir -p "$OUT"
    JOB=$JOB OUT=$OUT timeout -k 5 "$to" sh -c '. "$RIG/lib.sh"; . "$RIG/l1-lib.sh"; . "$0"' "$script" \
        >"$OUT/job.log" 2>&1
    rc=$?
    if [ -f "$OUT/.running" ]; then
        read -r sname st0 <"$OUT/.running"
        secs=$(awk -v a="$st0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
        echo "job timeout (${to}s, rc $rc) during step $sname" >>"$OUT/$sname.log"
        printf '%s\tbroken\t%s\n' "$sname" "$secs" >>"$OUT/steps.tsv"
        progress "$sname broken $secs (job timeout)"
    fi
    logs_capture
}

if [ "$mres" = pass ]; then
    for JOB in $(cat "$RIG/jobs.list"); do
        OUT=$R/$JOB
        progress "job start"
        run_job
        progress "job end"
    done
fi
dmesg >"$R/l1-dmesg.log" 2>&1
JOB=- progress "runner end"
