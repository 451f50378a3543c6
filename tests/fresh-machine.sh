#!/bin/sh
# fresh-machine.sh: run the README's commands as a new user does, on a fresh
# Debian 12 root, first command after the clone.
#
#   sh tests/fresh-machine.sh [options] test|demo     make test / make demo
#   sh tests/fresh-machine.sh [options] -- CMD...     any command in the clone
#
# What a new user starts from (the base): `debootstrap --variant=minbase
# bookworm` plus git, make and ca-certificates, apt sources for bookworm,
# bookworm-updates and bookworm-security as a Debian 12 install has them, and
# nothing else: no compiler, no linux-headers, no Xen libraries, no QEMU.
# The base is built once and cached (keyed by this script) in
# ${VGPU_FRESH_CACHE:-$HOME/.cache/vgpu-fresh}/base-<hash>/; every run works
# on a throwaway overlay of it, so each run is fresh, and is removed after.
#
# The committed HEAD of this repository is cloned into the root's
# /root/xen-vgpu and the command runs there as root, with /proc, /sys, /dev
# and the host's /run/lock (the rig's one-VM-at-a-time lock) bound.  The rig's
# image cache is the host's (${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}, bound at
# the root's ~/.cache/vgpu-rig) unless --empty-cache.
#
# Options:
#   --empty-cache   start with an empty rig image cache (images, their kernel
#                   headers and the xl-vgpu build are made from scratch)
#   --keep          keep the throwaway root (its path is printed) for a look
#   --rev REV       clone and check out REV instead of HEAD
#   -h, --help      this text
#
# Output: the command's output, also in build/fresh-machine/<time>-<cmd>.log
# (and the clone's newest flight and build/demo in <time>-<cmd>/), then one
# line `fresh-machine: PASS|FAIL (<cmd>, <seconds> s, rc <n>)`.
# Exit status: the command's.  Needs root (debootstrap, chroot, mounts).
set -eu
usage() { sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
empty_cache= keep= rev=HEAD
while [ $# -gt 0 ]; do
    case "$1" in
        --empty-cache) empty_cache=1 ;;
        --keep) keep=1 ;;
        --rev) rev=${2:?--rev needs a revision}; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; break ;;
        test|demo) set -- make "$1"; break ;;
        *) echo "fresh-machine: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ $# -gt 0 ] || { usage >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "fresh-machine: needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
command -v debootstrap >/dev/null || sh "$repo/mk/ensure-packages" debootstrap
log() { echo "fresh-machine: [$(date +%T)] $*" >&2; }

# ------------------------------------------------------------ the base
mirror=${VGPU_RIG_MIRROR:-http://deb.debian.org/debian}
secmirror=${VGPU_RIG_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
cache=${VGPU_FRESH_CACHE:-$HOME/.cache/vgpu-fresh}
hash=$(cat "$0" | sha256sum | cut -c1-16)
base=$cache/base-$hash
if [ ! -f "$base/.complete" ]; then
    log "building the base root (minbase + git, make, ca-certificates) in $base"
    mkdir -p "$cache"
    tmpb=$(mktemp -d "$cache/.base-$hash.XXXXXX")
    if ! debootstrap --variant=minbase --include=git,make,ca-certificates bookworm \
            "$tmpb/root" "$mirror" >"$tmpb/debootstrap.log" 2>&1; then
        tail -30 "$tmpb/debootstrap.log" >&2
        rm -rf "$tmpb"
        exit 1
    fi
    cat >"$tmpb/root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $secmirror bookworm-security main
SRC
    # A machine that has never run apt-get update: no package lists.
    rm -rf "$tmpb/root/var/lib/apt/lists/"* "$tmpb/root/var/cache/apt/archives/"*.deb
    touch "$tmpb/root/.complete"
    rm -rf "$base"
    mv "$tmpb/root" "$base"
    rm -rf "$tmpb"
fi

# ------------------------------------------------------------ the run
name=$(echo "$*" | tr -c 'a-zA-Z0-9\n' - | cut -c1-40)
logdir=$repo/build/fresh-machine
mkdir -p "$logdir"
runlog=$logdir/$(date +%Y%m%d-%H%M%S)-$name.log
work=$(mktemp -d "${TMPDIR:-/var/tmp}/vgpu-fresh.XXXXXX")
root=$work/root
mounted=""
teardown() {
    # Innermost first; lazily, so a process the command left behind cannot
    # keep the host's /dev or cache bound into a directory we remove.
    for m in $mounted; do umount -l "$m" 2>/dev/null || true; done
    if [ -n "$keep" ]; then log "kept the root: $root"; else rm -rf "$work"; fi
}
trap teardown EXIT
trap 'exit 130' INT TERM
bind() { # bind SRC DST [rbind]
    mkdir -p "$2"
    mount "--${3:-bind}" "$1" "$2"
    mounted="$2 $mounted"
}
mkdir -p "$work/upper" "$work/ovwork" "$root"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovwork" "$root"
mounted="$root"
mount -t proc proc "$root/proc"; mounted="$root/proc $mounted"
bind /sys "$root/sys" rbind
bind /dev "$root/dev" rbind
mkdir -p /run/lock
bind /run/lock "$root/run/lock"
if [ -z "$empty_cache" ]; then
    rigcache=${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}
    mkdir -p "$rigcache"
    bind "$rigcache" "$root/root/.cache/vgpu-rig"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

log "cloning $(git -C "$repo" rev-parse --short "$rev") into $root/root/xen-vgpu"
git clone -q --no-local "$repo" "$root/root/xen-vgpu"
git -C "$root/root/xen-vgpu" checkout -q "$rev"

log "running '$*' (log: $runlog)"
t0=$(date +%s)
# The pipe to tee hides the command's status: the command leaves it in a file.
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    sh -c 'cd /root/xen-vgpu && "$@" </dev/null; echo $? >/root/.fresh-rc' sh "$@" 2>&1 |
    tee "$runlog" || true
rc=$(cat "$root/root/.fresh-rc" 2>/dev/null || echo none)
# The evidence outlives the throwaway root: the newest flight (report, job
# and guest logs) and the demo's pictures, next to the log.
keepdir=${runlog%.log}
for d in flights/latest demo; do
    src=$root/root/xen-vgpu/build/$d
    [ -e "$src" ] || continue
    mkdir -p "$keepdir"
    cp -rL "$src" "$keepdir/${d##*/}" 2>/dev/null || true
done
[ -d "$keepdir" ] && log "kept the flight report and logs in $keepdir"
secs=$(( $(date +%s) - t0 ))
if [ "$rc" = 0 ]; then verdict=PASS; else verdict=FAIL; fi
echo "fresh-machine: $verdict ($*, $secs s, rc $rc, log $runlog)" | tee -a "$runlog"
[ "$rc" = 0 ]
