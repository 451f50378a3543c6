"""initramfs.py: pack the rig guest's initramfs (newc cpio, gzip).

Written in Python rather than with cpio(1) so that /dev/console, which the
kernel opens before running /init, can be added without mknod on the host.
Built per flight (well under a second), so guest scripts change without an
image rebuild.
"""
import gzip
import os
import stat
import subprocess


def _entry(name, mode, data=b"", rdev=(0, 0), ino=[0]):
    ino[0] += 1
    namez = name.encode() + b"\0"
    fields = (ino[0], mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0)
    hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
    out = hdr + namez
    out += b"\0" * (-len(out) % 4)
    out += data + b"\0" * (-len(data) % 4)
    return out


def _debugfs(image, request):
    p = subprocess.run(["debugfs", "-R", request, image], capture_output=True)
    return p.returncode, p.stdout


def image_modules(image, names, dest_dir):
    """Kernel modules `names` (e.g. ["uio"]) and what they depend on, copied
    out of the rig image's ext4 file system with debugfs (no mount, no
    root needed beyond reading the image) into dest_dir, once.  Returns the
    host paths in load order (dependencies first).  Each set of names has
    its own order file, so a new set is resolved even when another set was
    copied before."""
    order = os.path.join(dest_dir, "load-%s.order" % "+".join(names))
    if not os.path.isfile(order):
        rc, out = _debugfs(image, "ls -p /lib/modules")
        rels = sorted(f.split("/")[5] for f in out.decode().splitlines()
                      if f.count("/") >= 6 and f.split("/")[5] not in (".", ".."))
        if rc or not rels:
            raise RuntimeError("no /lib/modules/<release> in %s" % image)
        base = "/lib/modules/%s/" % rels[-1]
        rc, dep = _debugfs(image, "cat " + base + "modules.dep")
        deps = {}
        for line in dep.decode().splitlines():
            mod, _, rest = line.partition(":")
            deps[os.path.basename(mod)[:-3]] = (mod, rest.split())
        wanted = []

        def add(name):
            if name not in deps:
                raise RuntimeError("module %s not in %smodules.dep" % (name, base))
            for d in reversed(deps[name][1]):
                add(os.path.basename(d)[:-3])
            if name not in wanted:
                wanted.append(name)
        for n in names:
            add(n)
        os.makedirs(dest_dir, exist_ok=True)
        for n in wanted:
            rc, data = _debugfs(image, "cat " + base + deps[n][0])
            if rc or not data:
                raise RuntimeError("could not read %s%s from %s" % (base, deps[n][0], image))
            with open(os.path.join(dest_dir, n + ".ko"), "wb") as f:
                f.write(data)
        with open(order + ".tmp", "w") as f:
            f.write("\n".join(wanted) + "\n")
        os.replace(order + ".tmp", order)
    with open(order) as f:
        return [os.path.join(dest_dir, n.strip() + ".ko") for n in f if n.strip()]


def build_initramfs(busybox, guest_dir, dest, bin_dir=None, modules=(), display_modules=()):
    """busybox: static binary; guest_dir: holds `init` and <job>.sh files;
    bin_dir (optional): static programs built on the host for the guest
    ($(BUILD)/rig/guest-bin), each packed as /bin/<name>; modules: kernel
    modules (host paths, load order) packed as /lib/modules/<name>.ko and
    listed in /lib/modules/load.order for the guest's init; display_modules:
    the DRM driver and its dependencies, packed the same way but listed in
    /lib/modules/display.order, which only the display jobs' guest scripts
    load (after unloading rgpu_uio: both drivers bind the vGPU)."""
    parts = []
    for d in ("bin", "dev", "proc", "sys", "guest", "lib", "lib/modules"):
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
    for p in list(modules) + list(display_modules):
        with open(p, "rb") as f:
            parts.append(_entry("lib/modules/" + os.path.basename(p), stat.S_IFREG | 0o644,
                                f.read()))
    parts.append(_entry("lib/modules/load.order", stat.S_IFREG | 0o644,
                        "".join(os.path.basename(p)[:-3] + "\n" for p in modules).encode()))
    parts.append(_entry("lib/modules/display.order", stat.S_IFREG | 0o644,
                        "".join(os.path.basename(p)[:-3] + "\n"
                                for p in display_modules).encode()))
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
