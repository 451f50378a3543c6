# host.sh of the kvm-l1 host (the KVM path's L1: plain Linux under QEMU TCG,
# no Xen): the part of the rig's shell library (lib.sh) that only this host
# has.  run.sh and every job load it after lib.sh (flight.py ships it as
# rig/host.sh).  First the runner's hooks, then the helpers for L2 guests.

RIG_CONSOLE=/dev/ttyS0

# ---------------------------------------------------------------- runner hooks
# host_boot: the boot's shared step, l1-modules (KVM with nested SVM/VMX,
# VFIO, mdev), into $R/boot.tsv.
host_boot() {
    _t0=$(now)
    _l1_modules >"$R/l1-modules.log" 2>&1
    _rc=$?
    _res=fail
    [ "$_rc" = 0 ] && _res=pass
    boot_result l1-modules "$_res" "$(since "$_t0")"
    dmesg -c >"$R/l1-dmesg-boot.log" 2>&1
    [ "$_res" = pass ]
}
_l1_modules() {
    set -x
    uname -a
    grep -m1 -o -w 'svm\|vmx' /proc/cpuinfo || { echo "no svm/vmx in L1's CPU"; return 1; }
    if grep -q -w svm /proc/cpuinfo; then modprobe kvm_amd || return 1
    else modprobe kvm_intel || return 1; fi
    for _m in vfio vfio_iommu_type1 vfio_virqfd mdev vfio_pci; do modprobe $_m || return 1; done
    [ -c /dev/kvm ] || { echo "no /dev/kvm"; return 1; }
    cat /sys/module/kvm_amd/parameters/nested 2>/dev/null
    ls -d /sys/class/mdev_bus || true
    lsmod
}

host_job_start() { :; }

# host_job_end: after every attempt: the kernel log of the job, then
# whatever the job left running (QEMU processes it recorded in $OUT/*.pid)
# is killed by PID.
host_job_end() {
    dmesg -c >"$OUT/l1-dmesg.log" 2>&1
    for _f in "$OUT"/*.pid; do
        [ -f "$_f" ] || continue
        _p=$(cat "$_f")
        kill -0 "$_p" 2>/dev/null && { echo "killing leftover $_f ($_p)"; kill -9 "$_p"; }
    done >"$OUT/leftovers.log" 2>&1
}

# No known flake of this host is retried.
host_timed_out() { return 1; }
host_flake() { return 1; }

host_end() { dmesg >"$R/l1-dmesg.log" 2>&1; }

# module_built_here KO: KO is on the share and built for the kernel this L1
# runs (`make kernel` builds for the kvm-l1 image's kernel); else the job
# is broken, not failed: what it tests never ran.
module_built_here() {
    [ -f "$1" ] || { echo "no $1 on the share (make kernel)"; return "$BROKEN"; }
    _have=$(modinfo -F vermagic "$1" | cut -d" " -f1)
    [ "$_have" = "$(uname -r)" ] ||
        { echo "${1##*/} built for '$_have', L1 runs '$(uname -r)' (make kernel)"; return "$BROKEN"; }
}

# ---------------------------------------------------------------- L2 guests
# l2_start NAME JOB-IN-GUEST [QEMU-ARGS...]: boot an L2 guest under KVM with
# the rig kernel + busybox initramfs (L2_APPEND: more kernel arguments);
# console in $OUT/guest-NAME.console, QEMU's pid in $OUT/NAME.pid
# (host_job_end kills it if still running).  First the L1's text symbols,
# modules included, so flight.py can name where the L1's CPUs were if the
# host stops while an L2 runs (host-cpus-syms.txt).
l2_start() {
    _n=$1 _gj=$2; shift 2
    grep ' [tTwW] ' /proc/kallsyms >/share/results/l1-kallsyms.txt
    qemu-system-x86_64 -enable-kvm -cpu host -m 256M -smp 1 -machine q35 \
        -display none -vga none -monitor none -nic none -no-reboot \
        -serial "file:$OUT/guest-$_n.console" \
        -kernel "$RIG/guest-vmlinuz" -initrd "$RIG/guest-initrd.gz" \
        -append "console=ttyS0,115200 quiet panic=-1 rig.guest=$_gj${L2_APPEND:+ $L2_APPEND}" \
        "$@" </dev/null >"$OUT/qemu-$_n.log" 2>&1 &
    echo $! >"$OUT/$_n.pid"
    echo "L2 $_n: QEMU pid $! args $*"
}

# l2_wait NAME PATTERN SECS: wait for PATTERN on the L2 console; fail early
# if QEMU exits first.
l2_wait() {
    _n=$1 _pat=$2
    wait_for "$3" 1 _l2_shows
    case $? in
        0) grep 'RIG-GUEST' "$OUT/guest-$_n.console"; return 0 ;;
        "$WAIT_STOP") echo "QEMU exited before '$_pat'" ;;
        *) echo "timeout (${3}s) waiting for '$_pat'" ;;
    esac
    tail -30 "$OUT/guest-$_n.console"
    cat "$OUT/qemu-$_n.log"
    return 1
}
# One look for l2_wait: the pattern is there (0), QEMU is gone ($WAIT_STOP:
# after a last look, since the marker may have been written as it exited).
_l2_shows() {
    grep -q "$_pat" "$OUT/guest-$_n.console" 2>/dev/null && return 0
    kill -0 "$(cat "$OUT/$_n.pid")" 2>/dev/null && return 1
    grep -q "$_pat" "$OUT/guest-$_n.console" 2>/dev/null && return 0
    return "$WAIT_STOP"
}

# l2_gone NAME SECS: wait for QEMU to exit.
l2_gone() {
    _p=$(cat "$OUT/$1.pid")
    wait_for "$2" 1 fails kill -0 "$_p" 2>/dev/null ||
        { echo "QEMU $_p still running after ${2}s"; return 1; }
    cat "$OUT/qemu-$1.log"
}
