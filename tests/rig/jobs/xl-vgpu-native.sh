# rig-timeout: 720
# xl-vgpu-native: plain `xl` with the vgpu patch series (xen-patches/) does
# what toolstack/vgpu-xl does for stock xl.  The patched xl and
# libxenlight (built on the host by xen-patches/build.sh, same Xen 4.17 ABI
# as dom0's packages) are bind-mounted over the installed ones for the
# job, so every `xl` below, lib.sh's included, is the patched one.  Then:
#   - a vgpu entry with an unknown key: `xl create` fails naming the key,
#     and no domain is left;
#   - backend=mdev (vgpu-xl's only): `xl create` fails naming vgpu-xl;
#   - bad VNC keys (a bad value, vncport with vncdisplay, VNC keys without
#     vnc=1), an unknown key, an unknown backend: `xl create` fails with
#     the message `vgpuctl check-config` gives for the same config
#     (toolstack/vgpu_cfg.c), and no domain is left;
#   - no vgpu-backend running: `xl create` fails after 60 s saying the
#     backend did not connect, and leaves nothing behind;
#   - with vgpu-backend running, a type the daemon does not know: `xl create`
#     fails with the daemon's message and cleans up;
#   - a guest with vgpu = [ "type=refgpu-8,backend=daemon,vnc=1,vncdisplay=7" ]: plain
#     `xl create` (not paused) returns with the backend Connected and the
#     VNC nodes written in a backend directory only dom0 may read; `xl
#     vgpu-list` shows it with the VNC address the daemon published
#     (127.0.0.1:5907), as do `vgpu-xl vgpu-list` and `vgpuctl list`; the
#     guest sees 1234:6770 at 00:05.0 and passes the xen-vgpu workload
#     (vgpu-guest); the port listens, and a real VNC client (vncsnapshot)
#     sees the picture the guest then holds (rgpu-demo) exactly as `vgpuctl
#     screenshot` does; `xl destroy` removes the backend nodes, the daemon
#     tears the vGPU down and the port is closed.
# Needs $BIN/xl-vgpu and $BIN/libxenlight.so.4.17.0 (make xl-vgpu; the
# toolstack flight builds them).

XV_LOG=$BACKEND_LOG
XV_LIB=/usr/lib/x86_64-linux-gnu/libxenlight.so.4.17.0
XV_XL=/usr/lib/xen-4.17/bin/xl
XV_BASE=/local/domain/0/backend/vgpu
# The guest's vGPU VNC: vncdisplay=7 is port 5907 on localhost.
XV_VNC_DISPLAY=7
XV_VNC_ADDR=127.0.0.1:5907

# t SECS CMD...: CMD under a time limit.  A flight once hung for 10 minutes
# inside guest-create (QEMU at 100% CPU, dom0 alive) without saying where;
# now the log names the command and shows what was running.
t() {
    _lim=$1; shift
    timeout -k 5 "$_lim" "$@"
    _trc=$?
    if [ $_trc = 124 ] || [ $_trc = 137 ]; then
        echo "TIMEOUT: '$*' did not finish in ${_lim}s; busiest processes:"
        ps -eo pid,stat,pcpu,wchan:24,args --sort=-pcpu | head -15
        xl dmesg 2>/dev/null | tail -5
    fi
    return $_trc
}

# Whatever happens to the steps: the daemon stops, the stock toolstack
# comes back (lazily: an xl daemon of a guest may still run the patched one).
xv_cleanup() {
    backend_kill
    umount -l "$XV_XL" 2>/dev/null
    umount -l "$XV_LIB" 2>/dev/null
}
trap xv_cleanup EXIT

xv_install() {
    for f in xl-vgpu libxenlight.so.4.17.0; do
        [ -f "$BIN/$f" ] || { echo "$BIN/$f missing: build it with 'make xl-vgpu'"; return "$BROKEN"; }
    done
    [ -f "$XV_LIB" ] && [ -f "$XV_XL" ] || { echo "dom0 has no $XV_LIB or $XV_XL"; return "$BROKEN"; }
    dpkg-query -W xen-utils-4.17 libxenmisc4.17
    mount --bind "$BIN/libxenlight.so.4.17.0" "$XV_LIB" || return 1
    mount --bind "$BIN/xl-vgpu" "$XV_XL" || return 1
    # The patched xl must load (same sonames as dom0's libraries) and know vgpu-list.
    ldd "$XV_XL" | grep -E 'xenlight|xenctrl|xlutil|not found'
    ! ldd "$XV_XL" | grep -q 'not found' || return 1
    xl help 2>&1 | grep vgpu-list || { echo "xl has no vgpu-list: not the patched xl"; return 1; }
    xl info | grep -E '^(xen_version|xen_extra)'
}

