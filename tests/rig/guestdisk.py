"""guestdisk.py: a bootable guest disk (FAT + SYSLINUX) holding the rig
kernel and initramfs, made without loop mounts (mtools, syslinux --install).

Why: direct kernel boot (xl kernel=) goes through QEMU's linuxboot option
ROM, which reads the 8 MB kernel through fw_cfg port I/O: thousands of
round trips guest -> Xen -> dom0 QEMU, each slow under TCG.  On an AHCI
disk (hdtype="ahci") SeaBIOS reads by DMA, large blocks per command.
The kernel command line is fixed at image time, so there is one image per
job (rig.guest=<job>).  See docs/rig.md for the measurements.
"""
import os
import subprocess

CMDLINE = "console=ttyS0,115200 quiet panic=-1 rig.guest=%s"


def build_guest_disk(kernel, initrd, job, dest, size_mb=24):
    tmp = dest + ".tmp"
    if os.path.exists(tmp):
        os.unlink(tmp)
    with open(tmp, "wb") as f:
        f.truncate(size_mb << 20)
    cfg = ("DEFAULT rig\nPROMPT 0\nTIMEOUT 0\nLABEL rig\n  KERNEL vmlinuz\n"
           "  INITRD initrd.gz\n  APPEND %s\n" % (CMDLINE % job))
    cfgfile = dest + ".cfg"
    with open(cfgfile, "w") as f:
        f.write(cfg)
    # Superfloppy (no partition table): SeaBIOS runs sector 0, which
    # syslinux makes its FAT boot sector.
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    for cmd in (["mkfs.fat", "-n", "RIGGUEST", tmp],
                ["mcopy", "-i", tmp, kernel, "::vmlinuz"],
                ["mcopy", "-i", tmp, initrd, "::initrd.gz"],
                ["mcopy", "-i", tmp, cfgfile, "::syslinux.cfg"],
                ["syslinux", "--install", tmp]):
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    os.unlink(cfgfile)
    os.replace(tmp, dest)
