# rig-timeout: 720
# xen-mdev: the vGPU as a VFIO mdev on Xen, served by stock QEMU-xen.
# dom0 loads the same vgpu_mdev.ko the KVM path uses (no kvm.ko needed) and
# the Xen VFIO IOMMU backend vfio_iommu_xen.ko (guest memory by foreign and
# grant mapping instead of type1), creates an instance through sysfs, and
# starts an HVM guest whose device model is Debian's qemu-system-xen behind
# the wrapper vgpu-qemu-dm (toolstack/), which binds the mdev to the domain
# before QEMU opens it: `device_model_args_hvm` gives QEMU
# `-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/<uuid>`.  In the guest,
# the same vgpu-guest run as xen-vgpu (guest/xen-mdev.sh): every scenario,
# interrupts by MSI and by INTx, every scenario again with DMA by grant
# (grants mapped by vfio_iommu_xen), write tracking through the Xen tracker
# vgpu_mdev_xen (an in-kernel IOREQ server claiming p2m_ioreq_server).
# Then: teardown with every live count of the backend and the tracker back
# to its baseline and no zombie domain; a second guest started by the
# toolstack (vgpu-xl, vgpu= with backend=mdev) and destroyed by it
# mid-workload, the same checks; the instance removed, the
# modules unloaded, and dom0's kernel log without a warning or oops.  The
# instance is made and removed with mdevctl; a third guest started without
# the wrapper (so type1 gets QEMU's container) must find its guest memory
# refused by vgpu_mdev, never reached through type1.
# MDEV, XSYS, QEMU_XEN and the helpers for mdevs on Xen: lib.sh.
PARENT=/sys/class/mdev_bus/rgpu0
TYPES=$PARENT/mdev_supported_types
U=7a1c3e52-0000-4000-8000-00000000e001

# Whatever happens to the steps, no instance outlives the job.
cleanup() {
    xl destroy xm1 2>/dev/null
    xl destroy xm2 2>/dev/null
    xl destroy xm3 2>/dev/null
    for _u in "$U" "$U2"; do
        [ -e "$MDEV/$_u" ] && echo 1 >"$MDEV/$_u/remove" 2>/dev/null
    done
    return 0
}
trap cleanup EXIT

XTSYS=/sys/kernel/vgpu_mdev_xen
# xsys_counts (lib.sh) counts the Xen write tracker's live counts too.
XSYS_EXTRA=$XTSYS

module_load() {
    set -x
    mdev_modules_install vgpu_mdev vgpu_mdev_kvm vgpu_mdev_xen vfio_iommu_xen || return
    # The same module as on KVM, and it needs no KVM here.
    modinfo -F depends "$BIN/vgpu_mdev.ko"
    modinfo -F depends "$BIN/vgpu_mdev.ko" | tr , '\n' | grep -qx kvm && { echo "vgpu_mdev depends on kvm"; return 1; }
    xen_vfio_load || return 1
    # Its soft dependencies bring the write trackers; here Xen's serves.
    modprobe vgpu_mdev || return 1
    lsmod | grep -E '^(vgpu|vfio|mdev|kvm)'
    lsmod | grep -q '^vgpu_mdev_xen ' || { echo "the Xen write tracker did not load"; return 1; }
    [ -d "$TYPES/rgpu-refgpu-8" ] || { echo "no rgpu-refgpu-8 type"; return 1; }
    xsys_baseline
}

# The instance through mdevctl, as an administrator would on KVM: the
# parent's types listed, a transient instance started by UUID.
mdev_create() {
    set -x
    mdevctl types || return 1
    mdevctl types | grep -q 'rgpu-refgpu-8' || { echo "mdevctl does not list the types"; return 1; }
    mdevctl start -u "$U" -p rgpu0 -t rgpu-refgpu-8 || return 1
    mdevctl list
    mdevctl list | grep -q "$U rgpu0 rgpu-refgpu-8" || { echo "mdevctl does not list $U"; return 1; }
    [ -e "$MDEV/$U" ] || return 1
    _g=$(basename "$(readlink "$MDEV/$U/iommu_group")")
    [ -e "/dev/vfio/$_g" ] || { echo "no /dev/vfio/$_g"; return 1; }
}

# guest_create_mdev NAME: an HVM guest whose QEMU-xen gets the instance
# through vgpu-qemu-dm; the mdev must be bound to the new domain and served
# by our backend (type1 unused).
guest_create_mdev() {
    [ -x "$QEMU_XEN" ] || { echo "no $QEMU_XEN"; return $BROKEN; }
    cat >>"$OUT/$1.cfg" <<EOF
device_model_override = "$BIN/vgpu-qemu-dm"
device_model_args_hvm = [ "-device", "vfio-pci,sysfsdev=$MDEV/$U" ]
EOF
    guest_create "$1" || { tail -30 "/var/log/xen/qemu-dm-$1.log"; return 1; }
    cat "/var/log/xen/qemu-dm-$1.log"
    # QEMU's container is ours, and type1 serves nobody.
    mdev_bound "$1" "$U"
}

