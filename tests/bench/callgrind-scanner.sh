#!/bin/sh
# callgrind-scanner.sh BENCH_BIN OUTDIR
#
# The scanner's cost in instructions per dword (docs/benchmarks.md, metric
# 3): callgrind counts, which do not depend on the machine's load, so this
# can be run on a busy machine where the timed ratio cannot.  The bench
# suite runs under callgrind with a dump after every scan (scan_once); the
# last measured scan of each stream is taken, vgpu_scan_ring inclusive, and
# divided by the batch's dwords and commands the suite prints.
set -eu
bin=$1
out=$2
reps=5
mkdir -p "$out"
rm -f "$out"/cg.*

valgrind --tool=callgrind --dump-after=scan_once --callgrind-out-file="$out/cg.%p" \
    "$bin" --only scanner --reps $reps --json "$out/callgrind-run.json" > "$out/callgrind.log" 2>&1 ||
    { tail "$out/callgrind.log" >&2; exit 1; }
sizes=$(sed -n 's/^bench: scanner: realistic \([0-9]*\) dwords \([0-9]*\) commands; worst case \([0-9]*\) dwords \([0-9]*\) commands$/\1 \2 \3 \4/p' \
        "$out/callgrind.log")
[ -n "$sizes" ] || { echo "callgrind-scanner: the suite printed no stream sizes" >&2; exit 1; }

# Dumps 1..reps+1 are the realistic stream's scans (warm-up first), the
# next reps+1 the worst case's.
ir_of() {
    f=$(ls "$out"/cg.*."$1")
    callgrind_annotate --inclusive=yes "$f" |
        awk '/cmd_scan.c:vgpu_scan_ring / { gsub(",", "", $1); print $1; exit }'
}
real_ir=$(ir_of $((reps + 1)))
worst_ir=$(ir_of $((2 * reps + 2)))
[ -n "$real_ir" ] && [ -n "$worst_ir" ] ||
    { echo "callgrind-scanner: no vgpu_scan_ring in the dumps" >&2; exit 1; }
set -- $sizes
awk -v rir="$real_ir" -v rdw="$1" -v rcmd="$2" -v wir="$worst_ir" -v wdw="$3" -v wcmd="$4" 'BEGIN {
    print "scanner, instructions per scan (callgrind, vgpu_scan_ring inclusive, one steady-state scan):";
    printf "%-10s %12s %10s %10s %12s %12s\n", "stream", "Ir/scan", "dwords", "commands",
           "Ir/dword", "Ir/command";
    printf "%-10s %12d %10d %10d %12.1f %12.1f\n", "realistic", rir, rdw, rcmd, rir / rdw, rir / rcmd;
    printf "%-10s %12d %10d %10d %12.1f %12.1f\n", "worst", wir, wdw, wcmd, wir / wdw, wir / wcmd;
}'
