#!/bin/sh
# callgrind-mediated.sh BENCH_BIN OUTDIR
#
# The cross-check of mediated_vs_native (docs/benchmarks.md, metric 1):
# instructions executed per job on each path, in every thread, counted by
# callgrind.  Unlike time, the counts do not depend on the machine's load,
# so they say how much of the timed gap is work the mediated path adds
# (trap, scan, shadow copy, queueing, slices) and how much is waiting or
# the machine.
#
# Callgrind runs ~50x slower than the CPU, so it cannot calibrate the job
# sizes itself: a short timed run of the suite sizes them first, and the
# callgrind run reuses its jobs and stretches the scheduler's time slice by
# its own slowdown (VGPU_BENCH_MEDIATED_JOBS), so a job is cut into as many
# slices as in real time.  Under callgrind, bench_mediated.c brackets one
# block of each path per size with client requests; each dump's summary is
# that block's instructions, all threads together.
set -eu
bin=$1
out=$2
mkdir -p "$out"
rm -f "$out"/cg.*

jobs=$("$bin" --only mediated --scale 0.2 --json "$out/sizing.json" 2>&1 >/dev/null |
       sed -n 's/^bench: mediated: [^:]*: job \([0-9.@]*\) .*/\1/p' | paste -sd, -)
[ -n "$jobs" ] || { echo "callgrind-mediated: the sizing run printed no jobs" >&2; exit 1; }

VGPU_BENCH_MEDIATED_JOBS=$jobs valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" \
    "$bin" --only mediated --json "$out/callgrind-run.json" > "$out/callgrind.log" 2>&1 ||
    { tail "$out/callgrind.log" >&2; exit 1; }

# Dump headers: "desc: Trigger: Client Request: <path> <size> jobs=N rows=R",
# then "summary: <Ir>"; "discard" dumps only reset the counters.
cat "$out"/cg.*.* | awk -v jobs="$jobs" '
    /^desc: Trigger: Client Request:/ { path = $5; size = $6; n = $7; rows = $8 }
    /^summary:/ && path != "discard" {
        sub("jobs=", "", n); sub("rows=", "", rows);
        ir[size, path] = $2 / n; r[size] = rows
    }
    END {
        split("0.1ms 1ms 10ms", sizes, " ");
        printf "mediated vs native, instructions per job (callgrind, all threads; jobs %s):\n", jobs;
        printf "%-8s %8s %16s %16s %14s %10s\n", "job", "rows", "native Ir/job",
               "mediated Ir/job", "added Ir/job", "Ir ratio";
        for (i = 1; i <= 3; i++) {
            s = sizes[i]; nat = ir[s, "native"]; med = ir[s, "mediated"];
            if (!nat || !med) { print "callgrind-mediated: no counts for " s; exit 1 }
            printf "%-8s %8d %16.0f %16.0f %14.0f %10.4f\n", s, r[s], nat, med, med - nat,
                   nat / med;
        }
        print "(Ir ratio = native / mediated instructions: the time ratio if time followed them)"
    }'
