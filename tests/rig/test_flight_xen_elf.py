"""Unit tests of flight.py's choice of hypervisor (no rig needed): the
image's xen.elf unless RIG_XEN_ELF names another (docs/rig.md section 2),
and the jobs learn which one they ran on."""
import unittest

import flight


class XenElfTest(unittest.TestCase):
    def test_default_is_the_images_own(self):
        self.assertEqual(flight.xen_elf("/cache/xen-1", {}), "/cache/xen-1/xen.elf")
        self.assertEqual(flight.xen_elf("/cache/xen-1", {"RIG_XEN_ELF": ""}),
                         "/cache/xen-1/xen.elf")

    def test_rig_xen_elf_replaces_it(self):
        self.assertEqual(flight.xen_elf("/cache/xen-1", {"RIG_XEN_ELF": "/root/xen-shadow.elf"}),
                         "/root/xen-shadow.elf")

    def test_job_env_tells_the_hypervisor(self):
        self.assertIn("RIG_HOST_XEN_ELF='/root/xen-shadow.elf'\n",
                      flight.job_env({"RIG_XEN_ELF": "/root/xen-shadow.elf"}))
        self.assertIn("RIG_HOST_XEN_ELF=''\n", flight.job_env({}))


if __name__ == "__main__":
    unittest.main()
