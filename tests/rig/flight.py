#!/usr/bin/env python3
"""flight.py: run an OSSTest-style flight of jobs in the Xen rig.

    python3 tests/rig/flight.py [--flight smoke] [--jobs a,b] [--build build]

A flight is a list of jobs (tests/rig/flights/<name>.list, or --jobs).  Each
job runs on a host, named by the `# rig-host:` line of its script: Xen
(default) or a plain Linux L1 for the KVM path (kvm-l1: tests/rig/kvm-l1/,
docs/kvm-path.md).  The jobs of one host share one boot of it; a flight
with jobs of both boots Xen first, then the L1, and reports all jobs
together (--host runs only one host's jobs).  With Xen, QEMU
boots Xen + dom0 from the cached rig image, dom0 runs
tests/rig/run.sh from the 9p share, which runs each job script
(tests/rig/jobs/<job>.sh) in turn and writes per-step results back to the
share.  This script prints progress, enforces the timeouts (QEMU is killed
by PID), and writes build/flights/<id>/report.{md,json} (latest: the
build/flights/latest symlink), with regressions against the newest earlier
flight of the same name.  See docs/rig.md.

Environment, for experiments with the emulated host (docs/rig.md):
  RIG_XEN_EXTRA   appended to Xen's command line (e.g. " global-pages=0")
  RIG_SMP         CPUs of the Xen host (default 2)
  RIG_CPU         -cpu of the Xen host (default max,-smap,-smep)
  RIG_QEMU        the L0 emulator (default qemu-system-x86_64 from PATH)
  RIG_QEMU_DATA   colon-separated firmware directories for it (-L)
  RIG_XEN_ELF     the hypervisor to boot instead of the image's xen.elf
                  (an ELF, e.g. a Xen 4.17 built with shadow paging)
  RIG_JOB_*       job parameters: written to the share's rig/job.env, which
                  lib.sh reads in the host (e.g. RIG_JOB_MINUTES for
                  rig-torture), with the Xen host's variant (RIG_HOST_CPU,
                  RIG_HOST_SMP, RIG_HOST_XEN_EXTRA, RIG_HOST_XEN_ELF,
                  RIG_HOST_GUEST_CFG)
  RIG_JOB_TIMEOUT every job's timeout in seconds, instead of its rig-timeout
  RIG_GUEST_CPUS  xl cpus= of every Xen guest (default "1": off the host's
                  CPU 0, where TCG's nested-SVM fault strikes; "all": no pin)

Exit status: 0 if every job passed, 1 otherwise, 2 on usage errors.
Standard library only.
"""
import argparse
import bisect
import datetime
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import rigreport
from guestdisk import build_guest_disk
from initramfs import build_initramfs, image_modules

HERE = os.path.dirname(os.path.abspath(__file__))
LOCK_WAIT = 3600         # how long to queue behind another VM user
# A job attempt still running this long after its own timeout: the dom0
# runner is stuck, not the job (the job's timeout ends jobs).
STALL_GRACE = 120
# A host kernel that keeps reporting lockups (LOCKUP_MARKS on its console:
# Linux repeats them while a CPU stays stuck) for this long with no progress
# line in between is wedged: the flight stops it at once instead of waiting
# out the job's timeout (docs/rig-log.md, "The kvm-l1 host wedged").  One
# lockup report followed by quiet or progress was transient.
WEDGE_GRACE = 90
# The runner renews results/heartbeat every 10 s: this long without it, the
# host's kernel has stopped scheduling (seen on the kvm-l1 host with no
# lockup report at all, docs/rig-log.md).
HEARTBEAT_LOST = 120
LOCKUP_MARKS = ("soft lockup - CPU#", "rcu_preempt detected stalls",
                "rcu_preempt self-detected stall", "rcu_preempt kthread starved")
BOOT_TIMEOUT = 240       # QEMU start -> dom0 runner running (measured ~35 s)
JOB_TIMEOUT_DEFAULT = 300
SHARED_STEPS = ("rig-image", "host-boot", "xen-daemons", "l1-modules")
# Per host: the image file that proves it is built, its directory under
# tests/rig/ (whose host.sh the runner loads), and the shared step the runner
# reports in boot.tsv (with its log).
HOSTS = {
    "xen": {"image": "dom0.img", "dir": "dom0",
            "boot_step": "xen-daemons", "boot_log": "xen-start.log"},
    "kvm-l1": {"image": "l1.img", "dir": "kvm-l1",
               "boot_step": "l1-modules", "boot_log": "l1-modules.log"},
}


class LockupWatch:
    """Follows a console log as it grows: the lockup reports since the
    last progress, the first and the latest."""

    def __init__(self, path):
        self.path, self.pos, self.partial = path, 0, ""
        self.progress()

    def progress(self):
        self.first, self.first_at, self.last_at = None, None, None

    def poll(self, now):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read().decode(errors="replace")
                self.pos = f.tell()
        except OSError:
            return
        lines = (self.partial + data).split("\n")
        self.partial = lines.pop()
        for ln in lines:
            if any(m in ln for m in LOCKUP_MARKS):
                if self.first is None:
                    self.first, self.first_at = ln.strip(), now
                self.last_at = now

    def wedged(self):
        """Why the host is wedged, or None."""
        if self.first is not None and self.last_at - self.first_at >= WEDGE_GRACE:
            return ("host wedged: lockup reports for %ds without progress, the first: '%s'"
                    % (self.last_at - self.first_at, self.first[-100:]))
        return None


