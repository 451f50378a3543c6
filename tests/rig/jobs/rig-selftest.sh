# rig-timeout: 60
# rig-selftest: exercises the runner itself (no guest, a few seconds): a step
# that hits a simulated "known flake" on the first attempt makes run.sh
# retry the job once; the second attempt passes and the report says
# "retried".  Run it after changing run.sh, lib.sh, dom0/host.sh or flight.py:
#   make flight JOBS=rig-selftest

flaky_once() {
    if [ ! -d "$OUT.try1" ]; then
        echo "simulated rig flake (rig-selftest)" >"$OUT/flake"
        echo "first attempt: simulated flake"
        return 1
    fi
    echo "second attempt: pass"
}

step flaky-once flaky_once
step after-flaky true
