# rig-timeout: 600
# xen-display: the guest's screen on the Xen daemon path.  dom0 runs
# vgpu-backend; `vgpu-xl create` starts an HVM guest whose config has a
# vgpu= line (refgpu-8: modes up to 1920x1080).  In the guest (the same
# script as kvm-display's) the DRM driver rgpu_drm replaces rgpu_uio, page
# flips complete by vblank events, fbcon draws the console on the vGPU, a
# banner goes to tty1 and the guest prints the hash of /dev/fb0's pixels
# with the vblank sequence.  Here in dom0: `vgpuctl screenshot` (the PNG
# stays in $OUT) must decode to the same RGB pixels (qmp-screendump
# --rgb-hash); the vGPU has the daemon's VNC (vnc=1 in its vgpu= entry)
# and a real VNC client, Debian's vncsnapshot, must see that picture too
# (its JPEG within 1 per channel of the screenshot: rgb-diff); the daemon
# tears the domain down cleanly and the VNC port is closed.
G=xd1
U=d15b1a70-0001-4a5e-8b1d-5c7e11f0a11d
PNG=xen-display-screenshot.png
export VGPUCTL="$BIN/vgpuctl"
trap backend_kill EXIT

xd_create() {
    [ -x "$BIN/qmp-screendump" ] || { echo "no $BIN/qmp-screendump (make rig)"; return $BROKEN; }
    guest_config $G "vgpu = [ \"type=refgpu-8,uuid=$U,vnc=1\" ]" || return $?
    sh "$BIN/vgpu-xl" create "$OUT/$G.cfg" || return 1
    guest_domid $G >"$OUT/.domid-$G"
    _a=$(vnc_address "$U") || return 1
    echo "VNC at $_a (vgpuctl list)"
    echo "${_a##*:}" >"$OUT/.vnc-port"
    guest_wait $G 'RIG-GUEST: init up' 400
}

xd_display() {
    guest_wait $G 'RIG-GUEST: display ready' 300 || return 1
    display_ready_ok "$OUT/guest-$G.console"
}

xd_screenshot() {
    set -x
    "$BIN/vgpuctl" screenshot "$U" "$OUT/$PNG" || return 1
    "$BIN/qmp-screendump" --rgb-hash "$OUT/$PNG" | tee "$OUT/screenshot-hash.txt" || return 1
    set +x
    display_hash_equal "$OUT/guest-fb.txt" "$OUT/screenshot-hash.txt"
}

# The held screen through the daemon's VNC, as a viewer sees it.
xd_vnc() {
    _a=$(vnc_address "$U") || return 1
    vnc_picture_equal "$_a" "$OUT/$PNG" xen-display-vnc
}

xd_done() {
    guest_wait $G 'RIG-GUEST: done rc=' 200 || return 1
    display_held_ok "$OUT/guest-$G.console"
}

xd_gone() {
    _dom=$(cat "$OUT/.domid-$G")
    guest_gone $G 120 || return 1
    backend_torn_down "$_dom" 20 || return 1
    vnc_port_closed "$(cat "$OUT/.vnc-port")" ||
        { echo "VNC port $(cat "$OUT/.vnc-port") still listening"; return 1; }
}

step backend-start backend_start
step guest-create xd_create
step guest-display xd_display
step screenshot xd_screenshot
step vnc-picture xd_vnc
step guest-done xd_done
step guest-gone xd_gone
step backend-stop backend_stop
step leak-check leak_check