class RigError(Exception):
    """A flight input is missing or wrong: the host is not booted."""


def module_vermagic(path):
    """The release part of a kernel module's vermagic (its .modinfo string
    'vermagic=<release> SMP ...')."""
    with open(path, "rb") as f:
        data = f.read()
    i = data.find(b"\0vermagic=")
    if i < 0:
        return None
    return data[i + 10:data.index(b"\0", i + 1)].decode(errors="replace").split(" ")[0]


class Flight:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.jobs = args.jobs
        base = os.path.join(args.build, "flights")
        os.makedirs(base, exist_ok=True)
        self.base = base
        fid = datetime.datetime.utcnow().strftime("%Y%m%d-%H%M%S")
        n, self.id = 1, fid
        while os.path.exists(os.path.join(base, self.id)):
            n += 1
            self.id = "%s-%d" % (fid, n)
        self.dir = os.path.join(base, self.id)
        os.makedirs(self.dir)
        self.caches = {}      # host name -> image cache directory

    def use_host(self, name, jobs, alone):
        """Set up the boot of one host for its jobs.  A flight with one
        host keeps its boot-wide logs and share at the top of the flight
        directory; with several, each host gets host-<name>/."""
        self.hostname, self.host, self.jobs = name, HOSTS[name], jobs
        self.bootdir = self.dir if alone else os.path.join(self.dir, "host-" + name)
        self.share = os.path.join(self.bootdir, "share")
        self.results = os.path.join(self.share, "results")
        os.makedirs(self.results)
        self.shared = {}      # shared step name -> {"result", "seconds", "excerpt"}
        self.cache = None

    def say(self, msg):
        print("[%6.1fs] %s" % (time.monotonic() - self.t0, msg), flush=True)

    # ------------------------------------------------------------ rig image
    def rig_image(self):
        t = time.monotonic()
        log = os.path.join(self.bootdir, "rig-image.log")
        with open(log, "w") as f:
            p = subprocess.run(["sh", os.path.join(HERE, "build-image.sh"), self.hostname],
                               stdout=subprocess.PIPE, stderr=f, text=True)
        secs = time.monotonic() - t
        self.cache = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        ok = p.returncode == 0 and os.path.isfile(os.path.join(self.cache, self.host["image"]))
        self.shared["rig-image"] = {"result": "pass" if ok else "broken", "seconds": round(secs, 1),
                                    "excerpt": rigreport.tail(log, 10)}
        self.caches[self.hostname] = self.cache
        self.say("rig-image %s %.1fs %s" % (self.shared["rig-image"]["result"], secs, self.cache))
        return ok

    # ------------------------------------------------------------ the share
    def prepare_share(self):
        """Everything the host needs that is not in the image: runner, libraries,
        job scripts, the guest kernel + initramfs, project binaries."""
        rig = os.path.join(self.share, "rig")
        os.makedirs(os.path.join(rig, "jobs"))
        for f in ("run.sh", "lib.sh"):
            shutil.copy(os.path.join(HERE, f), rig)
        shutil.copy(os.path.join(HERE, self.host["dir"], "host.sh"), rig)
        for job in self.jobs:
            shutil.copy(os.path.join(HERE, "jobs", job + ".sh"), os.path.join(rig, "jobs"))
        extra = list(self.args.guest_cfg)
        if self.hostname == "xen":
            extra = guest_extra_cfg(extra, os.environ)
        if extra:
            with open(os.path.join(rig, "guest-extra.cfg"), "w") as f:
                f.write("\n".join(extra) + "\n")
        with open(os.path.join(rig, "jobs.list"), "w") as f:
            f.write("\n".join(self.jobs) + "\n")
        with open(os.path.join(rig, "job.env"), "w") as f:
            f.write(job_env(os.environ, extra))
        shutil.copy(os.path.join(self.cache, "vmlinuz"), os.path.join(rig, "guest-vmlinuz"))
        build_initramfs(os.path.join(self.cache, "busybox"), os.path.join(HERE, "guest"),
                        os.path.join(rig, "guest-initrd.gz"),
                        os.path.join(self.args.build, "rig", "guest-bin"), self.guest_modules(),
                        self.guest_display_modules())
        # How Xen guests boot (docs/rig.md): "disk" (SYSLINUX on AHCI) or
        # "kernel" (xl kernel=, QEMU's fw_cfg linuxboot).
        with open(os.path.join(rig, "guest-boot"), "w") as f:
            f.write(self.args.guest_boot + "\n")
        if self.hostname == "xen" and self.args.guest_boot == "disk":
            for job in self.jobs:
                build_guest_disk(os.path.join(rig, "guest-vmlinuz"),
                                 os.path.join(rig, "guest-initrd.gz"), job,
                                 os.path.join(rig, "guest-disk-%s.img" % job))
        # Project binaries: the rig's own test programs and the project's.
        bindir = os.path.join(self.share, "bin")
        os.makedirs(bindir)
        for src in (os.path.join(self.args.build, "rig"), os.path.join(self.args.build, "bin")):
            if not os.path.isdir(src):
                continue
            for name in os.listdir(src):
                p = os.path.join(src, name)
                if os.path.isfile(p) and os.access(p, os.X_OK):
                    shutil.copy(p, bindir)
        # The host's kernel modules (make kernel), built for its kernel.
        for name in ("vgpu_mdev.ko", "vgpu_mdev_kvm.ko", "vgpu_mdev_xen.ko", "vfio_iommu_xen.ko"):
            shutil.copy(self.kernel_module(name), bindir)
        # Linux's sample mdev drivers for the xen-mdev-peers job, when make
        # kernel built them (it needs the samples in the rig cache entry):
        # that job says so when they are missing; no other job needs them.
        # ts_probe.ko for the qemu-ts-probe job (optional: a build from
        # before it existed still runs every other job; that job says so).
        ko = self.kernel_module("ts_probe.ko", optional=True)
        if ko:
            shutil.copy(ko, bindir)
        if self.hostname == "xen":
            for name in ("mtty.ko", "mdpy.ko", "mbochs.ko"):
                ko = self.kernel_module(name, optional=True)
                if ko:
                    shutil.copy(ko, bindir)

    def kernel_module(self, name, optional=False):
        """A project module built for this host image's kernel (make kernel
        puts it in BUILD/kernel-<release>/).  Missing or built for another
        kernel is an error here, with what to do, not a guest-side failure
        three steps later.  optional: a missing module is None (a wrong
        vermagic is still an error)."""
        with open(os.path.join(self.cache, "kernel-release")) as f:
            rel = f.read().strip()
        ko = os.path.join(self.args.build, "kernel-" + rel, name)
        if not os.path.isfile(ko) and optional:
            return None
        if not os.path.isfile(ko):
            raise RigError("no %s for the %s image's kernel %s (run make kernel)"
                           % (ko, self.hostname, rel))
        vermagic = module_vermagic(ko)
        if vermagic != rel:
            raise RigError("%s has vermagic %s, the %s image's kernel is %s (run make kernel)"
                           % (ko, vermagic, self.hostname, rel))
        return ko

    def guest_modules(self):
        """The guest's interrupt driver rgpu_uio.ko and the image kernel's
        modules it needs (uio), in load order: the guests boot the host
        image's kernel."""
        ko = self.kernel_module("rgpu_uio.ko")
        return image_modules(os.path.join(self.cache, self.host["image"]), ["uio"],
                             os.path.join(self.cache, "guest-modules")) + [ko]

    def guest_display_modules(self):
        """The guest's DRM/KMS driver rgpu_drm.ko and the image kernel's DRM
        modules it needs, in load order, for the display jobs (init does not
        load them: rgpu_uio binds the vGPU first; docs/guest.md)."""
        ko = self.kernel_module("rgpu_drm.ko")
        return image_modules(os.path.join(self.cache, self.host["image"]),
                             ["drm_kms_helper", "drm_shmem_helper"],
                             os.path.join(self.cache, "guest-modules")) + [ko]

    # ------------------------------------------------------------ boot
    def qemu_bin(self):
        """The L0 emulator: RIG_QEMU (default qemu-system-x86_64 from PATH),
        searching the colon-separated RIG_QEMU_DATA directories (-L) for
        firmware first when that is set."""
        cmd = [os.environ.get("RIG_QEMU", "qemu-system-x86_64")]
        for d in os.environ.get("RIG_QEMU_DATA", "").split(":"):
            if d:
                cmd += ["-L", d]
        return cmd

    def qemu_cmd(self):
        c = self.cache
        if self.hostname == "kvm-l1":
            # Plain Linux L1: -cpu max gives SVM + NPT for nested KVM; Linux
            # (unlike Xen's dom0) needs no -smap/-smep change.  loglevel=5
            # and every CPU's backtrace on a soft lockup: the stacks (printed
            # at the default level, 4) reach serial.log when the L1 wedges
            # (docs/rig-log.md, "The kvm-l1 host wedged").
            cmdline = ("root=/dev/vda rw console=ttyS0,115200 loglevel=5 "
                       "softlockup_all_cpu_backtrace=1 "
                       "init=/sbin/rig-init rig.run=rig/run.sh")
            return [
                *self.qemu_bin(), "-machine", "q35", "-accel", self.args.accel,
                "-cpu", "max", "-smp", "2", "-m", "3G",
                "-display", "none", "-monitor", "none", "-no-reboot", "-nic", "none",
                "-serial", "file:" + os.path.join(self.bootdir, "serial.log"),
                "-kernel", os.path.join(c, "vmlinuz"), "-initrd", os.path.join(c, "initrd.img"),
                "-append", cmdline,
                "-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % os.path.join(c, "l1.img"),
                "-snapshot",
                "-virtfs", "local,path=%s,mount_tag=share,security_model=none" % self.share,
                *self.qmp_args(),
            ]
        # spec-ctrl=eager-fpu: Xen restores a vCPU's FPU state at every
        # switch instead of lazily on #NM.  QEMU 7.2's TCG raises no #NM
        # for XSAVE/XSAVEOPT/XRSTOR under CR0.TS=1, so with lazy switching a
        # dom0 task switch saved and restored another vCPU's registers: the
        # rig's dom0 processes crashing under busy HVM guests (docs/rig.md
        # section 7).  RIG_XEN_EXTRA=" spec-ctrl=eager-fpu=0" brings it back.
        xen_cmdline = ("console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
                       "loglvl=all guest_loglvl=all noreboot console_timestamps=boot "
                       "spec-ctrl=eager-fpu" + os.environ.get("RIG_XEN_EXTRA", ""))
        dom0_cmdline = ("root=/dev/vda rw console=hvc0 earlyprintk=xen "
                        "init=/sbin/rig-init rig.run=rig/run.sh")
        return [
            *self.qemu_bin(), "-machine", "q35", "-accel", self.args.accel,
            # SMAP/SMEP on crash dom0 at once under TCG (see docs/rig.md).
            "-cpu", os.environ.get("RIG_CPU", "max,-smap,-smep"), "-smp", os.environ.get("RIG_SMP", "2"), "-m", "3G",
            "-display", "none", "-monitor", "none", "-no-reboot", "-nic", "none",
            "-serial", "file:" + os.path.join(self.bootdir, "serial.log"),
            "-kernel", xen_elf(c), "-append", xen_cmdline,
            # multiboot modules: "<file> <cmdline>,<file>"
            "-initrd", "%s %s,%s" % (os.path.join(c, "vmlinuz"), dom0_cmdline,
                                     os.path.join(c, "initrd.img")),
            "-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % os.path.join(c, "dom0.img"),
            "-snapshot",
            "-virtfs", "local,path=%s,mount_tag=share,security_model=none" % self.share,
            *self.qmp_args(),
        ]

    def qmp_args(self):
        """A QMP socket on the host VM, for its CPUs' state when it stops
        making progress (host_cpu_dump).  Under /run: a socket path has
        at most 107 bytes, a clone's build directory may be longer."""
        self.qmp_path = "/run/vgpu-rig-%s-%s.qmp" % (self.id, self.hostname)
        return ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]

    def host_cpu_dump(self):
        """Before a stuck host is killed: its vCPUs' registers, sampled
        three times, into host-cpus.txt (symbols: host-cpus-syms.txt)."""
        out = os.path.join(self.bootdir, "host-cpus.txt")
        try:
            samples = qmp_hmp(self.qmp_path, ["info cpus", "info registers -a"], 3, 0.5)
        except (OSError, ValueError) as e:
            samples = ["no CPU state: QMP at %s: %s\n" % (self.qmp_path, e)]
        with open(out, "w") as f:
            f.write("".join(samples))
        syms = os.path.join(self.results, "l1-kallsyms.txt")
        if os.path.exists(syms):
            with open(os.path.join(self.bootdir, "host-cpus-syms.txt"), "w") as f:
                for ln in symbolize_rips("".join(samples), syms):
                    f.write(ln + "\n")

    def job_timeout(self, job):
        if os.environ.get("RIG_JOB_TIMEOUT"):
            return int(os.environ["RIG_JOB_TIMEOUT"])
        with open(os.path.join(HERE, "jobs", job + ".sh")) as f:
            for line in f:
                if line.startswith("# rig-timeout:"):
                    return int(line.split(":")[1].split()[0])
        return JOB_TIMEOUT_DEFAULT

    def boot_and_run(self):
        """Boot Xen, let dom0 run the jobs, follow progress; kill on timeout."""
        # Every job may use its whole timeout, one may be retried (the flake
        # retry), and the runner adds a little per job.
        touts = [self.job_timeout(j) for j in self.jobs]
        budget = BOOT_TIMEOUT + sum(touts) + max(touts) + 15 * len(touts)
        cmd = self.qemu_cmd()
        with open(os.path.join(self.bootdir, "qemu-cmd.txt"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        qlog = open(os.path.join(self.bootdir, "qemu.log"), "w")
        t = time.monotonic()
        qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=qlog)
        self.say("host-boot: QEMU pid %d (flight budget %ds)" % (qemu.pid, budget))
        progress = os.path.join(self.results, "progress.log")
        seen, runner_at, ended, why = 0, None, False, None
        lockups = LockupWatch(os.path.join(self.bootdir, "serial.log"))
        # A flight ended from outside (SIGTERM, Ctrl-C: SystemExit or
        # KeyboardInterrupt here) takes its VM with it, or the next flight in
        # the lock's queue would boot beside a still-running one.
        try:
            cur_job, attempt_at = None, 0.0
            while True:
                rc = qemu.poll()
                if os.path.exists(progress):
                    with open(progress) as f:
                        lines = f.read().splitlines()
                    # a line being written may be partial: only take complete ones
                    for line in lines[seen:]:
                        fields = line.split(" ", 2)
                        if len(fields) < 3:
                            continue
                        seen += 1
                        lockups.progress()
                        job, what = fields[1], fields[2]
                        if what == "runner start" and runner_at is None:
                            runner_at = time.monotonic() - t
                        if what == "runner end":
                            ended = True
                        if what == "job start" or what.startswith("known flake, retrying"):
                            cur_job, attempt_at = job, time.monotonic()
                        elif what == "job end":
                            cur_job = None
                        self.say("dom0 %s: %s %s" % (fields[0], "" if job == "-" else job, what))
                if rc is not None:
                    break
                waited = time.monotonic() - t
                lockups.poll(time.monotonic())
                wedge, beat = lockups.wedged(), heartbeat_age(self.results)
                if wedge:
                    why = wedge
                elif beat is not None and beat > HEARTBEAT_LOST and not ended:
                    why = "host wedged: no heartbeat from the runner for %ds" % beat
                elif runner_at is None and waited > BOOT_TIMEOUT:
                    why = "no dom0 runner after %ds" % BOOT_TIMEOUT
                elif waited > budget:
                    why = "flight budget of %ds exceeded" % budget
                elif cur_job and time.monotonic() - attempt_at > self.job_timeout(cur_job) + STALL_GRACE:
                    # dom0's `timeout` ends a job attempt at its rig-timeout; an
                    # attempt still not over well after that means the runner
                    # itself is stuck (the rig's dom0 fault, docs/rig.md).
                    why = ("dom0 runner stuck: job %s not over %ds after its %ds timeout"
                           % (cur_job, STALL_GRACE, self.job_timeout(cur_job)))
                if why:
                    self.say("timeout: %s; killing QEMU pid %d" % (why, qemu.pid))
                    if cur_job and runner_at is not None:
                        self.stuck = {"job": cur_job, "why": why}
                    self.host_cpu_dump()
                    qemu.kill()
                    qemu.wait()
                    break
                time.sleep(0.5)
        finally:
            if qemu.poll() is None:
                qemu.kill()
                qemu.wait()
        qlog.close()
        if os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)
        total = time.monotonic() - t
        self.say("QEMU exited rc=%s after %.1fs" % (qemu.returncode, total))
        if self.hostname == "xen":
            self.split_serial()
        serial = os.path.join(self.bootdir, "serial.log")
        if runner_at is not None:
            # host-boot ends when the runner starts; the Xen daemon start-up
            # (kvm-l1: module loading) inside it is reported as its own step.
            bs = self.host["boot_step"]
            xd = rigreport.read_tsv(os.path.join(self.results, "boot.tsv"))
            xd_secs = xd[0]["seconds"] if xd else 0
            self.shared["host-boot"] = {"result": "pass",
                                        "seconds": round(runner_at - xd_secs, 1)}
            if xd:
                self.shared[bs] = dict(xd[0], excerpt=rigreport.tail(
                    os.path.join(self.results, self.host["boot_log"]), 10))
            else:
                self.shared[bs] = {"result": "broken", "seconds": 0}
        else:
            self.shared["host-boot"] = {"result": "fail", "seconds": round(total, 1),
                                        "excerpt": (why or "QEMU exited early") + "\n" +
                                        rigreport.tail(serial, 20)}
            self.shared[self.host["boot_step"]] = {"result": "blocked", "seconds": 0}
        self.boot_problem = None if ended else (why or "QEMU exited before the runner ended")

    def split_serial(self):
        """Xen's serial carries Xen's console, guest firmware (dN) lines and dom0's (hvc0 goes
        through Xen): keep the whole, plus a dom0-only file for reading."""
        serial = os.path.join(self.bootdir, "serial.log")
        if not os.path.exists(serial):
            return
        with open(serial, errors="replace") as f, \
                open(os.path.join(self.bootdir, "dom0-console.log"), "w") as d:
            for line in f:
                if not line.startswith(("(XEN)", "(d")):
                    d.write(line)

    # ------------------------------------------------------------ results
    def collect(self):
        jobs = []
        for job in self.jobs:
            src = os.path.join(self.results, job)
            dst = os.path.join(self.dir, job)
            steps = [{**{"name": s}, **self.shared[s]} for s in SHARED_STEPS if s in self.shared]
            entry = {"name": job, "steps": steps, "logs": "%s/" % job}
            if os.path.isdir(src):
                shutil.move(src, dst)
                steps += rigreport.job_steps(dst, self.boot_problem)
                notes = os.path.join(dst, "notes")
                if os.path.exists(notes):
                    with open(notes) as f:
                        entry["notes"] = f.read().splitlines()
                retried = os.path.join(dst, "retried")
                if os.path.exists(retried):
                    with open(retried) as f:
                        entry["retried"] = f.read().strip()
                    first = os.path.join(self.results, job + ".try1")
                    shutil.move(first, dst + ".try1")
                    entry["first_attempt"] = rigreport.job_steps(dst + ".try1")
            elif all(s["result"] == "pass" for s in steps):
                # The boot was fine up to here but the job never started.
                steps.append({"name": "job", "seconds": 0,
                              "result": "broken" if self.boot_problem else "blocked",
                              "excerpt": self.boot_problem or "job did not run"})
            entry["result"] = rigreport.job_result(steps)
            jobs.append(entry)
        # Boot-wide logs stay at the flight level; every job's report lists them.
        for f in HOST_RESULT_FILES:
            p = os.path.join(self.results, f)
            if os.path.exists(p):
                shutil.move(p, os.path.join(self.bootdir, f))
        return jobs

    def trim_share(self):
        """Drop the big reproducible inputs (guest kernel, disks) from the
        share; logs and results stay."""
        rig = os.path.join(self.share, "rig")
        if os.path.isdir(rig):
            for name in os.listdir(rig):
                if name == "guest-vmlinuz" or name.endswith(".img"):
                    os.unlink(os.path.join(rig, name))

    def boot(self, name, jobs, alone):
        """One host's boot: image, share, QEMU, the jobs' results."""
        self.use_host(name, jobs, alone)
        self.boot_problem, self.stuck = None, None
        if self.rig_image():
            try:
                self.prepare_share()
            except RigError as e:
                self.say("host %s not booted: %s" % (name, e))
                self.shared["host-boot"] = {"result": "blocked", "seconds": 0, "excerpt": str(e)}
                self.boot_problem = str(e)
            else:
                self.boot_and_run()
        else:
            self.shared["host-boot"] = {"result": "blocked", "seconds": 0}
            self.boot_problem = "rig image not built"
        jobs = self.collect()
        self.trim_share()
        for j in jobs:
            j["host"] = name
        return jobs

    def after_stuck_host(self, name, js, got, alone):
        """A host that stopped during a job is booted once more for that
        job and the ones after it, when its CPU state shows the emulator's
        fault (stuck_host_verdict).  The first boot's files stay in
        host-try1/, the job's first attempt in <job>.try1/."""
        stuck = self.stuck
        if not stuck:
            return got
        syms = os.path.join(self.bootdir, "host-cpus-syms.txt")
        verdict = stuck_host_verdict(syms)
        if not verdict.startswith("emulator"):
            self.say("host %s stuck in %s, not retried: %s" % (name, stuck["job"], verdict))
            return got
        i = js.index(stuck["job"])
        self.say("host %s stuck in %s (%s): booting again for %s"
                 % (name, stuck["job"], verdict, " ".join(js[i:])))
        keep = os.path.join(self.bootdir, "host-try1")
        os.makedirs(keep)
        for f in os.listdir(self.bootdir):
            if f in HOST_BOOT_FILES or f == "share":
                shutil.move(os.path.join(self.bootdir, f), os.path.join(keep, f))
        first = os.path.join(self.dir, stuck["job"])
        if os.path.isdir(first):
            shutil.move(first, first + ".try1")
        again = self.boot(name, js[i:], alone)
        for j in again:
            if j["name"] == stuck["job"]:
                j["retried"] = "%s; %s (first boot: host-try1/)" % (stuck["why"], verdict)
                j["first_attempt"] = got[i]["steps"]
        return got[:i] + again

    def run(self, groups):
        """groups: [(host, [jobs])], booted in that order."""
        alljobs = [j for _, js in groups for j in js]
        self.say("flight %s: jobs %s -> %s" % (self.id, " ".join(alljobs), self.dir))
        # Baseline: the newest earlier flight of the same name (flight list or
        # job set), so a toolstack flight never counts as the smoke's baseline.
        self.name = self.args.flight_name
        prev = rigreport.load_previous(self.base, self.name, self.id)
        jobs = []
        for name, js in groups:
            if len(groups) > 1:
                self.say("host %s: jobs %s" % (name, " ".join(js)))
            got = self.boot(name, js, len(groups) == 1)
            jobs += self.after_stuck_host(name, js, got, len(groups) == 1)
        report = {"flight": self.id, "name": self.name,
                  "rig": self.caches[groups[0][0]] if len(groups) == 1 else self.caches,
                  "hosts": [name for name, _ in groups],
                  "seconds": round(time.monotonic() - self.t0, 1), "jobs": jobs}
        rigreport.write(self.dir, report, prev)
        rigreport.set_latest(self.base, self.id)
        # CI shows only the tail of the output: one line for all results,
        # then what failed and the evidence of why.
        self.say("jobs: " + ", ".join("%s %s" % (j["name"], j["result"]) for j in jobs))
        for j in jobs:
            if "retried" in j:
                self.say("retried %s: %s" % (j["name"], j["retried"][:140]))
        failed = [j for j in jobs if j["result"] != "pass"]
        for j in failed:
            bad = next((s for s in j["steps"] if s["result"] != "pass"), None)
            self.say("FAILED %s (%s): step %s %s" % (j["name"], j["host"], bad["name"] if bad
                                                      else "?", bad["result"] if bad else ""))
            for ln in ((bad or {}).get("excerpt") or "").splitlines()[-4:]:
                self.say("    " + ln[:160])
            for ln in job_evidence(os.path.join(self.dir, j["name"])):
                self.say("    " + ln[:160])
        self.say("report: %s" % os.path.join(self.dir, "report.md"))
        return 0 if not failed else 1


