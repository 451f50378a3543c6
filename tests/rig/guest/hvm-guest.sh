# Runs in the hvm-guest job's guest: show what the guest sees.
echo "RIG-GUEST: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB"
grep -q 'Xen HVM' /sys/hypervisor/type 2>/dev/null || dmesg | grep -m1 -i 'Hypervisor detected' | sed 's/^/RIG-GUEST: /'
exit 0
