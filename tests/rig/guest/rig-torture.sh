# Runs in every guest of the rig-torture job: busy until dom0 destroys it.
# With the null IOREQ server (ioreq-echo's 1234:6770 at 00:05.0): trapped
# MMIO reads and writes (mmio-bench, 10 s a round); with a vGPU: vgpu-guest,
# every scenario verifying its own results, one round after another.  One
# line per round, which the job counts as the guest's heartbeat:
#     RIG-GUEST: torture round N rc=R
# (R not 0: a wrong result in the guest; vgpu-guest's FAIL lines are kept).
d=/sys/bus/pci/devices/0000:00:05.0
[ -d $d ] || { echo "RIG-GUEST: no PCI function 00:05.0"; exit 1; }
id="$(cat $d/vendor):$(cat $d/device)"
echo "RIG-GUEST: torture device $id"
mkdir -p /tmp
i=0
if [ "$id" = 0x1234:0x6770 ]; then
    echo 1 >$d/enable 2>/dev/null
    while :; do
        i=$((i + 1))
        /bin/mmio-bench 0000:00:05.0 0x10 1 >/tmp/round.log 2>&1
        rc=$?
        [ $rc = 0 ] || tail -3 /tmp/round.log
        echo "RIG-GUEST: torture round $i rc=$rc"
    done
fi
echo 0 >/proc/sys/vm/compact_unevictable_allowed 2>/dev/null
while :; do
    i=$((i + 1))
    /bin/vgpu-guest >/tmp/round.log 2>&1
    rc=$?
    grep '^FAIL ' /tmp/round.log
    echo "RIG-GUEST: torture round $i rc=$rc"
done
