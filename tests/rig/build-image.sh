#!/bin/sh
# build-image.sh HOST: build one rig host image into the cache, once per
# recipe and kernel; print its cache directory on stdout.
#
#   sh tests/rig/build-image.sh xen      Xen 4.17 + PV dom0 (also the Xen guests' kernel)
#   sh tests/rig/build-image.sh kvm-l1   plain Linux L1 host of the KVM path (also L2's kernel)
#   sh tests/rig/build-image.sh HOST --hash   only the recipe hash
#
# Output, in ${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}/HOST-<recipe hash>-<kernel release>/:
#   vmlinuz, initrd.img   the image's kernel and Debian initramfs
#   kernel-release        `uname -r` of that kernel
#   kdir                  -> the exact linux-headers of that kernel (with its
#                         -common part and linux-kbuild), unpacked here when the
#                         image is built: modules for the rig (make kernel) are
#                         built against this, never against the host's headers
#   samples/vfio-mdev/    Linux's sample mdev drivers (mtty.c, mdpy.c, mbochs.c...)
#                         from linux-source-<major.minor> of exactly that kernel's
#                         version: only that directory is kept, not the source
#                         tarball; make kernel builds them for the
#                         xen-mdev-peers job (mk/build-kmods)
#   <image>               root filesystem, raw ext4 (booted with -snapshot):
#                         dom0.img (xen) or l1.img (kvm-l1)
#   xen.elf               (xen) the hypervisor, unpacked (QEMU's multiboot wants an ELF)
#   busybox               static busybox for the guests' initramfs
#   versions.txt          package versions inside the image
#
# Nothing fetched here is ever committed to the repository: it lives in the
# cache entry only.
#
# The recipe hash covers this script and the host's package list and init;
# the kernel release is whatever linux-image-amd64 was when the image was
# built, and the headers are fetched in the same step (superseded headers
# leave the archive later).  An entry for the recipe is reused whatever its
# kernel; `make rig-clean-cache` forces a rebuild onto today's kernel.
# The build runs in a temp directory renamed into place as its last act, so
# an interrupted build never leaves a half entry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
host=${1:-}
case "$host" in
    xen)    list=$here/packages.list;        init=$here/dom0-init
            image=dom0.img; size=3G; name=rig-dom0 ;;
    kvm-l1) list=$here/kvm-l1/packages.list; init=$here/kvm-l1/l1-init
            image=l1.img;   size=4G; name=rig-l1 ;;
    *) echo "usage: build-image.sh xen|kvm-l1 [--hash]" >&2; exit 2 ;;
esac
hash=$(cat "$0" "$list" "$init" | sha256sum | cut -c1-16)
[ "${2:-}" = --hash ] && { echo "$hash"; exit 0; }

cache_root=${VGPU_RIG_CACHE:-$HOME/.cache/vgpu-rig}
# Newest complete entry of this recipe, whatever kernel it carries.
found=$(ls -td "$cache_root/$host-$hash"-*/ 2>/dev/null | while read -r d; do
            [ -f "$d$image" ] && [ -e "${d}kdir/Makefile" ] &&
                [ -f "${d}samples/vfio-mdev/mtty.c" ] && { echo "${d%/}"; break; }
        done) || true
if [ -n "$found" ]; then
    echo "$found"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "$host: needs root (debootstrap, chroot)" >&2; exit 1; }