# xv_no_domain NAME: no domain NAME and no vgpu backend nodes left.
xv_no_domain() {
    if xl domid "$1" >/dev/null 2>&1; then
        echo "domain $1 exists after the failed create:"; xl list; return 1
    fi
    _left=$(xenstore-list "$XV_BASE" 2>/dev/null)
    [ -z "$_left" ] || { echo "vgpu backend nodes left for domains: $_left"; xenstore-ls -f "$XV_BASE"; return 1; }
    echo "no domain $1, no backend nodes"
}

# An unknown key in a vgpu entry: xl refuses the config, naming the key.
xv_bad_key() {
    guest_config xbad 'vgpu = [ "type=refgpu-8,colour=red" ]'
    if xl create "$OUT/xbad.cfg" >"$OUT/xbad.out" 2>&1; then
        cat "$OUT/xbad.out"; echo "xl create accepted an unknown vgpu key"; return 1
    fi
    cat "$OUT/xbad.out"
    grep -q "unknown vgpu key 'colour'" "$OUT/xbad.out" || { echo "message does not name 'colour'"; return 1; }
    # and a bad value, named too
    guest_config xbad2 'vgpu = [ "type=refgpu-8,bdf=00:45.0" ]'
    if xl create "$OUT/xbad2.cfg" >"$OUT/xbad2.out" 2>&1; then
        cat "$OUT/xbad2.out"; echo "xl create accepted bdf 00:45.0"; return 1
    fi
    cat "$OUT/xbad2.out"
    grep -q "bdf '00:45.0'" "$OUT/xbad2.out" || { echo "message does not name the bdf"; return 1; }
    # backend=mdev is vgpu-xl's: xl says so
    guest_config xbad3 'vgpu = [ "type=refgpu-8,backend=mdev" ]'
    if xl create "$OUT/xbad3.cfg" >"$OUT/xbad3.out" 2>&1; then
        cat "$OUT/xbad3.out"; echo "xl create accepted backend=mdev"; xl destroy xbad3; return 1
    fi
    cat "$OUT/xbad3.out"
    grep -q "backend=mdev is not supported by xl.*vgpu-xl" "$OUT/xbad3.out" || { echo "message does not point to vgpu-xl"; return 1; }
    xv_no_domain xbad && xv_no_domain xbad2 && xv_no_domain xbad3
}

# No vgpu-backend running: xl create waits 60 s for Connected, then fails
# saying so, and libxl's teardown removes the nodes nobody answered.
xv_no_daemon() {
    guest_config xnod 'vgpu = [ "type=refgpu-8" ]'
    _t0=$(now)
    if xl create "$OUT/xnod.cfg" >"$OUT/xnod.out" 2>&1; then
        cat "$OUT/xnod.out"; echo "xl create succeeded without a vgpu backend"; xl destroy xnod; return 1
    fi
    echo "xl create failed after $(since "$_t0")s:"
    cat "$OUT/xnod.out"
    grep -q "vgpu 0 (type refgpu-8): the vgpu backend in domain 0 did not connect within 60s" "$OUT/xnod.out" ||
        { echo "no timeout message"; return 1; }
    xv_no_domain xnod
}

# A type the daemon does not offer: the daemon closes the device with an
# error; xl create fails with that message and destroys the domain.
xv_refused() {
    guest_config xref 'vgpu = [ "type=nosuch-type" ]'
    _t0=$(now)
    if xl create "$OUT/xref.cfg" >"$OUT/xref.out" 2>&1; then
        cat "$OUT/xref.out"; echo "xl create succeeded with an unknown vGPU type"; xl destroy xref; return 1
    fi
    echo "xl create failed after $(since "$_t0")s:"
    cat "$OUT/xref.out"
    grep -q "vgpu 0 (type nosuch-type)" "$OUT/xref.out" || { echo "no vgpu error message"; return 1; }
    grep -qi "nosuch-type.*unknown\|unknown.*nosuch-type" "$OUT/xref.out" || { echo "the daemon's reason is not shown"; return 1; }
    xv_no_domain xref
}