# A host boot's own files: those the runner leaves in results/ (collect
# moves them up to the boot directory) and those flight.py writes there
# itself; host-try1/ keeps them all when a stuck host is booted again.
HOST_RESULT_FILES = ("boot.tsv", "xen-start.log", "xl-info.log", "xl-dmesg-boot.log",
                     "dom0-dmesg.log", "progress.log", "l1-modules.log", "l1-dmesg-boot.log",
                     "l1-dmesg.log")
HOST_BOOT_FILES = ("serial.log", "dom0-console.log", "qemu.log", "qemu-cmd.txt",
                   "host-cpus.txt", "host-cpus-syms.txt") + HOST_RESULT_FILES
# The project's kernel modules, as kallsyms names them.
OUR_MODULES = ("[vgpu_mdev]", "[vgpu_mdev_kvm]", "[vgpu_mdev_xen]", "[vfio_iommu_xen]",
               "[rgpu_uio]", "[rgpu_drm]")


# Where a CPU spins on a lock (a deadlock, anybody's: never the rig's fault).
LOCK_SPIN = ("spin_lock", "_lock_slowpath", "do_raw_spin", "_raw_read_lock", "_raw_write_lock")


def stuck_host_verdict(syms):
    """Whose fault a stuck host is, from where its vCPUs were: three
    samples of every vCPU's RIP, named from the L1's kallsyms
    (host-cpus-syms.txt).  Kernel code stops a CPU without a lockup report
    only by spinning with interrupts off: in a lock, or in a loop of its
    own.  So a sample in the project's modules or in a lock's spin loop is
    not the rig's fault; CPUs elsewhere (idle, at VMRUN, inside the L2
    guest) while the host's scheduler stood still for the heartbeat
    window are the emulator's (the kvm-l1 host's nested SVM under TCG,
    docs/rig-log.md)."""
    try:
        with open(syms) as f:
            lines = [ln.strip() for ln in f if " RIP " in ln]
    except OSError:
        lines = []
    if not lines:
        return "unknown: no CPU state with symbols"
    for ln in lines:
        if any(m in ln for m in OUR_MODULES):
            return "ours: " + ln
    for ln in lines:
        if any(m in ln.split(" RIP ")[1] for m in LOCK_SPIN):
            return "a lock: " + ln
    return "emulator: no vCPU in the project's code or in a lock (%s)" % "; ".join(
        sorted(set(ln.split(" ", 3)[3] for ln in lines)))[:200]


