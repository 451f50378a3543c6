#!/bin/sh
# xen-patches/build.sh - build Debian's libxenlight + xl with the vgpu series.
#
#   sh xen-patches/build.sh          prints the result directory on stdout
#
# Fetches Debian's xen source package (apt-get source: needs a deb-src line
# for bookworm + bookworm-security; see README.md), which applies Debian's
# own patches, applies ours (series) with patch -p1, configures the tree the
# way debian/rules does, and builds only what xl needs: tools/include,
# tools/libs (libxenlight and the libraries it links against) and tools/xl.
#
# Results, outside the repository:
#   ${VGPU_RIG_CACHE:-~/.cache/vgpu-rig}/xl-vgpu-<hash>/
#       libxenlight.so.4.17.0   xl   SOURCE-VERSION   build.log
# <hash> covers the patches, the series and this script: nothing is rebuilt
# while they are unchanged.  The scratch tree is xl-vgpu-work/ next to it
# (removed after a successful build unless XL_VGPU_KEEP=1).
#
# Source version: the one of the installed Xen packages (xen-utils-4.17, or
# libxen-dev on a build host) when apt can fetch it, else the newest 4.17
# source apt offers (libxenlight's ABI is stable across 4.17.x; the
# version used is recorded in SOURCE-VERSION and printed).
# Builds run under nice -n 19: QEMU flights share the machine.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}
JOBS=${XL_VGPU_JOBS:-2}
NICE="nice -n 19"

PATCHES=$(grep -v '^[[:space:]]*\(#\|$\)' "$HERE/series")
HASH=$( (cd "$HERE" && cat series $PATCHES build.sh) | sha256sum | cut -c1-16)
OUT=$CACHE/xl-vgpu-$HASH
WORK=$CACHE/xl-vgpu-work

say() { echo "xl-vgpu: $*" >&2; }
die() { say "$*"; exit 1; }

if [ -f "$OUT/.done" ]; then
    say "cached: $OUT ($(cat "$OUT/SOURCE-VERSION"))"
    echo "$OUT"
    exit 0
fi

for t in apt-get dpkg-source patch autoconf autoheader make gcc; do
    command -v $t >/dev/null || die "$t is missing (apt-get install dpkg-dev patch autoconf make gcc)"
done

# ------------------------------------------------------------ the source
want=
for p in xen-utils-4.17 libxenmisc4.17 libxen-dev; do
    want=$(dpkg-query -W -f '${Version}' "$p" 2>/dev/null || true)
    [ -n "$want" ] && break
done
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
versions=$(apt-cache showsrc xen 2>/dev/null | sed -n 's/^Version: //p' | grep '^4\.17\.' | sort -rV | uniq)
[ -n "$versions" ] || die "apt knows no xen 4.17 source: add deb-src lines (see xen-patches/README.md) and apt-get update"
got=
tried=
for v in $want $versions; do
    [ "$v" = "$want" ] && [ -n "$got$tried" ] && continue
    tried=1
    if apt-get source --download-only "xen=$v" >"$WORK/fetch.log" 2>&1; then
        got=$v
        break
    fi
    say "cannot fetch xen source $v ($(grep -m1 '^E:' "$WORK/fetch.log" || echo failed))"
done
[ -n "$got" ] || die "no xen 4.17 source could be fetched"
if [ -n "$want" ] && [ "$got" != "$want" ]; then
    say "WARNING: installed Xen is $want but building from source $got (same libxenlight ABI within 4.17)"
fi
say "source xen $got"
dsc=$(ls "$WORK"/xen_*.dsc)
# dpkg-source applies debian/patches (quilt series) while unpacking.
$NICE dpkg-source --no-check -x "$dsc" src >"$WORK/unpack.log" 2>&1 || die "dpkg-source failed: $WORK/unpack.log"
cd src

# ------------------------------------------------------------ our patches
for p in $PATCHES; do
    say "applying $p"
    patch -p1 --no-backup-if-mismatch -s <"$HERE/$p" || die "$p does not apply to xen $got"
done

# ------------------------------------------------------------ configure
# As debian/rules (override_dh_auto_configure), minus what xl does not need.
LOG=$WORK/build.log
say "configuring (log: $LOG)"
{
    cp /usr/share/misc/config.sub /usr/share/misc/config.guess .
    $NICE ./autogen.sh
    $NICE ./configure --disable-stubdom --prefix=/usr --includedir=/usr/include \
        --libdir=/usr/lib/x86_64-linux-gnu --with-libexec-libdir-suffix=/x86_64-linux-gnu \
        --sysconfdir=/etc --localstatedir=/var --with-libexec-leaf-dir=xen-4.17 \
        --disable-blktap1 --disable-blktap2 --disable-qemu-traditional --disable-rombios \
        --with-system-qemu=/usr/libexec/xen-qemu-system-i386 \
        --with-system-seabios=/usr/share/seabios/bios-256k.bin \
        --disable-ocamltools --disable-golang --disable-docs --disable-pvshim
} >"$LOG" 2>&1 || die "configure failed (missing -dev packages? see README.md): $(tail -3 "$LOG")"

# ------------------------------------------------------------ build
say "building tools/include, tools/libs, tools/xl (nice 19, -j$JOBS)"
t0=$(date +%s)
{
    $NICE make -C tools/include
    $NICE make -j"$JOBS" -C tools/libs
    $NICE make -j"$JOBS" -C tools/xl
} >>"$LOG" 2>&1 || die "build failed: $(grep -m5 -E 'error|Error' "$LOG")"
say "built in $(($(date +%s) - t0))s"

rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp"
cp tools/libs/light/libxenlight.so.4.17.0 tools/xl/xl "$OUT.tmp/"
echo "xen $got + $(echo $PATCHES | wc -w) vgpu patches" >"$OUT.tmp/SOURCE-VERSION"
cp "$LOG" "$OUT.tmp/build.log"
touch "$OUT.tmp/.done"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
cd /
[ "${XL_VGPU_KEEP:-0}" = 1 ] || rm -rf "$WORK"
echo "$OUT"
