# rig-timeout: 720
# xen-vgpu: the Xen path end to end.  dom0 runs the vgpu-backend daemon
# ($BIN/vgpu-backend, dom0-backend/); the job plays the toolstack: it
# creates an HVM guest (2 vCPUs) paused, writes the vGPU's xenstore backend
# nodes the way docs/runbook.md describes, waits for the daemon to answer
# Connected, and unpauses.  In the guest, vgpu-guest
# (tests/rig/guest-bin/) drives the vGPU through the guest library and
# prints one RIG-GUEST line per scenario (after rgpu-dirty, the log-dirty
# check); then irq and display by INTx, and
# every scenario again with DMA by grant (the daemon maps the guest's grants).  Then the guest powers off and
# the job checks that the daemon tore the domain down cleanly (no zombie
# domain: foreign mappings released), stays up, and exits 0 on SIGTERM.
# The vGPU has the daemon's VNC (vnc=1): before the guest finishes,
# rgpu-demo holds a picture on the plane and a real VNC client
# (vncsnapshot) must see exactly what `vgpuctl screenshot` sees; after the
# domain is gone its port must be closed.

VG_TYPE=refgpu-8
VG_UUID=5a1d0e7c-0b1e-4c5e-9a47-6f2d3c4b5a69
VG_BDF=00:05.0
VG_LOG=$BACKEND_LOG

vg_base() { echo "/local/domain/0/backend/vgpu/$(cat "$OUT/.domid-vg1")/0"; }

# Whatever happens to the steps, the daemon does not outlive the job.
trap backend_kill EXIT

# xs_state: the device's state node, or "none".
vg_state() { xenstore-read "$(vg_base)/state" 2>/dev/null || echo none; }

# vg_connected: the device is Connected (0), or Closed ($WAIT_STOP).
vg_connected() {
    _st=$(vg_state)
    case $_st in
        4) return 0 ;;
        6) return "$WAIT_STOP" ;;
    esac
    return 1
}

vg_guest_create() {
    guest_create vg1 -p || return 1
    _dom=$(cat "$OUT/.domid-vg1")
    _b=$(vg_base)
    # The device's parameters first, state last: the daemon acts on state 1.
    xenstore-write "$_b/type" "$VG_TYPE" "$_b/uuid" "$VG_UUID" "$_b/bdf" "$VG_BDF" \
        "$_b/frontend" "/local/domain/$_dom/device/vgpu/0" "$_b/frontend-id" "$_dom" \
        "$_b/vnc" 1 "$_b/vnclisten" 127.0.0.1 "$_b/vncport" 0 "$_b/online" 1 || return 1
    _t0=$(now)
    xenstore-write "$_b/state" 1 || return 1
    wait_for 30 0.2 vg_connected
    case $? in
        0) ;;
        "$WAIT_STOP") echo "daemon closed the device: $(xenstore-read "$_b/error" 2>&1)"
           cat "$VG_LOG"; return 1 ;;
        *) echo "no Connected (state $_st) after 30s"; cat "$VG_LOG"; return 1 ;;
    esac
    echo "state 4 (Connected) after $(since "$_t0")s"
    xenstore-ls -f "$_b"
    # The daemon published its VNC where tools look, and vgpuctl agrees.
    _p=$(xenstore-read "$_b/vnc-port") || { echo "no vnc-port published"; return 1; }
    [ "$(vnc_address "$VG_UUID")" = "$(xenstore-read "$_b/vnc-listen"):$_p" ] ||
        { echo "vgpuctl list and xenstore disagree on the VNC address"; "$BIN/vgpuctl" list; return 1; }
    echo "$_p" >"$OUT/.vnc-port"
    # Still paused: the server's ioreq page is mapped, by the daemon's count
    # and the kernel's, and the domain's IOREQ thread runs (the counts the
    # teardown expects back at baseline).
    backend_holdings paused || return 1
    set -- $(cat "$OUT/.holdings-paused")
    [ "$4" = 1 ] && [ "$6" -gt "$(cut -d' ' -f6 "$OUT/.holdings-base")" ] ||
        { echo "the ioreq page mapping is not visible"; return 1; }
    [ "$8" = 1 ] || { echo "IOREQ threads: $8, want one (a lane per domain)"; return 1; }
    xl unpause vg1
}

