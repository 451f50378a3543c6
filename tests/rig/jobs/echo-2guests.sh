# rig-timeout: 600
# echo-2guests: a rig diagnostic, not in ci.  Two HVM guests at once, each
# hammering its own null IOREQ server (ioreq-echo) with trapped MMIO for a
# minute: the load of xen-vgpu-2guests without vgpu-backend or any vGPU.
# If dom0 processes still segfault (docs/rig.md), the project's daemon is
# not what corrupts them.  The step fails on any dom0 segfault.
echo_two() {
    guest_config e1 && guest_config e2 || return 1
    echo_server_start e1 || return 1
    guest_wait e1 'MMIO-BENCH: read round=0' 400 || return 1
    echo_server_start e2 || return 1
    guest_wait e2 'RIG-GUEST: done rc=' 400
    guest_wait e1 'RIG-GUEST: done rc=' 400
    grep -a 'MMIO-BENCH' "$OUT/guest-e1.console" "$OUT/guest-e2.console" | tail -n 6
}

no_segfault() {
    if dmesg | grep ' segfault at '; then echo "dom0 processes crashed"; return 1; fi
    echo "no dom0 segfault"
}

step two-guests echo_two
step dom0-segfaults no_segfault
step guest-stop guest_gone e1 60
step leak-check leak_check
