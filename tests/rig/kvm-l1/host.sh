# l1-lib.sh: helpers for jobs in the kvm-l1 host (sourced after lib.sh).
progress() { echo "$(now) $JOB $*" >>/share/results/progress.log; echo "rig: $JOB $*" >/dev/ttyS0 2>/dev/null; }

# l2_start NAME JOB-IN-GUEST [QEMU-ARGS...]: boot an L2 guest under KVM with
# the rig kernel + busybox initramfs; console in $OUT/guest-NAME.console,
# QEMU's pid in $OUT/NAME.pid (logs-capture kills it if still running).
l2_start() {
    _n=$1 _gj=$2; shift 2
    qemu-system-x86_64 -enable-kvm -cpu host -m 256M -smp 1 -machine q35 \
        -display none -vga none -monitor none -nic none -no-reboot \
        -serial "file:$OUT/guest-$_n.console" \
        -kernel "$RIG/guest-vmlinuz" -initrd "$RIG/guest-initrd.gz" \
        -append "console=ttyS0,115200 quiet panic=-1 rig.guest=$_gj" \
        "$@" </dev/null >"$OUT/qemu-$_n.log" 2>&1 &
    echo $! >"$OUT/$_n.pid"
    echo "L2 $_n: QEMU pid $! args $*"
}

# l2_wait NAME PATTERN SECS: wait for PATTERN on the L2 console; fail early
# if QEMU exits first.
l2_wait() {
    _n=$1 _pat=$2 _end=$(( $(secs) + $3 ))
    while [ "$(secs)" -lt "$_end" ]; do
        grep -q "$_pat" "$OUT/guest-$_n.console" 2>/dev/null && {
            grep 'RIG-GUEST' "$OUT/guest-$_n.console"; return 0; }
        if ! kill -0 "$(cat "$OUT/$_n.pid")" 2>/dev/null; then
            grep -q "$_pat" "$OUT/guest-$_n.console" 2>/dev/null && return 0
            echo "QEMU exited before '$_pat'"; tail -30 "$OUT/guest-$_n.console"
            cat "$OUT/qemu-$_n.log"; return 1
        fi
        sleep 1
    done
    echo "timeout (${3}s) waiting for '$_pat'"; tail -30 "$OUT/guest-$_n.console"
    cat "$OUT/qemu-$_n.log"
    return 1
}

# l2_gone NAME SECS: wait for QEMU to exit.
l2_gone() {
    _p=$(cat "$OUT/$1.pid") _end=$(( $(secs) + $2 ))
    while kill -0 "$_p" 2>/dev/null; do
        [ "$(secs)" -lt "$_end" ] || { echo "QEMU $_p still running after ${2}s"; return 1; }
        sleep 1
    done
    cat "$OUT/qemu-$1.log"
    return 0
}
