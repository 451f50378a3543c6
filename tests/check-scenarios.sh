#!/bin/sh
# check-scenarios.sh - each vGPU scenario is defined in exactly one file.
#
# The scenarios live once, in guest/scenarios/ (scn_<name>), run by both
# harnesses: vgpu-sim (tests/sim/) and vgpu-guest (guest/vgpu_guest.c).  A
# harness's own scenario is named <prefix>_scn_<name> (sim_scn_multi,
# vg_scn_probe).  This fails when
#   - a scenario name is defined by more than one function (a copy: e.g.
#     sim_scn_fill beside scn_fill), or twice;
#   - a runner's table names a scenario twice, or names a function that is
#     not defined exactly once;
#   - the two runners' tables give one name to different functions.
# Run from the top of the tree (make check-scenarios).
set -eu
cd "${1:-.}"
runners="guest/vgpu_guest.c tests/sim/sim_main.c"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Definitions: "name function file:line", from every C file of both sides
# (static ones too: a file's private copy is a copy all the same).
find guest tests -name '*.c' | sort | xargs awk '
    /^(static )?bool [a-z0-9_]*scn_[a-z0-9_]+\((struct scn \*[a-z_]+|struct sim_machine \*[a-z_]+|void)\)$/ {
        fn = $0; sub(/^(static )?bool /, "", fn); sub(/\(.*/, "", fn)
        name = fn; sub(/^([a-z0-9]+_)*scn_/, "", name)
        print name, fn, FILENAME ":" FNR
    }' >"$tmp/defs"

rc=0
# A name defined more than once.
awk '{ n[$1]++; at[$1] = at[$1] " " $2 " (" $3 ")" }
     END { for (k in n) if (n[k] > 1) print "scenario " k " is defined " n[k] " times:" at[k] }' \
    "$tmp/defs" >"$tmp/dups"
if [ -s "$tmp/dups" ]; then cat "$tmp/dups" >&2; rc=1; fi

# The runners' tables: { "name", function, ... }.
for r in $runners; do
    awk -v r="$r" '/^    \{ "[a-z0-9_]+", [a-z0-9_]+,/ {
        name = $2; gsub(/[",]/, "", name); fn = $3
        if (fn == "NULL,") fn = $4              # vgpu-sim: its own scenario
        sub(/,$/, "", fn)
        print name, fn, r
    }' "$r"
done >"$tmp/tables"
[ -s "$tmp/tables" ] || { echo "check-scenarios: no scenario table found in $runners" >&2; exit 1; }
awk 'NR == FNR { def[$2]++; next }
     { key = $3 " " $1
       if (seen[key]++) print $3 ": scenario " $1 " listed twice"
       if (def[$2] != 1) print $3 ": scenario " $1 ": " $2 " defined " def[$2] + 0 " times"
       if (($1 in fn) && fn[$1] != $2) print "scenario " $1 " is " fn[$1] " in " file[$1] \
           " but " $2 " in " $3
       fn[$1] = $2; file[$1] = $3 }' "$tmp/defs" "$tmp/tables" >"$tmp/bad"
if [ -s "$tmp/bad" ]; then cat "$tmp/bad" >&2; rc=1; fi

[ $rc = 0 ] && echo "check-scenarios: $(wc -l <"$tmp/defs") scenarios, each defined once" \
    "($(awk '$3 ~ /^guest\/scenarios\// { n++ } END { print n + 0 }' "$tmp/defs") shared by" \
    "vgpu-sim and vgpu-guest)"
exit $rc
