# rig-timeout: 1200
# flake-loop: boot the hvm-guest guest repeatedly to measure the rig's
# known flake (guest triple fault under TCG nested SVM; docs/rig.md).
# Not in the smoke flight.  Each boot is one step; unlike a normal job a
# failed boot does not block the next (the point is to count them).
# Experiments: flight.py --guest-cfg 'hap=0' / --accel tcg,thread=single.
n=${FLAKE_LOOP_N:-12}
boot_once() {
    guest_create "$1" || return 1
    guest_wait "$1" 'RIG-GUEST: done rc=0' 240 || return 1
    guest_gone "$1" 30
}
i=1
while [ $i -le $n ]; do
    guest_config loop$i
    step boot-$i boot_once loop$i
    if [ -f "$OUT/flake" ]; then mv "$OUT/flake" "$OUT/flake-$i"; fi
    xl destroy loop$i 2>/dev/null
    _job_failed=
    i=$((i + 1))
done
nf=$(ls "$OUT"/flake-* 2>/dev/null | wc -l)
note "$nf of $n guest boots hit the known flake; $(grep -c 'pass' "$OUT/steps.tsv") passed"