mirror=${VGPU_RIG_MIRROR:-http://deb.debian.org/debian}
secmirror=${VGPU_RIG_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
mkdir -p "$cache_root"
tmp=$(mktemp -d "$cache_root/.build-$host-$hash.XXXXXX")
root=$tmp/rootfs
log() { echo "$host-image: [$(date +%T)] $*" >&2; }
cleanup() {
    # /proc, /sys and /dev/pts are mounted into the chroot for package
    # scripts; they must go before the temp tree is removed.
    for m in dev/pts sys proc; do umount "$root/$m" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap minbase bookworm into $root"
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -30 "$tmp/debootstrap.log" >&2; exit 1; }
# The current Xen and kernel come from bookworm-updates and -security.
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

pkgs=$(grep -v '^#' "$list" | tr '\n' ' ')
log "apt-get install: $pkgs"
chroot "$root" sh -c "export DEBIAN_FRONTEND=noninteractive LC_ALL=C
    apt-get update -qq && apt-get -y -qq dist-upgrade &&
    apt-get install -y -qq --no-install-recommends $pkgs" >"$tmp/apt.log" 2>&1 ||
    { tail -40 "$tmp/apt.log" >&2; exit 1; }
chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$tmp/versions.txt"

vmlinuz=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)
krel=${vmlinuz##*/vmlinuz-}
kver=$(chroot "$root" dpkg-query -W -f='${Version}' "linux-image-$krel")
# The headers of exactly this kernel: the flavour's part, the shared part and
# the kbuild tools, all of the image kernel's source version.
kbuild=linux-kbuild-$(echo "$krel" | cut -d. -f1,2)
hdrs="linux-headers-$krel=$kver linux-headers-${krel%-*}-common=$kver $kbuild=$kver"
log "kernel $krel ($kver): downloading $hdrs"
mkdir -p "$root/tmp/kheaders"
chroot "$root" sh -c "cd /tmp/kheaders && apt-get download -qq $hdrs" >>"$tmp/apt.log" 2>&1 ||
    { tail -20 "$tmp/apt.log" >&2; echo "$host: cannot fetch the headers of $krel ($kver)" >&2; exit 1; }
for deb in "$root"/tmp/kheaders/*.deb; do dpkg-deb -x "$deb" "$tmp/headers"; done
# The flavour's Makefile includes the -common one by absolute path.
sed -i "s|/usr/src/|$tmp/headers/usr/src/|" "$tmp/headers/usr/src/linux-headers-$krel/Makefile"
# Linux's sample mdev drivers (mtty, mdpy, mbochs: Debian builds no samples)
# from the source package of the same version.  Only samples/vfio-mdev/ is
# kept; the .deb and its tarball are streamed and dropped.
ksrc=linux-source-$(echo "$krel" | cut -d. -f1,2)
log "downloading $ksrc=$kver for samples/vfio-mdev"
mkdir -p "$root/tmp/ksource"
chroot "$root" sh -c "cd /tmp/ksource && apt-get download -qq $ksrc=$kver" >>"$tmp/apt.log" 2>&1 ||
    { tail -20 "$tmp/apt.log" >&2; echo "$host: cannot fetch $ksrc ($kver)" >&2; exit 1; }
mkdir -p "$tmp/ksrc"
dpkg-deb --fsys-tarfile "$root"/tmp/ksource/"$ksrc"_*.deb |
    tar -xOf - "./usr/src/$ksrc.tar.xz" |
    tar -xJf - -C "$tmp/ksrc" --wildcards '*/samples/vfio-mdev/*'
[ -f "$tmp/ksrc/$ksrc/samples/vfio-mdev/mtty.c" ] ||
    { echo "$host: no samples/vfio-mdev/mtty.c in $ksrc ($kver)" >&2; exit 1; }
mkdir -p "$tmp/samples"
mv "$tmp/ksrc/$ksrc/samples/vfio-mdev" "$tmp/samples/vfio-mdev"
rm -rf "$tmp/ksrc" "$root/tmp/ksource"
umount "$root/dev/pts" "$root/sys" "$root/proc"

log "configuring the image"
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root/tmp/kheaders"
install -m 0755 "$init" "$root/sbin/rig-init"
mkdir -p "$root/share"
echo "$name" >"$root/etc/hostname"
# Root login on the console is never used (CI has no terminal), but an
# empty fstab keeps tools from complaining.
: >"$root/etc/fstab"

log "extracting boot files"
cp "$vmlinuz" "$tmp/vmlinuz"
cp "$(ls "$root"/boot/initrd.img-* | sort -V | tail -1)" "$tmp/initrd.img"
echo "$krel" >"$tmp/kernel-release"
cp "$root/bin/busybox" "$tmp/busybox"
if [ "$host" = xen ]; then zcat "$root"/boot/xen-4.17-amd64.gz >"$tmp/xen.elf"; fi

log "making $image (ext4 from the tree, no loop mount)"
truncate -s "$size" "$tmp/$image"
mke2fs -q -t ext4 -L "$name" -d "$root" "$tmp/$image"
rm -rf "$root"

# Publish atomically: the rename is the commit point.  The headers' Makefile
# names its final place, and kdir points into the entry relatively.
out=$cache_root/$host-$hash-$krel
sed -i "s|$tmp/headers/|$out/headers/|" "$tmp/headers/usr/src/linux-headers-$krel/Makefile"
ln -s "headers/usr/src/linux-headers-$krel" "$tmp/kdir"
trap - EXIT
rm -rf "$out"
mv "$tmp" "$out"
log "done: $out"
echo "$out"