# Bad VNC keys, an unknown key, an unknown backend: xl refuses each config
# with the message the project's own parser (vgpuctl check-config) gives
# for it, naming the value.
xv_bad_vnc() {
    guest_config xvnc || return 1       # one config (and disk copy), one vgpu line each
    _i=0
    for _e in vnc=yes vnc=1,vnclisten=localhost vnc=1,vncport=65536 vnc=1,vncdisplay=x \
              vnc=1,vncpasswd=123456789 vnc=1,vncport=5901,vncdisplay=1 vncdisplay=1 \
              colour=red backend=qemu; do
        _i=$((_i + 1))
        { cat "$OUT/xvnc.cfg"; echo "vgpu = [ \"type=refgpu-8,$_e\" ]"; } >"$OUT/xvnc$_i.cfg"
        if xl create "$OUT/xvnc$_i.cfg" >"$OUT/xvnc$_i.out" 2>&1; then
            cat "$OUT/xvnc$_i.out"; echo "xl create accepted '$_e'"; xl destroy xvnc; return 1
        fi
        echo "$_e: $(cat "$OUT/xvnc$_i.out")"
        if _want=$("$BIN/vgpuctl" check-config "$OUT/xvnc$_i.cfg" 2>&1); then
            echo "vgpuctl check-config accepted '$_e'"; return 1
        fi
        _want=${_want#*: *: }           # "vgpuctl: FILE: MESSAGE"
        grep -qF "vgpu 0: $_want" "$OUT/xvnc$_i.out" ||
            { echo "xl's message is not vgpuctl's: '$_want'"; return 1; }
        xv_no_domain xvnc || return 1
    done
    rm -f /tmp/rig-xvnc.img
}

xv_create() {
    guest_config xg1 "vgpu = [ \"type=refgpu-8,backend=daemon,vnc=1,vncdisplay=$XV_VNC_DISPLAY\" ]"
    _t0=$(now)
    t 300 sh -c '. "$RIG/lib.sh"; . "$RIG/host.sh"; guest_create xg1' || { tail -30 "$XV_LOG"; return 1; }
    echo "xl create returned after $(since "$_t0")s"
    _dom=$(cat "$OUT/.domid-xg1")
    # No backend nodes after a successful create: the daemon's log says
    # whether it saw the device and why it let go of it.
    t 30 xenstore-ls -f "$XV_BASE/$_dom" || { echo "daemon log:"; tail -20 "$XV_LOG"; return 1; }
    _st=$(t 30 xenstore-read "$XV_BASE/$_dom/0/state")
    [ "$_st" = 4 ] || { echo "backend state $_st, not 4 (Connected), after xl create"; return 1; }
    # Into a variable first: t's TIMEOUT report must reach the log, not
    # vanish into the comparison.
    _bdf=$(t 30 xenstore-read "$XV_BASE/$_dom/0/bdf")
    [ "$_bdf" = 00:05.0 ] || { echo "default bdf is not 00:05.0: '$_bdf'"; return 1; }
    [ "$(t 30 xenstore-read "$XV_BASE/$_dom/0/type")" = refgpu-8 ] || { echo "type is not refgpu-8"; return 1; }
    _u=$(t 30 xenstore-read "$XV_BASE/$_dom/0/uuid")
    echo "$_u" | grep -Eq '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' || { echo "generated uuid '$_u' is not a UUID"; return 1; }
    echo "$_u" >"$OUT/.uuid-xg1"
    # libxl wrote the VNC keys as the daemon reads them (vncdisplay=N as
    # vncport), and the daemon published where it listens.
    _v=$(t 30 xenstore-read "$XV_BASE/$_dom/0/vnc" "$XV_BASE/$_dom/0/vnclisten" \
        "$XV_BASE/$_dom/0/vncport" "$XV_BASE/$_dom/0/vnc-listen" "$XV_BASE/$_dom/0/vnc-port" | tr '\n' ' ')
    [ "$_v" = "1 127.0.0.1 $((5900 + XV_VNC_DISPLAY)) 127.0.0.1 $((5900 + XV_VNC_DISPLAY)) " ] ||
        { echo "VNC nodes (vnc vnclisten vncport vnc-listen vnc-port): '$_v'"; return 1; }
    # Only dom0 may read the backend directory (it may hold a VNC
    # password): every node's permissions are exactly n0.
    t 30 xenstore-ls -p "$XV_BASE/$_dom" >"$OUT/backend-perms.txt" || return 1
    if grep -v '(n0)$' "$OUT/backend-perms.txt"; then
        echo "backend nodes readable by others (above)"; return 1
    fi
    echo "backend directory: $(wc -l <"$OUT/backend-perms.txt") nodes, all (n0)"
    echo "frontend:"
    t 30 xenstore-ls -f "/local/domain/$_dom/device/vgpu" || return 1
    # not paused: xl unpaused it itself once the vGPU was Connected
    echo "xl list:"
    t 60 xl list xg1 || return 1
    case $(t 60 sh -c '. "$RIG/lib.sh"; . "$RIG/host.sh"; guest_state xg1') in *p*) echo "guest left paused"; return 1 ;; esac
}

