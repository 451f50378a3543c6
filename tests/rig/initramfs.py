"""initramfs.py: pack the rig guest's initramfs (newc cpio, gzip).

Written in Python rather than with cpio(1) so that /dev/console, which the
kernel opens before running /init, can be added without mknod on the host.
Built per flight (well under a second), so guest scripts change without an
image rebuild.
"""
import gzip
import os
import stat


def _entry(name, mode, data=b"", rdev=(0, 0), ino=[0]):
    ino[0] += 1
    namez = name.encode() + b"\0"
    fields = (ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0)
    hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
    out = hdr + namez
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def build_initramfs(busybox, guest_dir, dest, bin_dir=None):
    """busybox: static binary; guest_dir: holds `init` and <job>.sh files;
    bin_dir (optional): static programs built on the host for the guest
    ($(BUILD)/rig/guest-bin), each packed as /bin/<name>."""
    parts = []
    for d in ("bin", "dev", "proc", "sys", "guest"):
        parts.append(_entry(d, stat.S_IFDIR | 0o755))
    parts.append(_entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)))
    with open(busybox, "rb") as f:
        parts.append(_entry("bin/busybox", stat.S_IFREG | 0o755, f.read()))
    parts.append(_entry("bin/sh", stat.S_IFLNK | 0o777, b"busybox"))
    if bin_dir and os.path.isdir(bin_dir):
        for name in sorted(os.listdir(bin_dir)):
            p = os.path.join(bin_dir, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                with open(p, "rb") as f:
                    parts.append(_entry("bin/" + name, stat.S_IFREG | 0o755, f.read()))
    with open(os.path.join(guest_dir, "init"), "rb") as f:
        parts.append(_entry("init", stat.S_IFREG | 0o755, f.read()))
    for name in sorted(os.listdir(guest_dir)):
        if name.endswith(".sh"):
            with open(os.path.join(guest_dir, name), "rb") as f:
                parts.append(_entry("guest/" + name, stat.S_IFREG | 0o644, f.read()))
    parts.append(_entry("TRAILER!!!", 0))
    data = b"".join(parts)
    data += b"\0" * (-len(data) % 512)
    with open(dest + ".tmp", "wb") as f:
        f.write(gzip.compress(data, 6))
    os.replace(dest + ".tmp", dest)