# vgpu-guest passed every scenario (interrupts by MSI), then irq and
# display again by INTx, then every scenario with DMA by grant; the guest's
# script rc 0.  The grant run went through the daemon's grant mappings
# (xengnttab): its grant_pages_peak rose from 0 (the first two runs use
# guest-physical addresses only); the teardown then checks they are all gone.
vg_results() {
    guest_wait vg1 'RIG-GUEST: done rc=' 400
    _rc=$?
    grep -a 'RIG-GUEST' "$OUT/guest-vg1.console"
    [ $_rc = 0 ] || return 1
    vgpu_guest_ok vg1 || return 1
    sed -n '/RIG-GUEST: intx run begin/,/RIG-GUEST: intx run rc=/p' "$OUT/guest-vg1.console" |
        tr -d '\r' >"$OUT/intx-run.txt"
    grep -q '^PASS irq .* by intx' "$OUT/intx-run.txt" && grep -q '^PASS display' "$OUT/intx-run.txt" &&
        grep -q 'RIG-GUEST: intx run rc=0' "$OUT/intx-run.txt" ||
        { echo "interrupts by INTx did not pass:"; cat "$OUT/intx-run.txt"; return 1; }
    vgpu_guest_grant_ok vg1 || return 1
    grep -q 'RIG-GUEST: done rc=0' "$OUT/guest-vg1.console" || return 1
    # The guest's memory went through the map cache, and was counted (the
    # teardown expects the live count back at 0); the grant run's pages
    # through grant mappings, counted the same way.
    backend_holdings workload
    [ "$(cut -d' ' -f2 "$OUT/.holdings-workload")" -gt 0 ] ||
        { echo "no foreign frame was ever counted"; return 1; }
    [ "$(cut -d' ' -f7 "$OUT/.holdings-workload")" -gt 0 ] ||
        { echo "the grant run mapped no grant in the daemon (grant_pages_peak 0)"; return 1; }
    echo "grant pages: $(cut -d' ' -f7 "$OUT/.holdings-workload") at most at once, $(cut -d' ' -f3 "$OUT/.holdings-workload") still mapped"
}

# The domain is gone: the daemon noticed, freed the vGPU and its server,
# removed the backend nodes, and released every foreign mapping (a mapping
# left behind keeps the domain a zombie in `xl list`).
# rgpu-demo (the guest script's last run) holds its picture: the daemon's
# screenshot and a VNC client's picture must match (PNG and JPEG kept).
vg_vnc_picture() {
    guest_wait vg1 'RIG-GUEST: demo done' 400 || return 1
    "$BIN/vgpuctl" screenshot "$VG_UUID" "$OUT/xen-vgpu-screenshot.png" || return 1
    _a=$(vnc_address "$VG_UUID") || return 1
    vnc_picture_equal "$_a" "$OUT/xen-vgpu-screenshot.png" xen-vgpu-vnc
}

vg_teardown() {
    _dom=$(cat "$OUT/.domid-vg1")
    _bad=0
    backend_torn_down "$_dom" 20 || { echo "no teardown logged"; _bad=1; }
    grep "dom$_dom" "$VG_LOG" | tail -20
    grep -q "dom$_dom is gone" "$VG_LOG" || { echo "daemon did not log dom$_dom's death"; _bad=1; }
    # The server's counters: config cycles and MMIO must both have been served.
    grep "dom$_dom: served" "$VG_LOG" | tr -d '(' |
        awk '{ for (i = 1; i < NF; i++) { if ($(i+1) == "config,") c = $i
                                          if ($(i+1) == "MMIO,") m = $i } }
             END { exit !(c > 0 && m > 0) }' ||
        { echo "ioreq counters missing or zero"; _bad=1; }
    _st=$(xenstore-read "/local/domain/0/backend/vgpu/$_dom/0/state" 2>/dev/null)
    case $_st in
        ""|6) echo "backend node: ${_st:-removed}" ;;
        *) echo "backend node still state $_st"; _bad=1 ;;
    esac
    domain_gone "$_dom" 20 || _bad=1
    # The vGPU's VNC went with it: the port is free.
    vnc_port_closed "$(cat "$OUT/.vnc-port")" ||
        { echo "VNC port $(cat "$OUT/.vnc-port") still listening"; _bad=1; }
    _p=$(backend_pid)
    if [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null; then
        echo "daemon still running (pid $_p)"
    else
        echo "daemon died"; return 1
    fi
    # Nothing of the domain is left in the daemon: no foreign, grant or
    # ioreq-page mapping (its count and the kernel's), heap as before.
    backend_holdings after
    backend_released base after || _bad=1
    return $_bad
}

guest_config vg1
# Its vGPU comes from xenstore nodes, not the config: tell check_flake.
guest_device vg1
# Two vCPUs: IOREQs arrive on either vCPU's event channel.
sed -i 's/^vcpus = 1$/vcpus = 2/' "$OUT/vg1.cfg"
step daemon-start backend_start
step daemon-baseline backend_holdings base
step guest-create vg_guest_create
step guest-boot guest_wait vg1 'RIG-GUEST: init up' 400
step log-dirty logdirty_check vg1
step vnc-picture vg_vnc_picture
step guest-workload vg_results
step guest-stop guest_gone vg1 60
step teardown vg_teardown
step daemon-stop backend_stop
step leak-check leak_check
