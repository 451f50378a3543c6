"""Unit tests of rigreport.py's Xen-vs-KVM comparison (no rig needed):
python3 -m unittest discover -s tests/rig -p 'test_*.py' (make check-rig)."""
import json
import os
import shutil
import tempfile
import unittest

import rigreport

XEN_CONSOLE = """RIG-GUEST: init up 13.46s
PASS probe 0.08s traps=13 irqs=0 0000:00:05.0 bar0=0xf1000000+0x1000000 interrupts=msi\r
PASS fill 0.05s traps=22 irqs=0 4 passes x 6 rectangles\r
PASS irq 0.04s traps=32 irqs=2 2 interrupts by msi\r
FAIL display 20.10s traps=51 irqs=0 vblank interrupt 0 of 3: -110\r
vgpu-guest: 20.3s, 100 register reads, 18 writes, 2 interrupts (msi)\r
3 passed, 1 failed\r
RIG-GUEST: intx run begin
PASS probe 0.04s traps=13 irqs=0 interrupts=intx
PASS irq 0.10s traps=32 irqs=2 2 interrupts by intx
2 passed, 0 failed
"""
# The L2 console of the KVM job, in the older rgpu-guest-test format.
KVM_CONSOLE = """RIG-GUEST: vgpu at 0000:00:01.0
RIG-GUEST: probe PASS 0.02s traps=13 0000:00:01.0
RIG-GUEST: fill PASS 0.01s traps=22 4 passes
RIG-GUEST: irq PASS 0.02s traps=30 IIR latched 0x3
RIG-GUEST: track PASS 0.01s traps=8 pa 0xb5e1000
RIG-GUEST: summary PASS passed=4 failed=0
"""


class ComparisonTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for job, name, text in (("xen-vgpu", "guest-vg1.console", XEN_CONSOLE),
                                ("kvm-vgpu", "guest-l2.console", KVM_CONSOLE)):
            os.makedirs(os.path.join(self.dir, job))
            with open(os.path.join(self.dir, job, name), "w") as f:
                f.write(text)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_first_run_only(self):
        sc = rigreport.job_scenarios(self.dir, "xen-vgpu")
        self.assertEqual(list(sc), ["probe", "fill", "irq", "display"])
        # the INTx run after the closing line does not overwrite the first
        self.assertEqual(sc["probe"]["seconds"], 0.08)
        self.assertEqual(sc["irq"]["irqs"], 2)
        self.assertEqual(sc["display"]["result"], "fail")

    def test_old_format(self):
        sc = rigreport.job_scenarios(self.dir, "kvm-vgpu")
        self.assertEqual(sc["irq"], {"result": "pass", "seconds": 0.02, "traps": 30, "irqs": None})
        self.assertNotIn("summary", sc)

    def test_rows_and_totals(self):
        jobs = [{"name": "xen-vgpu"}, {"name": "kvm-vgpu"}]
        rows = {r["scenario"]: r for r in rigreport.path_comparison(self.dir, jobs)}
        self.assertEqual(list(rows), ["probe", "fill", "irq", "display", "track", "total"])
        self.assertEqual(rows["fill"]["xen_vs_kvm_time"], 5.0)
        self.assertIsNone(rows["display"]["kvm_result"])
        self.assertIsNone(rows["track"]["xen_traps"])
        t = rows["total"]
        self.assertEqual((t["xen_result"], t["xen_traps"], t["xen_irqs"]), ("fail", 118, 2))
        self.assertEqual((t["kvm_result"], t["kvm_traps"], t["kvm_irqs"]), ("pass", 73, None))
        self.assertEqual(t["xen_seconds"], 20.27)
        md = "\n".join(rigreport.comparison_md(rows.values()))
        self.assertIn("TCG-emulated", md)
        # scenario, 3 results, 3 traps, 3 irqs, 3 times, 2 ratios (no xen-mdev run here)
        self.assertIn("| display | fail | - | - | 51 | - | - | 0 | - | - | 20.10 | - | - | - | - |",
                      md)

    def test_report_json_and_md(self):
        report = {"flight": "f1", "name": "ci", "rig": "/x", "hosts": ["xen", "kvm-l1"],
                  "seconds": 1.0,
                  "jobs": [{"name": "xen-vgpu", "host": "xen", "result": "pass", "steps": []},
                           {"name": "kvm-vgpu", "host": "kvm-l1", "result": "pass",
                            "steps": []}]}
        rigreport.write(self.dir, report, None)
        with open(os.path.join(self.dir, "report.json")) as f:
            data = json.load(f)
        self.assertEqual(len(data["path_comparison"]), 6)
        with open(os.path.join(self.dir, "report.md")) as f:
            md = f.read()
        self.assertIn("## Xen paths vs KVM path", md)
        self.assertIn("| kvm-vgpu | kvm-l1 | **pass** |", md)
        self.assertIn("`host-kvm-l1/`", md)

    def test_three_paths(self):
        os.makedirs(os.path.join(self.dir, "xen-mdev"))
        with open(os.path.join(self.dir, "xen-mdev", "guest-xm1.console"), "w") as f:
            f.write("PASS probe 0.04s traps=13 irqs=0\nPASS fill 0.02s traps=22 irqs=0\n"
                    "PASS track 0.04s traps=8 irqs=0\n3 passed, 0 failed\n")
        jobs = [{"name": "xen-vgpu"}, {"name": "xen-mdev"}, {"name": "kvm-vgpu"}]
        rows = {r["scenario"]: r for r in rigreport.path_comparison(self.dir, jobs)}
        self.assertEqual(rows["fill"]["xen_mdev_traps"], 22)
        self.assertEqual(rows["fill"]["xen_mdev_vs_kvm_time"], 2.0)
        self.assertEqual(rows["track"]["xen_mdev_vs_kvm_time"], 4.0)
        self.assertIsNone(rows["track"]["xen_result"])
        t = rows["total"]
        self.assertEqual((t["xen_mdev_result"], t["xen_mdev_traps"], t["xen_mdev_irqs"]),
                         ("pass", 43, 0))
        md = "\n".join(rigreport.comparison_md(rows.values()))
        self.assertIn("| Xen daemon | Xen mdev | KVM mdev |", md)
        self.assertIn("| fill | pass | pass | pass | 22 | 22 | 22 | 0 | 0 | - | 0.05 | 0.02 | "
                      "0.01 | 5.00 | 2.00 |", md)

    def test_no_compared_jobs(self):
        self.assertIsNone(rigreport.path_comparison(self.dir, [{"name": "xen-boot"}]))


if __name__ == "__main__":
    unittest.main()