xv_list() {
    t 60 xl vgpu-list xg1 >"$OUT/vgpu-list.out" 2>&1
    cat "$OUT/vgpu-list.out"
    _dom=$(cat "$OUT/.domid-xg1")
    awk -v d="$_dom" -v v="$XV_VNC_ADDR" '$1 == d && $2 == 0 && $4 == "4/connected" && $5 == "refgpu-8" &&
        $6 == "00:05.0" && $8 == v { f = 1 } END { exit !f }' "$OUT/vgpu-list.out" ||
        { echo "vgpu-list does not show devid 0 connected refgpu-8 at 00:05.0, VNC $XV_VNC_ADDR"; return 1; }
    # The wrapper for stock xl and vgpuctl show the same address.
    t 60 "$BIN/vgpu-xl" vgpu-list xg1 >"$OUT/vgpu-xl-list.out" 2>&1
    cat "$OUT/vgpu-xl-list.out"
    awk -v d="$_dom" -v v="$XV_VNC_ADDR" '$1 == d && $2 == 0 && $8 == v { f = 1 } END { exit !f }' \
        "$OUT/vgpu-xl-list.out" || { echo "vgpu-xl vgpu-list does not show VNC $XV_VNC_ADDR"; return 1; }
    _a=$(vnc_address "$(cat "$OUT/.uuid-xg1")") || return 1
    [ "$_a" = "$XV_VNC_ADDR" ] || { echo "vgpuctl list shows VNC $_a"; return 1; }
    # libxl keeps the vGPUs in the domain's stored configuration
    t 60 xl list -l xg1 >"$OUT/xl-list-l.json" 2>&1
    grep -A 8 '"vgpus"' "$OUT/xl-list-l.json" || { echo "no vgpus in xl list -l:"; tail -20 "$OUT/xl-list-l.json"; return 1; }
}

xv_guest_pci() {
    guest_wait xg1 'RIG-GUEST: waiting for xl destroy' 400 || return 1
    grep 'RIG-GUEST' "$OUT/guest-xg1.console"
    grep -q 'RIG-GUEST: xl-vgpu-native PASS' "$OUT/guest-xg1.console" && vgpu_guest_ok xg1
}

# The vGPU's VNC port listens while the guest runs, and a real VNC client
# (vncsnapshot) sees the picture the guest holds (rgpu-demo) exactly as the
# daemon's screenshot does (PNG and JPEG kept).
xv_vnc() {
    ss -Hltn "sport = :${XV_VNC_ADDR##*:}" | grep . || { echo "nothing listens on $XV_VNC_ADDR"; ss -Hltn; return 1; }
    guest_wait xg1 'RIG-GUEST: demo done' 120 || return 1
    _u=$(cat "$OUT/.uuid-xg1")
    t 60 "$BIN/vgpuctl" screenshot "$_u" "$OUT/xl-vgpu-native-screenshot.png" || return 1
    _a=$(vnc_address "$_u") || return 1
    vnc_picture_equal "$_a" "$OUT/xl-vgpu-native-screenshot.png" xl-vgpu-native-vnc
}

# xl destroy: the generic device teardown removes the backend (and
# frontend and libxl) nodes; the daemon tears the vGPU down.
xv_destroy() {
    _dom=$(cat "$OUT/.domid-xg1")
    _t0=$(now)
    t 120 xl destroy xg1 || return 1
    echo "xl destroy returned after $(since "$_t0")s"
    _bad=0
    if xenstore-read "$XV_BASE/$_dom/0/state" >/dev/null 2>&1; then
        echo "backend nodes still there:"; xenstore-ls -f "$XV_BASE/$_dom"; _bad=1
    else
        echo "backend $XV_BASE/$_dom/0: gone"
    fi
    if xenstore-read "/libxl/$_dom/device/vgpu/0/backend" >/dev/null 2>&1; then
        echo "libxl's device node still there"; _bad=1
    fi
    backend_torn_down "$_dom" 20 || { echo "daemon logged no teardown of dom$_dom"; _bad=1; }
    grep "dom$_dom" "$XV_LOG" | tail -12
    domain_gone "$_dom" 20 || _bad=1
    # The vGPU's VNC went with it: the port is free.
    if wait_for 10 0.5 vnc_port_closed "${XV_VNC_ADDR##*:}"; then
        echo "VNC port ${XV_VNC_ADDR##*:}: closed"
    else
        echo "VNC port ${XV_VNC_ADDR##*:} still listening"; _bad=1
    fi
    _p=$(backend_pid)
    kill -0 "$_p" 2>/dev/null || { echo "daemon died"; _bad=1; }
    return $_bad
}

step xl-install xv_install
step create-bad-key xv_bad_key
step create-bad-vnc xv_bad_vnc
step create-no-daemon xv_no_daemon
step daemon-start backend_start
step create-refused xv_refused
step guest-create xv_create
step vgpu-list xv_list
step guest-pci xv_guest_pci
step vnc xv_vnc
step destroy xv_destroy
step daemon-stop backend_stop
step leak-check leak_check
