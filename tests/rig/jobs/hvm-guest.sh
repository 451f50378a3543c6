# rig-timeout: 600
# hvm-guest: an HVM guest (rig kernel + busybox initramfs, direct kernel
# boot) reaches its init, runs guest/hvm-guest.sh and powers itself off.

guest_config hvm1
step guest-create guest_create hvm1
step guest-boot guest_wait hvm1 'RIG-GUEST: init up' 400
step guest-workload guest_wait hvm1 'RIG-GUEST: done rc=0' 60
step guest-stop guest_gone hvm1 60
step leak-check leak_check
