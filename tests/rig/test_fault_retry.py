"""Unit tests of the rig's retry policy (tests/rig/dom0/host.sh, no rig
needed): which guest triple faults and dom0 crashes a job is retried on
(only those the rig can prove are its own) and which fail it.  The shell
functions run under sh, as in dom0, on recorded log text."""
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS = (os.path.join(HERE, "lib.sh"), os.path.join(HERE, "dom0", "host.sh"))

# Xen's log around the known TCG flake (flight 20261121-151743): the dump of
# the guest's state is Xen's own, CS e008.
XEN_CS_FAULT = """(XEN) [  124.915340] d2v0 Triple fault - invoking HVM shutdown action 1
(XEN) [  124.915632] *** Dumping Dom2 vcpu#0 state: ***
(XEN) [  124.916429] RIP:    e008:[<ffff82d0402044a5>]
(XEN) [  124.916615] RFLAGS: 0000000000000246   CONTEXT: hvm guest (d2v0)
"""
# A triple fault with the guest kernel's own RIP.
GUEST_RIP_FAULT = """(XEN) [  300.100000] d2v1 Triple fault - invoking HVM shutdown action 1
(XEN) [  300.100100] *** Dumping Dom2 vcpu#1 state: ***
(XEN) [  300.100200] RIP:    0010:[<ffffffff81a0c3d2>]
"""
OTHER = "(XEN) [   10.000000] d0v0 something else\n(XEN) [   11.0] HVM d2v0 save: CPU\n"

CONSOLE_BOOTING = "Probing EDD (edd=off to disable)... ok\n"
CONSOLE_IN_USE = ("RIG-GUEST: init up 13.2s\r\nRIG-GUEST: devices in use from here\r\n"
                  "PASS probe 0.08s\r\n")


