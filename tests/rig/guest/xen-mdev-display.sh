# xen-mdev-display: the same guest half as kvm-display (tests/rig/guest/kvm-display.sh).
. /guest/kvm-display.sh
