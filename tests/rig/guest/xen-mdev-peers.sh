# Runs in the xen-mdev-peers job's guest: Linux's sample mdevs from dom0,
# through QEMU-xen's vfio-pci and the Xen VFIO IOMMU backend.
#  - mtty (PCI 4348:3253): two 16550A ports that loop written bytes back.
#    The kernel's 8250_pci driver must have bound it (its ttyS lines in
#    dmesg); on each port a line goes out and must come back, and the
#    device's interrupt count (/proc/interrupts) must grow meanwhile.
#  - mbochs (PCI 1234:1111, with display=off: its display needs OpenGL,
#    which QEMU-xen lacks): the bochs DISPI id register in its MMIO BAR2
#    reads 0xB0C5 and a word written into its memory BAR0 reads back (busybox
#    devmem, each access trapped to QEMU).
#  - mdpy (PCI 1b36:000f): a framebuffer in BAR0.  mdpy-bands (guest-bin/)
#    paints four colour bands; the job then takes QEMU's screendump in dom0,
#    checks it and sends a harmless SysRq over xenstore (`xl sysrq <guest> 4`:
#    console loglevel 4, what `quiet` set already), which is what we wait
#    for (at most 180 s) before finishing.  (The ACPI power button does not
#    reach this guest: its handler, button.ko, is not in the initramfs.)
rc=0

# pci_find VENDOR DEVICE: the sysfs directory of the first such function.
pci_find() {
    for f in /sys/bus/pci/devices/*; do
        [ "$(cat "$f/vendor")" = "$1" ] && [ "$(cat "$f/device")" = "$2" ] && { echo "$f"; return 0; }
    done
    return 1
}

# pci_show DIR: what lspci -nk would say (busybox has no lspci).
pci_show() {
    drv=$(readlink "$1/driver" 2>/dev/null)
    echo "RIG-GUEST: pci ${1##*/} $(cut -c3- "$1/vendor"):$(cut -c3- "$1/device") class $(cat "$1/class") irq $(cat "$1/irq") driver ${drv##*/} bar0 $(head -1 "$1/resource")"
}

# irq_count IRQ: the interrupts taken on IRQ, all CPUs.
irq_count() {
    awk -v i="$1:" '$1 == i { s = 0; for (k = 2; k <= NF && $k ~ /^[0-9]+$/; k++) s += $k; print s; f = 1 }
        END { if (!f) print 0 }' /proc/interrupts
}

# mtty_echo TTY IRQ: a line out and back through one port.  The port stays
# open throughout (the driver takes the interrupt only while it is open,
# and bytes arriving on a closed port are dropped); raw, no echo, or the
# tty would send every byte it receives back into the loop.  A subshell: a
# failed `exec` redirection ends the shell it runs in.
mtty_echo() (
    want="rig-mtty-$1"
    [ -c "/dev/$1" ] || { echo "RIG-GUEST: mtty no /dev/$1"; exit 1; }
    exec 3<>"/dev/$1" || exit 1
    stty raw -echo clocal <&3
    i0=$(irq_count "$2")
    printf '%s\n' "$want" >&3
    got=
    read -t 10 -r got <&3
    i1=$(irq_count "$2")
    exec 3<&-
    n=$((i1 - i0))
    echo "RIG-GUEST: mtty $1 serial: $(grep "^${1#ttyS}: " /proc/tty/driver/serial)"
    if [ "$got" = "$want" ] && [ "$n" -gt 0 ]; then
        echo "RIG-GUEST: mtty $1 echo ok '$got' irq $2 interrupts $i0 -> $i1 (+$n)"
        exit 0
    fi
    echo "RIG-GUEST: mtty $1 echo FAILED: sent '$want', got '$got', irq $2 interrupts $i0 -> $i1"
    exit 1
)

m=$(pci_find 0x4348 0x3253)
if [ -z "$m" ]; then
    echo "RIG-GUEST: mtty: no 4348:3253 function"; ls /sys/bus/pci/devices; rc=1
else
    pci_show "$m"
    bdf=${m##*/}
    ports=$(dmesg | sed -n "s/.*$bdf: \(ttyS[0-9]*\) at .*/\1/p")
    dmesg | grep "$bdf: ttyS" | sed 's/^/RIG-GUEST: mtty dmesg: /'
    [ -n "$ports" ] || { echo "RIG-GUEST: mtty: the 8250 driver registered no port for $bdf"; rc=1; }
    for p in $ports; do
        mtty_echo "$p" "$(cat "$m/irq")" || { echo "RIG-GUEST: mtty $p failed"; rc=1; }
    done
    grep "$(cat "$m/irq"):" /proc/interrupts | sed 's/^ */RIG-GUEST: mtty interrupts: /'
fi
echo "RIG-GUEST: mtty done rc=$rc"

b=$(pci_find 0x1234 0x1111)
if [ -z "$b" ]; then
    echo "RIG-GUEST: mbochs: no 1234:1111 function"; rc=1
else
    pci_show "$b"
    bar0=$(sed -n '1s/ .*//p' "$b/resource") bar2=$(sed -n '3s/ .*//p' "$b/resource")
    id=$(devmem $((bar2 + 0x500)) 16)
    devmem $((bar0 + 0x1000)) 32 0x5a5aa5a5
    v=$(devmem $((bar0 + 0x1000)) 32)
    if [ "$id" = 0xB0C5 ] && [ "$v" = 0x5A5AA5A5 ]; then
        echo "RIG-GUEST: mbochs ok: DISPI id $id at BAR2 $bar2 + 0x500, BAR0 $bar0 + 0x1000 wrote 0x5A5AA5A5 read $v"
    else
        echo "RIG-GUEST: mbochs FAILED: DISPI id '$id' (want 0xB0C5), BAR0 word '$v' (want 0x5A5AA5A5)"; rc=1
    fi
fi

# dom0's go-ahead: the SysRq handler logs "Loglevel set to 4".
echo 1 >/proc/sys/kernel/sysrq
sysrq_count() { dmesg | grep -c 'sysrq: Loglevel set to'; }
p0=$(sysrq_count)
d=$(pci_find 0x1b36 0x000f)
if [ -z "$d" ]; then
    echo "RIG-GUEST: mdpy: no 1b36:000f function"; r=1
else
    pci_show "$d"
    /bin/mdpy-bands "${d##*/}"
    r=$?
fi
[ $r = 0 ] || rc=1
echo "RIG-GUEST: mdpy-step rc=$r: waiting for dom0's screendump"
s0=$(cut -d. -f1 /proc/uptime) go="none within 180 s"
while [ $(($(cut -d. -f1 /proc/uptime) - s0)) -lt 180 ]; do
    [ "$(sysrq_count)" = "$p0" ] || { go="dom0's SysRq after $(($(cut -d. -f1 /proc/uptime) - s0)) s"; break; }
    sleep 1
done
echo "RIG-GUEST: go-ahead: $go"
exit $rc
