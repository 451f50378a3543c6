#!/bin/sh
# build.sh: build the kvm-l1 rig image into the cache, once per recipe.
#
#   sh tests/rig/kvm-l1/build.sh     prints the cache directory on stdout
#
# A plain Debian 12 Linux (no Xen) that QEMU boots under TCG with -cpu max as
# the L1 host of the KVM path: kvm_amd (nested SVM), vfio, mdev, QEMU 7.2 for
# the L2 guest, mdevctl.  The project's module and scripts come on the 9p
# share at flight time, never in the image.
#
# Output (in ${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}/kvm-l1-<hash>/):
#   vmlinuz, initrd.img   L1 kernel + Debian initramfs (also the L2 kernel)
#   l1.img                root filesystem, raw ext4, booted with -snapshot
#   busybox               static busybox for the L2 guest initramfs
#   versions.txt          package versions (the kernel ABI the module needs)
#   kernel-release        `uname -r` of the image's kernel
# The build runs in a temp directory renamed into place as its last act.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}
hash=$(sh "$here/hash.sh")
out=$cache_root/kvm-l1-$hash
if [ -f "$out/l1.img" ]; then
    echo "$out"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "kvm-l1: needs root (debootstrap, chroot)" >&2; exit 1; }

mirror=${VGPU_RIG_MIRROR:-http://deb.debian.org/debian}
secmirror=${VGPU_RIG_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
mkdir -p "$cache_root"
tmp=$(mktemp -d "$cache_root/.build-kvm-l1-$hash.XXXXXX")
root=$tmp/rootfs
log() { echo "kvm-l1: [$(date +%T)] $*" >&2; }
cleanup() {
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
# The current kernel (the one linux-headers-amd64 on the host matches) is in
# bookworm-security / bookworm-updates.
cat >"$root/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $secmirror bookworm-security main
SRC
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
install -m 0755 "$here/l1-init" "$root/sbin/rig-init"
mkdir -p "$root/share"
echo rig-l1 >"$root/etc/hostname"
: >"$root/etc/fstab"

log "extracting boot files"
vmlinuz=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
cp "$vmlinuz" "$tmp/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)" "$tmp/initrd.img"
echo "${vmlinuz##*/vmlinuz-}" >"$tmp/kernel-release"
cp "$root/bin/busybox" "$tmp/busybox"

log "making l1.img (ext4 from the tree, no loop mount)"
truncate -s 4G "$tmp/l1.img"
mke2fs -q -t ext4 -L rig-l1 -d "$root" "$tmp/l1.img"
rm -rf "$root"

trap - EXIT
rm -rf "$out"
mv "$tmp" "$out"
log "done: $out"
echo "$out"
