# rig-timeout: 900
# bench-rig: docs/benchmarks.md metric 7 (`make bench-rig`; reported, not a
# goal: TCG timing is not representative).  Guest MMIO round trips per
# second through vgpu-backend, against the null IOREQ server ioreq-echo in
# the same flight: the same guest program (tests/rig/guest-bin/
# mmio-bench.c) reads and writes register 0x10 of the function at 00:05.0
# for 5 rounds of 2 s each way.  One guest at a time, 1 vCPU each, so both
# see the same machine.  Results: $OUT/bench-rig.tsv (path op round per_sec).
export VGPUCTL="$BIN/vgpuctl"
BENCH_UUID=be4c0000-0001-4a5e-8b1d-5c7e11f0a11d
trap backend_kill EXIT

# bench_collect GUEST PATH: the guest's MMIO-BENCH lines into the table.
bench_collect() {
    guest_wait "$1" 'RIG-GUEST: done rc=' 300 || return 1
    grep -a 'RIG-GUEST\|MMIO-BENCH' "$OUT/guest-$1.console" | tr -d '\r'
    grep -q 'RIG-GUEST: done rc=0' "$OUT/guest-$1.console" || return 1
    tr -d '\r' <"$OUT/guest-$1.console" |
        sed -n "s/^MMIO-BENCH: \([a-z]*\) round=\([0-9]*\) .* per_sec=\([0-9.]*\)$/$2\t\1\t\2\t\3/p" \
        >>"$OUT/bench-rig.tsv"
    [ "$(grep -c "^$2	" "$OUT/bench-rig.tsv")" -ge 10 ] || { echo "fewer than 10 rounds from $2"; return 1; }
}

# The null server first.
bench_null() {
    guest_config bn1 || return $?
    echo_server_start bn1 || return 1
    bench_collect bn1 null && guest_gone bn1 60
}

# vgpu-backend: the guest gets a vGPU with the toolstack wrapper.
bench_vgpu() {
    guest_config bv1 "vgpu = [ \"type=refgpu-8,uuid=$BENCH_UUID\" ]" || return $?
    sh "$BIN/vgpu-xl" create "$OUT/bv1.cfg" || return 1
    guest_domid bv1 >"$OUT/.domid-bv1"
    bench_collect bv1 vgpu-backend && guest_gone bv1 60
}

: >"$OUT/bench-rig.tsv"
step null-server bench_null
step backend-start backend_start
step vgpu-backend bench_vgpu
step backend-stop backend_stop
step leak-check leak_check