class Shell:
    """Runs lib.sh and host.sh functions in a scratch job directory ($OUT)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp()
        self.out = os.path.join(self.dir, "out")
        self.bin = os.path.join(self.dir, "bin")
        os.makedirs(self.out)
        os.makedirs(self.bin)

    def close(self):
        shutil.rmtree(self.dir)

    def write(self, name, text):
        with open(os.path.join(self.out, name), "w") as f:
            f.write(text)

    def read(self, name):
        p = os.path.join(self.out, name)
        if not os.path.exists(p):
            return None
        with open(p) as f:
            return f.read()

    def fake_xl_dmesg(self, text):
        """An `xl` on PATH whose `dmesg` prints TEXT."""
        self.write(".xl-dmesg", text)
        p = os.path.join(self.bin, "xl")
        with open(p, "w") as f:
            f.write('#!/bin/sh\n[ "$1" = dmesg ] && cat "%s"\n'
                    % os.path.join(self.out, ".xl-dmesg"))
        os.chmod(p, 0o755)

    def run(self, script, stdin=""):
        env = dict(os.environ, OUT=self.out, PATH=self.bin + ":" + os.environ["PATH"])
        # progress() writes to dom0's share; here it is a no-op.
        p = subprocess.run(["sh", "-c", '. "%s"; . "%s"; progress() { :; }; %s' % (LIBS + (script,))],
                           input=stdin, capture_output=True, text=True, env=env)
        return p.returncode, p.stdout


class TripleFaultVerdictTest(unittest.TestCase):
    def setUp(self):
        self.sh = Shell()
        self.sh.write("guest-g.console", CONSOLE_BOOTING)
        self.sh.write("guest-used.console", CONSOLE_IN_USE)

    def tearDown(self):
        self.sh.close()

    def verdict(self, log, device, console="guest-g.console", domid=2):
        rc, out = self.sh.run('triple_fault_verdict %d %s "$OUT/%s"' % (domid, device, console),
                              stdin=log)
        return rc, out.splitlines()

    def test_no_triple_fault(self):
        self.assertEqual(self.verdict(OTHER, "none"), (1, []))

    def test_other_domains_fault_is_not_this_ones(self):
        self.assertEqual(self.verdict(XEN_CS_FAULT.replace("d2v0", "d12v0"), "none"), (1, []))
        self.assertEqual(self.verdict(XEN_CS_FAULT, "none", domid=12), (1, []))

    def test_known_flake_without_device_is_retried(self):
        rc, out = self.verdict(OTHER + XEN_CS_FAULT, "none")
        self.assertEqual(rc, 0)
        self.assertTrue(out[0].startswith("retry known TCG flake"), out)
        self.assertEqual(out[1], "d2v0 Triple fault - invoking HVM shutdown action 1")
        self.assertEqual(out[2], "RIP:    e008:[<ffff82d0402044a5>]")

    def test_known_flake_before_the_device_is_used_is_retried(self):
        rc, out = self.verdict(XEN_CS_FAULT, "device")
        self.assertTrue(out[0].startswith("retry known TCG flake"), out)
        self.assertIn("before the guest used its device", out[0])

    def test_known_flake_after_the_device_is_used_fails(self):
        # The hostile guest of the issue: it programmed its own vGPU, then
        # died with Xen's CS in the dump.  Not excused.
        rc, out = self.verdict(XEN_CS_FAULT, "device", "guest-used.console")
        self.assertTrue(out[0].startswith("fail "), out)
        self.assertIn("RIP:    e008:", out[2])

    def test_guest_rip_fault(self):
        rc, out = self.verdict(GUEST_RIP_FAULT, "none")
        self.assertTrue(out[0].startswith("retry ") and "without a device" in out[0], out)
        # Before the guest used its device, the device cannot be the cause.
        rc, out = self.verdict(GUEST_RIP_FAULT, "device", "guest-g.console")
        self.assertTrue(out[0].startswith("retry ") and "before the guest used" in out[0], out)
        self.assertEqual(out[2], "RIP:    0010:[<ffffffff81a0c3d2>]")
        rc, out = self.verdict(GUEST_RIP_FAULT, "device", "guest-used.console")
        self.assertTrue(out[0].startswith("fail "), out)
        self.assertEqual(out[2], "RIP:    0010:[<ffffffff81a0c3d2>]")

    def test_fault_without_dump(self):
        lone = XEN_CS_FAULT.splitlines()[0] + "\n"
        rc, out = self.verdict(lone, "device")
        self.assertTrue(out[0].startswith("retry ") and "before the guest used" in out[0], out)
        self.assertEqual(out[2], "(no register dump)")
        rc, out = self.verdict(lone, "device", "guest-used.console")
        self.assertTrue(out[0].startswith("fail "), out)
        self.assertEqual(out[2], "(no register dump)")

    def test_missing_console_counts_as_not_used(self):
        rc, out = self.verdict(XEN_CS_FAULT, "device", "guest-nosuch.console")
        self.assertTrue(out[0].startswith("retry "), out)


class CheckFlakeTest(unittest.TestCase):
    """check_flake: a retry verdict goes to $OUT/flake, any other to
    $OUT/triple-fault (once) and a note."""

    def setUp(self):
        self.sh = Shell()
        self.sh.write(".domid-g", "2\n")

    def tearDown(self):
        self.sh.close()

    def test_retry(self):
        self.sh.write("g.cfg", 'name = "g"\n')
        self.sh.fake_xl_dmesg(XEN_CS_FAULT)
        rc, _ = self.sh.run("check_flake g")
        self.assertEqual(rc, 0)
        self.assertIn("guest g (d2)", self.sh.read("flake"))
        self.assertIsNone(self.sh.read("triple-fault"))

    def test_fail_keeps_evidence_once(self):
        self.sh.write("g.cfg", 'name = "g"\nvgpu = [ "type=refgpu-8" ]\n')
        self.sh.write("guest-g.console", CONSOLE_IN_USE)
        self.sh.fake_xl_dmesg(XEN_CS_FAULT)
        rc, _ = self.sh.run("check_flake g; check_flake g")
        self.assertEqual(rc, 1)
        self.assertIsNone(self.sh.read("flake"))
        tf = self.sh.read("triple-fault").splitlines()
        self.assertEqual(len(tf), 1)
        self.assertIn("after the guest used its device", tf[0])
        self.assertIn("RIP:    e008:", tf[0])
        self.assertEqual(self.sh.read("notes").splitlines(), tf)

    def test_no_fault(self):
        self.sh.fake_xl_dmesg(OTHER)
        self.assertEqual(self.sh.run("check_flake g")[0], 1)
        self.assertIsNone(self.sh.read("flake"))
        self.assertIsNone(self.sh.read("triple-fault"))


class GuestHasDeviceTest(unittest.TestCase):
    def setUp(self):
        self.sh = Shell()

    def tearDown(self):
        self.sh.close()

    def has(self, cfg=None, marked=False):
        if cfg is not None:
            self.sh.write("g.cfg", 'name = "g"\ntype = "hvm"\n' + cfg)
        if marked:
            self.sh.run("guest_device g")
        return self.sh.run("guest_has_device g")[0] == 0

    def test_plain_guest(self):
        self.assertFalse(self.has(""))

    def test_config_lines(self):
        for line in ('vgpu = [ "type=refgpu-8,uuid=x" ]\n',
                     'device_model_override = "/share/bin/vgpu-qemu-dm"\n',
                     'device_model_args_hvm = [ "-device", "vfio-pci,sysfsdev=x" ]\n'):
            self.sh.close()
            self.sh = Shell()
            self.assertTrue(self.has(line), line)

    def test_marked_by_the_job(self):
        self.assertTrue(self.has("", marked=True))

    def test_unknown_guest_is_not_proven_free(self):
        self.assertTrue(self.has(None))


class Dom0CrashLinesTest(unittest.TestCase):
    LOG = """[   12.000000] xen:balloon: Initialising balloon driver
[   85.118273] xl[1432]: segfault at 2 ip 00007f3e8a1c2e45 sp 00007ffd4cfe2a50 error 4 in ld-linux-x86-64.so.2[7f3e8a1b8000+25000] likely on CPU 1 (core 0, socket 1)
[   90.000001] traps: mawk[1500] general protection fault ip:262c6 sp:7ffc0 error:0 in mawk[55d0+1f000]
[   91.000001] traps: grep[1501] trap invalid opcode ip:7f00 sp:7ffc error:0 in libc.so.6[7f00+155000]
[   92.000000] vgpu-backend[1200]: segfault at 0 ip 000055 sp 00007ffd error 6 in vgpu-backend[55+20000]
[   93.000000] traps: vgpuctl[1300] general protection fault ip:55 sp:7ff error:0
[   94.000000] qmp-screendump[1400]: segfault at 8 ip 55 sp 7ff error 4
[   95.000000] general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI
[   95.000100] CPU: 0 PID: 1200 Comm: vgpu-backend Tainted: G           O       6.1.0-28-amd64
[   96.000000] xen-qemu-system[1600]: segfault at 7ffd1000 ip 00005 sp 00007ffd1008 error 6 in xen-qemu-system-i386[55+60000]
"""

    def test_only_non_project_user_crashes(self):
        sh = Shell()
        try:
            rc, out = sh.run("dom0_crash_lines", stdin=self.LOG)
        finally:
            sh.close()
        names = [ln.split("] ", 1)[1].split("[")[0].replace("traps: ", "")
                 for ln in out.splitlines()]
        self.assertEqual(names, ["xl", "mawk", "grep", "xen-qemu-system"])


if __name__ == "__main__":
    unittest.main()
