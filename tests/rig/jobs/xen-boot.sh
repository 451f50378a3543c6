# rig-timeout: 60
# xen-boot: Xen and dom0 are up (the shared host-boot and xen-daemons steps
# prove that); here the toolstack answers and offers HVM.

hvm_caps() {
    xl info >"$OUT/xl-info.txt" || return 1
    grep -E '^(xen_version|virt_caps|nr_cpus|total_memory|free_memory)' "$OUT/xl-info.txt"
    grep '^virt_caps' "$OUT/xl-info.txt" | grep -qw hvm
}

dom0_alone() {
    xl list
    [ "$(xl list | awk 'NR > 1' | wc -l)" -eq 1 ]
}

step xl-info hvm_caps
step xl-list dom0_alone
