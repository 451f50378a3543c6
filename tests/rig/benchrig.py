#!/usr/bin/env python3
"""benchrig.py: the bench-rig job's rounds -> build/bench/rig-results.json.

    python3 tests/rig/benchrig.py FLIGHT_DIR OUT_JSON

Reads FLIGHT_DIR/bench-rig/bench-rig.tsv (path, op, round, per_sec; written
in dom0 by tests/rig/jobs/bench-rig.sh), prints a table of the medians and
writes one object per figure in the shape of `make bench`'s results.json
(name, value, unit, goal, min, median, max, runs), plus the ratio of the
vgpu-backend path to the null IOREQ server (docs/benchmarks.md metric 7:
reported, not a goal).  Exit 1 if a path has no rounds.
"""
import json
import os
import statistics
import sys


def load(tsv):
    rounds = {}
    with open(tsv) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) == 4:
                rounds.setdefault((p[0], p[1]), []).append(float(p[3]))
    return rounds


def figure(name, values, unit, note):
    return {"name": name, "value": round(statistics.median(values), 1), "unit": unit,
            "goal": None, "min": round(min(values), 1), "median": round(statistics.median(values), 1),
            "max": round(max(values), 1), "runs": len(values), "note": note}


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    flight, out = sys.argv[1], sys.argv[2]
    rounds = load(os.path.join(flight, "bench-rig", "bench-rig.tsv"))
    note = "TCG-emulated Xen rig: relative figures only (flight %s)" % os.path.basename(
        os.path.realpath(flight))
    results, ok = [], True
    print("%-34s %12s %12s %12s %5s" % ("figure", "median", "min", "max", "runs"))
    for op in ("read", "write"):
        med = {}
        for path in ("null", "vgpu-backend"):
            v = rounds.get((path, op))
            if not v:
                print("bench-rig: no %s rounds for %s" % (op, path), file=sys.stderr)
                ok = False
                continue
            f = figure("rig_mmio_%s_%s_per_sec" % (op, path.replace("-", "_")), v, "ops/s", note)
            results.append(f)
            med[path] = f["median"]
            print("%-34s %12.1f %12.1f %12.1f %5d" % (f["name"], f["median"], f["min"], f["max"],
                                                     f["runs"]))
        if len(med) == 2 and med["null"]:
            r = round(med["vgpu-backend"] / med["null"], 3)
            results.append({"name": "rig_mmio_%s_backend_vs_null" % op, "value": r,
                            "unit": "ratio", "goal": None, "min": r, "median": r, "max": r,
                            "runs": 1, "note": note})
            print("%-34s %12.3f   (vgpu-backend / null server, same flight)" %
                  ("rig_mmio_%s_backend_vs_null" % op, r))
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    print("bench-rig: %s" % out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
