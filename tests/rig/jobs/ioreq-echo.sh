# rig-timeout: 600
# ioreq-echo: a dom0 userspace IOREQ server ($BIN/ioreq-echo, from
# tests/rig/ioreq-echo.c) owns PCI function 00:05.0 of a guest created
# paused; the guest (guest/ioreq-echo.sh) reads its config space and MMIO
# BAR and prints what it saw.

# The guest checks the values itself; show its lines here for the report.
echo_results() {
    guest_wait echo1 'RIG-GUEST: done rc=0' 120 || return 1
    grep 'RIG-GUEST' "$OUT/guest-echo1.console"
}

# The server exits when the guest is gone; its counters prove it served.
echo_stats() {
    wait_for 10 1 grep -q 'ioreq-echo: done' "$OUT/ioreq-echo-echo1.log" ||
        { echo "ioreq-echo did not exit"; cat "$OUT/ioreq-echo-echo1.log"; return 1; }
    cat "$OUT/ioreq-echo-echo1.log"
    grep 'ioreq-echo: done' "$OUT/ioreq-echo-echo1.log" |
        awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); n[kv[1]] = kv[2] } }
             END { exit !(n["cfg_read"] > 0 && n["mmio_read"] >= 3 && n["echo"] == "0x12345678") }'
}

guest_config echo1
step guest-create echo_server_start echo1
step guest-boot guest_wait echo1 'RIG-GUEST: init up' 400
step guest-workload echo_results
step guest-stop guest_gone echo1 60
step ioreq-stats echo_stats
step leak-check leak_check
