#!/bin/sh
# build-rig.sh: build the Xen test rig images into the cache, once per recipe.
#
#   sh tests/rig/build-rig.sh        prints the cache directory on stdout
#
# Output (in ${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}/<hash>/):
#   xen.elf       Xen hypervisor, unpacked (QEMU's multiboot loader wants an ELF)
#   vmlinuz       dom0 kernel, also used as the guest kernel
#   initrd.img    dom0 initramfs (Debian's: virtio_blk and ext4 are modules)
#   dom0.img      dom0 root filesystem, raw ext4 (booted with -snapshot)
#   busybox       static busybox for the guest initramfs (built per flight)
#   versions.txt  package versions inside the image
#
# <hash> covers every recipe file (see rig-hash.sh), so an edit to the
# package list, this script or the dom0 init rebuilds; nothing else does.
# The build happens in a temp directory renamed into place at the end, so
# an interrupted build never leaves a half-built cache entry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}
hash=$(sh "$here/rig-hash.sh")
out=$cache_root/$hash
if [ -f "$out/dom0.img" ]; then
    echo "$out"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-rig: needs root (debootstrap, chroot)" >&2; exit 1; }

mirror=${VGPU_RIG_MIRROR:-http://deb.debian.org/debian}
secmirror=${VGPU_RIG_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
mkdir -p "$cache_root"
tmp=$(mktemp -d "$cache_root/.build-$hash.XXXXXX")
root=$tmp/rootfs
log() { echo "build-rig: [$(date +%T)] $*" >&2; }
cleanup() {
    # /proc and /dev/pts are mounted into the chroot for package scripts;
    # they must go before the temp tree is removed.
    umount "$root/dev/pts" 2>/dev/null || true
    umount "$root/proc" 2>/dev/null || true
    umount "$root/sys" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap minbase bookworm into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -30 "$tmp/debootstrap.log" >&2; exit 1; }

# Current Xen/kernel come from bookworm-updates and bookworm-security, not main.
cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $secmirror bookworm-security main
SRC
# No daemon may start inside the chroot (xen-utils' postinst would try).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount -t devpts devpts "$root/dev/pts"

pkgs=$(grep -v '^#' "$here/packages.list" | tr '\n' ' ')
log "apt-get install: $pkgs"
chroot "$root" sh -c "export DEBIAN_FRONTEND=noninteractive LC_ALL=C
    apt-get update -qq && apt-get -y -qq dist-upgrade &&
    apt-get install -y -qq --no-install-recommends $pkgs" >"$tmp/apt.log" 2>&1 ||
    { tail -40 "$tmp/apt.log" >&2; exit 1; }
chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$tmp/versions.txt"
umount "$root/dev/pts" "$root/sys" "$root/proc"

log "configuring the image"
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
install -m 0755 "$here/dom0-init" "$root/sbin/rig-init"
mkdir -p "$root/share"
echo rig-dom0 >"$root/etc/hostname"
# Root login on the console is never used (CI has no terminal), but an
# empty fstab keeps tools from complaining.
: >"$root/etc/fstab"

log "extracting boot files"
zcat "$root"/boot/xen-4.17-amd64.gz >"$tmp/xen.elf"
cp "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)" "$tmp/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)" "$tmp/initrd.img"
cp "$root/bin/busybox" "$tmp/busybox"

log "making dom0.img (ext4 from the tree, no loop mount)"
truncate -s 3G "$tmp/dom0.img"
mke2fs -q -t ext4 -L rig-dom0 -d "$root" "$tmp/dom0.img"
rm -rf "$root"

# Publish atomically: rename is the commit point.
trap - EXIT
rm -rf "$out"
mv "$tmp" "$out"
log "done: $out"
echo "$out"