def heartbeat_age(results):
    """Seconds since the host's runner last renewed its heartbeat, or None
    before its first."""
    try:
        return int(time.time() - os.stat(os.path.join(results, "heartbeat")).st_mtime)
    except OSError:
        return None


def qmp_hmp(path, commands, rounds, pause):
    """Run human-monitor commands over a QMP socket, `rounds` times with
    `pause` seconds between: the answers, each headed by its command."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(path)
    f = sock.makefile("rw")

    def call(cmd, **args):
        f.write(json.dumps({"execute": cmd, "arguments": args} if args else {"execute": cmd}) + "\n")
        f.flush()
        while True:
            msg = json.loads(f.readline())
            if "return" in msg or "error" in msg:
                return msg

    json.loads(f.readline())            # the greeting
    call("qmp_capabilities")
    out = []
    for r in range(rounds):
        for c in commands:
            msg = call("human-monitor-command", **{"command-line": c})
            out.append("=== %s (sample %d)\n%s\n" % (c, r + 1, msg.get("return", msg.get("error"))))
        time.sleep(pause)
    sock.close()
    return out


def symbolize_rips(dump, kallsyms):
    """Each RIP in an `info registers` dump with the kernel symbol it is
    in, from a saved /proc/kallsyms (address, type, name [module])."""
    table = []
    with open(kallsyms) as f:
        for ln in f:
            parts = ln.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                table.append((int(parts[0], 16), " ".join(parts[2:])))
    table.sort()
    addrs = [a for a, _ in table]
    out, cpu = [], "CPU#?"
    for ln in dump.splitlines():
        if ln.startswith("CPU#"):
            cpu = ln.split()[0]
        m = re.search(r"\bRIP=([0-9a-f]{16})", ln)
        if m:
            rip = int(m.group(1), 16)
            i = bisect.bisect_right(addrs, rip) - 1
            near = i >= 0 and rip - addrs[i] < 0x100000
            out.append("%s RIP %016x %s" % (cpu, rip, "%s+0x%x" % (table[i][1], rip - addrs[i])
                                               if near else "?"))
    return out


def job_evidence(jobdir, most=3):
    """A failed job's evidence from dom0 (run.sh, dom0/host.sh): user-space
    crashes during the job, and the busiest processes just before a job
    timeout (a hung command)."""
    out = []
    try:
        with open(os.path.join(jobdir, "dom0-crashes.txt"), errors="replace") as f:
            out += ["dom0 crash: " + ln.strip() for ln in f if ln.strip()][:most]
    except OSError:
        pass
    try:
        with open(os.path.join(jobdir, "ps-at-timeout.txt"), errors="replace") as f:
            rows = f.read().splitlines()
        busy = [r for r in rows[1:] if " ps -eo " not in r and not r.rstrip().endswith("]")]
        out += ["at timeout: " + " ".join(r.split()) for r in busy[:most]]
    except OSError:
        pass
    return out


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _ended_by_signal(signum, frame):
    raise SystemExit("flight: ended by signal %d" % signum)


def _lock_timeout(signum, frame):
    raise SystemExit("flight: gave up waiting for the VM lock after %ds" % LOCK_WAIT)


def vm_lock():
    """One VM at a time on this 2-core machine: flights (and any other rig
    that takes the same lock, e.g. the KVM rig) queue on an flock on a
    machine-wide lock file (not in the cache: a flight with its own
    VGPU_RIG_CACHE must still queue).  Held until this process exits.

    Waiters queue first come, first served: each leaves a ticket
    (<time>-<pid>) next to the lock and only tries the flock when its ticket
    is the oldest of a live process; polling alone let late comers starve
    early ones."""
    path = os.environ.get("VGPU_RIG_LOCK") or (
        "/run/lock/vgpu-rig-vm.lock" if os.access("/run/lock", os.W_OK) else "/tmp/vgpu-rig-vm.lock")
    queue = path + ".queue"
    os.makedirs(queue, exist_ok=True)
    ticket = os.path.join(queue, "%020d-%d" % (time.time_ns(), os.getpid()))
    open(ticket, "w").close()
    f = open(path, "a")
    t = time.monotonic()
    said = False
    try:
        while True:
            live = []
            for name in sorted(os.listdir(queue)):
                pid = int(name.rsplit("-", 1)[1]) if "-" in name else 0
                if _pid_alive(pid):
                    live.append(name)
                else:  # a waiter that died: its ticket must not block the queue
                    try:
                        os.unlink(os.path.join(queue, name))
                    except OSError:
                        pass
            left = LOCK_WAIT - (time.monotonic() - t)
            if left <= 0:
                raise SystemExit("flight: gave up waiting for the VM lock after %ds" % LOCK_WAIT)
            if live and live[0] == os.path.basename(ticket):
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return f
                except BlockingIOError:
                    pass
                # Head of the queue: block in the kernel, woken at release
                # (as flock(1) users are; polling would lose every race).
                print("flight: waiting for %s (another VM is running)" % path, flush=True)
                signal.signal(signal.SIGALRM, _lock_timeout)
                signal.alarm(int(left) + 1)
                try:
                    fcntl.flock(f, fcntl.LOCK_EX)
                    return f
                finally:
                    signal.alarm(0)
            if not said:
                print("flight: queued for %s behind %d other flight(s)" % (path, len(live) - 1),
                      flush=True)
                said = True
            time.sleep(2)
    finally:
        os.unlink(ticket)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--flight", default="smoke", help="tests/rig/flights/<name>.list")
    ap.add_argument("--jobs", help="comma-separated job names (overrides --flight)")
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--guest-boot", choices=("disk", "kernel"), default="disk",
                    help="how Xen guests boot (docs/rig.md)")
    ap.add_argument("--accel", default="tcg,thread=multi", help="QEMU -accel (experiments)")
    ap.add_argument("--host", choices=sorted(HOSTS), default=None,
                    help="run only the jobs of this host (a job's host is the "
                         "'# rig-host:' line of its script; default xen)")
    ap.add_argument("--guest-cfg", action="append", default=[], metavar="LINE",
                    help="extra xl config line for every guest (experiments; "
                         "a cpus= line replaces the default pin, RIG_GUEST_CPUS)")
    args = ap.parse_args()
    if args.jobs:
        args.jobs = [j for j in args.jobs.split(",") if j]
        args.flight_name = "jobs:" + ",".join(args.jobs)
    else:
        with open(os.path.join(HERE, "flights", args.flight + ".list")) as f:
            lines = f.read().splitlines()
        args.jobs = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
        args.flight_name = args.flight
    for j in args.jobs:
        if not os.path.isfile(os.path.join(HERE, "jobs", j + ".sh")):
            print("flight: no job script tests/rig/jobs/%s.sh" % j, file=sys.stderr)
            return 2
    groups = host_groups(args.jobs, args.host)
    if not groups:
        print("flight: no job of host %s in %s" % (args.host, ", ".join(args.jobs)),
              file=sys.stderr)
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _ended_by_signal)
    lock = vm_lock()  # noqa: F841 (held for the process lifetime: every boot)
    return Flight(args).run(groups)


def xen_elf(cache, env=os.environ):
    """The hypervisor the Xen host boots: the image's own xen.elf, or
    RIG_XEN_ELF (for diagnosis: a Xen 4.17 from Debian's source with other
    build options; the image's 4.17 tools drive it)."""
    return env.get("RIG_XEN_ELF") or os.path.join(cache, "xen.elf")


def shell_quote(v):
    return "'" + v.replace("'", "'\\''") + "'"


def guest_extra_cfg(lines, env):
    """The xl config lines every Xen guest of the flight gets (the share's
    rig/guest-extra.cfg, appended by host.sh): --guest-cfg's, after the
    default pin of every guest vCPU to the Xen host's second CPU.

    Why the pin: every HVM guest that died of TCG's nested-SVM fault (a
    triple fault, often with Xen's own CS:RIP in the guest's VMCB) was
    running on the host's CPU 0 -- QEMU's first vCPU, 20 of 20 dumps --
    and guests pinned to CPU 1 ran a 6-minute two-guest rig-torture
    without one, where pinned to CPU 0 they died four times (docs/rig.md
    section 7, docs/rig-log.md).  RIG_GUEST_CPUS
    sets the pin (xl's cpus=, e.g. "0" to put the guests where they die,
    "all" for no pin); a --guest-cfg line with cpus= replaces it; with one
    host CPU (RIG_SMP=1) there is nothing to pin to."""
    pin = env.get("RIG_GUEST_CPUS")
    if pin is None:
        pin = "1" if int(env.get("RIG_SMP", "2")) >= 2 else "all"
    own = any(l.split("=", 1)[0].strip() == "cpus" for l in lines)
    if own or pin == "all":
        return list(lines)
    return ['cpus = "%s"' % pin] + list(lines)


def job_env(env, guest_cfg=()):
    """rig/job.env for the host (read by lib.sh): the job parameters
    (RIG_JOB_* from the environment) and the Xen host's variant, so a job
    such as rig-torture can say what it measured: QEMU's -cpu and -smp,
    Xen's extra options and the guests' extra xl lines (guest_extra_cfg)."""
    out = {k: v for k, v in env.items() if k.startswith("RIG_JOB_")}
    out["RIG_HOST_CPU"] = env.get("RIG_CPU", "max,-smap,-smep")
    out["RIG_HOST_SMP"] = env.get("RIG_SMP", "2")
    out["RIG_HOST_XEN_EXTRA"] = env.get("RIG_XEN_EXTRA", "").strip()
    out["RIG_HOST_XEN_ELF"] = env.get("RIG_XEN_ELF", "")
    out["RIG_HOST_GUEST_CFG"] = "; ".join(guest_cfg)
    return "".join("%s=%s\n" % (k, shell_quote(out[k])) for k in sorted(out))


def job_host(job):
    """The host a job runs on: its script's `# rig-host:` line, else xen."""
    with open(os.path.join(HERE, "jobs", job + ".sh")) as f:
        for line in f:
            if not line.startswith("#"):
                break
            if line.startswith("# rig-host:"):
                return line.split(":", 1)[1].strip()
    return "xen"


def host_groups(jobs, only=None):
    """[(host, [jobs in list order])], hosts in HOSTS order (xen first):
    one boot per host."""
    by = {}
    for j in jobs:
        h = job_host(j)
        if h not in HOSTS:
            raise SystemExit("flight: job %s names unknown rig-host %r" % (j, h))
        by.setdefault(h, []).append(j)
    return [(h, by[h]) for h in HOSTS if h in by and (only is None or h == only)]


if __name__ == "__main__":
    sys.exit(main())