mdev_results() {
    guest_wait xm1 'RIG-GUEST: done rc=' 400
    _rc=$?
    grep -a 'RIG-GUEST' "$OUT/guest-xm1.console"
    xsys_counts >"$OUT/.xsys-workload"
    cat "$OUT/.xsys-workload"
    dmesg | grep -E 'vgpu_mdev|vfio_iommu_xen' | tail -30
    grep -H . "$XTSYS"/* 2>/dev/null
    [ $_rc = 0 ] || return 1
    vgpu_guest_ok xm1 || return 1
    dmesg | grep -q 'opened (write tracking: xen)' || { echo "the Xen tracker did not serve the instance"; return 1; }
    # The grant run: the guest's grant addresses were pinned through grant
    # mappings of vfio_iommu_xen (the teardown's counts_back then finds
    # grant_pages back at its baseline, 0).
    vgpu_guest_grant_ok xm1 || return 1
    _gm=$(cat "$XSYS/stats/grant_maps_total" 2>/dev/null)
    echo "vfio_iommu_xen: grant_maps_total ${_gm:-?}, grant_pages $(cat "$XSYS/stats/grant_pages")"
    [ "${_gm:-0}" -gt 0 ] || { echo "the grant run mapped no grant in vfio_iommu_xen"; return 1; }
}

mdev_teardown() {
    set -x
    guest_gone xm1 60 || return 1
    domains_gone || return 1
    counts_back after-xm1
}

# A second guest the way an administrator starts one: `vgpu-xl create` on a
# config with `vgpu = [ "type=refgpu-4,backend=mdev,uuid=$U2" ]` creates
# the instance, starts the domain with vgpu-qemu-dm and the vfio-pci
# device, and records it in xenstore.  The guest is destroyed with
# `vgpu-xl destroy` while vgpu-guest works (frames pinned, the engine busy,
# the tracker's IOREQ server live): the instance must be removed, its
# records gone, and every mapping let go of all the same.
U2=7a1c3e52-0000-4000-8000-00000000e002
VG_XSR=/local/domain/0/backend/vgpu-mdev
destroy_mid_workload() {
    guest_config xm2 "vgpu = [ \"type=refgpu-4,backend=mdev,uuid=$U2\" ]"
    export VGPUCTL="$BIN/vgpuctl" VGPU_QEMU_DM="$BIN/vgpu-qemu-dm"
    sh "$BIN/vgpu-xl" create "$OUT/xm2.cfg" || { tail -30 /var/log/xen/qemu-dm-xm2.log; return 1; }
    guest_domid xm2 >"$OUT/.domid-xm2"
    _d=$(cat "$OUT/.domid-xm2")
    sh "$BIN/vgpu-xl" vgpu-list "$_d"
    xenstore-ls -f "$VG_XSR/$_d" || { echo "no xenstore records of dom$_d's mdev"; return 1; }
    "$BIN/vgpuctl" list
    "$BIN/vgpuctl" list | grep "$U2" | grep -q mdev || { echo "vgpuctl list does not show $U2"; return 1; }
    mdev_bound xm2 "$U2" || return 1
    guest_wait xm2 'PASS fill' 400 || return 1
    set -x
    xsys_counts
    sh "$BIN/vgpu-xl" destroy xm2 || return 1
    domains_gone || return 1
    [ ! -e "$MDEV/$U2" ] || { echo "vgpu-xl destroy left the instance $U2"; return 1; }
    ! xenstore-ls "$VG_XSR/$_d" 2>/dev/null || { echo "vgpu-xl destroy left xenstore records"; return 1; }
    counts_back after-xm2 || return 1
    dmesg | grep -E 'vgpu_mdev|vfio_iommu_xen' | tail -12
}

# Stock QEMU-xen without the wrapper: nothing binds the instance, so our
# backend refuses the group and QEMU's container falls to type1, whose view
# of guest memory under Xen is QEMU's own memory.  vgpu_mdev must refuse
# every guest memory access then (the guest's work fails; dom0 and the
# other counts are untouched), and say why.
type1_refused() {
    guest_config xm3 "device_model_args_hvm = [ \"-device\", \"vfio-pci,sysfsdev=$MDEV/$U\" ]"
    guest_create xm3 || return 1
    _t1=$(type1_users)
    echo "vfio_iommu_type1 use count: $_t1"
    [ "${_t1:-0}" -gt 0 ] || { echo "QEMU's container is not type1's"; return 1; }
    guest_wait xm3 'FAIL ' 400 || return 1
    set -x
    dmesg | grep 'refusing guest memory access' ||
        { echo "vgpu_mdev did not refuse guest memory through type1"; return 1; }
    xl destroy xm3 || return 1
    domains_gone || return 1
    _t1=$(type1_users)
    [ "$_t1" = 0 ] || { echo "type1 still in use: $_t1"; return 1; }
    counts_back after-xm3
}

mdev_remove() {
    mdevctl stop -u "$U" || return 1
    [ ! -e "$MDEV/$U" ] || { echo "instance still there"; return 1; }
    [ "$(cat "$TYPES/rgpu-refgpu-8/available_instances")" -gt 0 ]
}

modules_unload() {
    set -x
    rmmod vgpu_mdev_xen vgpu_mdev_kvm || return 1
    rmmod vgpu_mdev || return 1
    rmmod vfio_iommu_xen || return 1
    lsmod | grep -E '^(vgpu|vfio)'
    return 0
}

guest_config xm1
step module-load module_load
step mdev-create mdev_create
step guest-create guest_create_mdev xm1
step guest-boot guest_wait xm1 'RIG-GUEST: init up' 400
step log-dirty logdirty_check xm1
step guest-workload mdev_results
step teardown mdev_teardown
step destroy-mid-workload destroy_mid_workload
step type1-refused type1_refused
step mdev-remove mdev_remove
step modules-unload modules_unload
step kernel-log kernel_log_clean
step leak-check leak_check
