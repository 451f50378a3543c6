# Runs in the ioreq-echo job's guest: read the function that dom0's
# ioreq-echo emulates (config space through sysfs, BAR0 through /dev/mem)
# and check the values it is known to answer.
d=/sys/bus/pci/devices/0000:00:05.0
if [ ! -d $d ]; then
    echo "RIG-GUEST: no PCI function 00:05.0"; ls /sys/bus/pci/devices; exit 1
fi
v=$(cat $d/vendor) dev=$(cat $d/device) class=$(cat $d/class)
echo "RIG-GUEST: pci 00:05.0 vendor $v device $dev class $class"
echo 1 >$d/enable 2>/dev/null       # memory decoding on, if firmware left it off
bar=$(awk 'NR == 1 { print $1 }' $d/resource)
echo "RIG-GUEST: bar0 $bar"
m0=$(devmem $bar 32)
m4=$(devmem $((bar + 4)) 32)
devmem $((bar + 0x10)) 32 0x12345678
e=$(devmem $((bar + 0x10)) 32)
echo "RIG-GUEST: mmio +0=$m0 +4=$m4 echo=$e"
[ "$v" = 0x1234 ] && [ "$dev" = 0x6770 ] && [ "$m0" = 0x4543484F ] &&
    [ "$m4" = 0xEC000004 ] && [ "$e" = 0x12345678 ]
