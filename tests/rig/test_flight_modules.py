"""Unit tests of flight.py's choice of kernel modules (no rig needed):
a module is shipped only when it was built for the host image's kernel,
and anything else stops the host before it boots, saying what to do."""
import os
import shutil
import tempfile
import types
import unittest

import flight


def fake_ko(path, vermagic):
    """A file laid out like a module's .modinfo strings."""
    with open(path, "wb") as f:
        f.write(b"\x7fELF...\0license=GPL\0vermagic=" + vermagic.encode() +
                b" SMP preempt mod_unload modversions \0name=x\0")


class KernelModuleTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.cache = os.path.join(self.dir, "xen-0123456789abcdef-6.1.0-57-amd64")
        os.makedirs(self.cache)
        with open(os.path.join(self.cache, "kernel-release"), "w") as f:
            f.write("6.1.0-57-amd64\n")
        self.build = os.path.join(self.dir, "build")
        self.kdir = os.path.join(self.build, "kernel-6.1.0-57-amd64")
        os.makedirs(self.kdir)
        # kernel_module needs only these attributes of a Flight.
        self.fl = types.SimpleNamespace(cache=self.cache, hostname="xen",
                                        args=types.SimpleNamespace(build=self.build))

    def tearDown(self):
        shutil.rmtree(self.dir)

    def module(self, name, **kw):
        return flight.Flight.kernel_module(self.fl, name, **kw)

    def test_vermagic(self):
        fake_ko(os.path.join(self.kdir, "a.ko"), "6.1.0-57-amd64")
        self.assertEqual(flight.module_vermagic(os.path.join(self.kdir, "a.ko")),
                         "6.1.0-57-amd64")
        with open(os.path.join(self.kdir, "none.ko"), "wb") as f:
            f.write(b"no modinfo here")
        self.assertIsNone(flight.module_vermagic(os.path.join(self.kdir, "none.ko")))

    def test_matching_module(self):
        fake_ko(os.path.join(self.kdir, "vgpu_mdev.ko"), "6.1.0-57-amd64")
        self.assertEqual(self.module("vgpu_mdev.ko"), os.path.join(self.kdir, "vgpu_mdev.ko"))

    def test_missing_module_says_what_to_do(self):
        with self.assertRaises(flight.RigError) as e:
            self.module("vgpu_mdev.ko")
        self.assertIn("6.1.0-57-amd64", str(e.exception))
        self.assertIn("run make kernel", str(e.exception))
        self.assertIsNone(self.module("mtty.ko", optional=True))

    def test_wrong_kernel_is_an_error(self):
        # Built for another kernel but placed under this release's directory.
        fake_ko(os.path.join(self.kdir, "rgpu_uio.ko"), "6.1.0-58-amd64")
        for optional in (False, True):
            with self.assertRaises(flight.RigError) as e:
                self.module("rgpu_uio.ko", optional=optional)
            self.assertIn("vermagic 6.1.0-58-amd64", str(e.exception))
            self.assertIn("run make kernel", str(e.exception))


class JobEvidenceTest(unittest.TestCase):
    """What a failed job's FAILED block shows from dom0's evidence files."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def test_nothing_recorded(self):
        self.assertEqual(flight.job_evidence(self.dir), [])

    def test_crashes_and_hung_command(self):
        self.write("dom0-crashes.txt",
                   "[  812.5] sleep[2511]: segfault at 8 ip 00007f in libc.so.6\n\n")
        self.write("ps-at-timeout.txt",
                   "  PID  PPID STAT %CPU ELAPSED WCHAN ARGS\n"
                   " 3120  3001 R    98.0     410 -     xenstore-read /local/domain/3/x\n"
                   " 3300  3120 R     1.0       0 -     ps -eo pid,ppid,stat\n"
                   "   12     2 S     0.1     900 smpboot_thread [ksoftirqd/0]\n"
                   "  700     1 Ssl   0.5     900 do_epoll_wait /usr/sbin/xenstored\n")
        ev = flight.job_evidence(self.dir)
        self.assertEqual(ev[0], "dom0 crash: [  812.5] sleep[2511]: segfault at 8 ip 00007f in libc.so.6")
        self.assertEqual(ev[1], "at timeout: 3120 3001 R 98.0 410 - xenstore-read /local/domain/3/x")
        self.assertEqual(ev[2], "at timeout: 700 1 Ssl 0.5 900 do_epoll_wait /usr/sbin/xenstored")
        self.assertEqual(len(ev), 3)


class LockupWatchTest(unittest.TestCase):
    """When a host's console says it is wedged (flight.LockupWatch)."""

    def setUp(self):
        fd, self.path = tempfile.mkstemp()
        os.close(fd)
        self.addCleanup(os.unlink, self.path)
        self.w = flight.LockupWatch(self.path)

    def console(self, text):
        with open(self.path, "a") as f:
            f.write(text)

    LOCKUP = "[  313.1] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [rgpu-vblank:263]\n"

    def test_reports_that_go_on_wedge_the_host(self):
        self.console("[  280.0] booting\n" + self.LOCKUP)
        self.w.poll(100.0)
        self.assertIsNone(self.w.wedged())
        # a line arriving in two pieces is read once, whole
        self.console("[  340.2] rcu: INFO: rcu_preempt self-detected st")
        self.w.poll(150.0)
        self.assertIsNone(self.w.wedged())
        self.console("all on CPU\n")
        self.w.poll(100.0 + flight.WEDGE_GRACE)
        why = self.w.wedged()
        self.assertIn("host wedged", why)
        self.assertIn("CPU#0 stuck for 26s! [rgpu-vblank:263]", why)

    def test_progress_clears_a_transient_lockup(self):
        self.console(self.LOCKUP)
        self.w.poll(100.0)
        self.w.progress()
        self.console(self.LOCKUP)
        self.w.poll(100.0 + flight.WEDGE_GRACE)
        self.assertIsNone(self.w.wedged())

    def test_one_report_then_quiet_is_not_wedged(self):
        self.console(self.LOCKUP + "[  340.0] ordinary line\n")
        self.w.poll(100.0)
        self.w.poll(100.0 + 10 * flight.WEDGE_GRACE)
        self.assertIsNone(self.w.wedged())


