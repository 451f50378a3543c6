"""Unit tests of flight.py's extra xl lines for every Xen guest (no rig
needed): by default the guests are kept off the host's CPU 0, where TCG's
nested-SVM fault kills them (docs/rig.md section 7); an experiment can move
or drop the pin, and the jobs learn what the guests ran with."""
import unittest

import flight


class GuestExtraCfgTest(unittest.TestCase):
    def test_default_pins_guests_off_cpu0(self):
        self.assertEqual(flight.guest_extra_cfg([], {}), ['cpus = "1"'])

    def test_experiment_lines_follow_the_pin(self):
        self.assertEqual(flight.guest_extra_cfg(['cpuid = "host,x2apic=0"'], {"RIG_SMP": "2"}),
                         ['cpus = "1"', 'cpuid = "host,x2apic=0"'])

    def test_own_cpus_line_replaces_the_pin(self):
        self.assertEqual(flight.guest_extra_cfg(['cpus = "0"'], {}), ['cpus = "0"'])
        self.assertEqual(flight.guest_extra_cfg(['cpus="0-1"'], {}), ['cpus="0-1"'])

    def test_rig_guest_cpus(self):
        self.assertEqual(flight.guest_extra_cfg([], {"RIG_GUEST_CPUS": "0"}), ['cpus = "0"'])
        self.assertEqual(flight.guest_extra_cfg([], {"RIG_GUEST_CPUS": "all"}), [])

    def test_one_host_cpu_has_nothing_to_pin_to(self):
        self.assertEqual(flight.guest_extra_cfg([], {"RIG_SMP": "1"}), [])

    def test_job_env_tells_the_guest_lines(self):
        env = flight.job_env({"RIG_JOB_MINUTES": "6"}, ['cpus = "1"'])
        self.assertIn("RIG_HOST_GUEST_CFG='cpus = \"1\"'\n", env)
        self.assertIn("RIG_JOB_MINUTES='6'\n", env)
        self.assertIn("RIG_HOST_GUEST_CFG=''\n", flight.job_env({}))


if __name__ == "__main__":
    unittest.main()