class SymbolizeTest(unittest.TestCase):
    """Where a stuck host's CPUs were, by name (flight.symbolize_rips)."""

    def test_rips_named_per_cpu(self):
        fd, syms = tempfile.mkstemp()
        os.close(fd)
        self.addCleanup(os.unlink, syms)
        with open(syms, "w") as f:
            f.write("ffffffff81000000 T _stext\n"
                    "ffffffff81a75000 t native_apic_msr_eoi_write\n"
                    "ffffffff81a76000 T next_fn\n"
                    "ffffffffc0a01000 t vblank_thread\t[vgpu_mdev]\n")
        dump = ("CPU#0\nRAX=0000000000000000 RBX=0000000000000001\n"
                "RIP=ffffffff81a7505b RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
                "CPU#1\nRIP=ffffffffc0a01010 RFL=00000246\n"
                "CPU#1\nRIP=00007f0000001000 RFL=00000246\n")
        self.assertEqual(flight.symbolize_rips(dump, syms), [
            "CPU#0 RIP ffffffff81a7505b native_apic_msr_eoi_write+0x5b",
            "CPU#1 RIP ffffffffc0a01010 vblank_thread [vgpu_mdev]+0x10",
            "CPU#1 RIP 00007f0000001000 ?"])


class StuckHostTest(unittest.TestCase):
    """A host that stopped mid-job: whose fault, and the second boot."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def syms(self, *rips):
        p = os.path.join(self.dir, "host-cpus-syms.txt")
        with open(p, "w") as f:
            f.write("".join("CPU#%d RIP ffffffff81000000 %s\n" % (i % 2, r)
                            for i, r in enumerate(rips)))
        return p

    def test_verdicts(self):
        v = flight.stuck_host_verdict
        self.assertTrue(v(os.path.join(self.dir, "none")).startswith("unknown"))
        self.assertTrue(v(self.syms("default_idle+0x1", "rgpu_vfio_ioctl [vgpu_mdev]+0x20"))
                        .startswith("ours: CPU#1"))
        self.assertTrue(v(self.syms("native_queued_spin_lock_slowpath+0x40", "default_idle+0x1"))
                        .startswith("a lock"))
        self.assertEqual(v(self.syms("default_idle+0x1", "svm_vcpu_run+0x9", "?")),
                         "emulator: no vCPU in the project's code or in a lock "
                         "(?; default_idle+0x1; svm_vcpu_run+0x9)")

    def fake_flight(self, verdict_rips):
        fl = object.__new__(flight.Flight)
        fl.dir = fl.bootdir = self.dir
        fl.said, fl.boots = [], []
        fl.say = fl.said.append
        for f in ("serial.log", "progress.log", "share"):
            open(os.path.join(self.dir, f), "w").close()
        os.makedirs(os.path.join(self.dir, "b"))
        self.syms(*verdict_rips)
        fl.stuck = {"job": "b", "why": "host wedged: no heartbeat from the runner for 121s"}

        def boot(name, jobs, alone):
            fl.boots.append(jobs)
            fl.stuck = None
            return [{"name": j, "result": "pass", "steps": []} for j in jobs]
        fl.boot = boot
        first = [{"name": "a", "result": "pass", "steps": [{"name": "x", "result": "pass"}]},
                 {"name": "b", "result": "broken", "steps": [{"name": "y", "result": "broken"}]},
                 {"name": "c", "result": "broken", "steps": []}]
        return fl, first

    def test_emulator_fault_boots_again_from_the_stuck_job(self):
        fl, first = self.fake_flight(["default_idle+0x1", "?"])
        got = fl.after_stuck_host("kvm-l1", ["a", "b", "c"], first, True)
        self.assertEqual(fl.boots, [["b", "c"]])
        self.assertEqual([j["name"] for j in got], ["a", "b", "c"])
        self.assertIs(got[0], first[0])
        self.assertIn("no heartbeat", got[1]["retried"])
        self.assertIn("emulator", got[1]["retried"])
        self.assertEqual(got[1]["first_attempt"], [{"name": "y", "result": "broken"}])
        self.assertNotIn("retried", got[2])
        for kept in ("host-try1/serial.log", "host-try1/progress.log", "host-try1/share",
                     "host-try1/host-cpus-syms.txt", "b.try1"):
            self.assertTrue(os.path.exists(os.path.join(self.dir, kept)), kept)

    def test_our_fault_is_not_retried(self):
        fl, first = self.fake_flight(["xt_serve [vgpu_mdev_xen]+0x10"])
        self.assertIs(fl.after_stuck_host("kvm-l1", ["a", "b", "c"], first, True), first)
        self.assertEqual(fl.boots, [])
        self.assertIn("not retried: ours", fl.said[0])


if __name__ == "__main__":
    unittest.main()
