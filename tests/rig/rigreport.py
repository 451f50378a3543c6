"""rigreport.py: flight results -> report.json + report.md, regressions.

Result words follow OSSTest: pass; fail (the thing under test failed);
broken (the rig failed: timeout, QEMU died); blocked (not run because an
earlier step did not pass).
"""
import glob
import json
import os
import re

ORDER = ("fail", "broken", "blocked")


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:]).rstrip()
    except OSError:
        return ""


def read_tsv(path):
    """steps.tsv / boot.tsv: name <tab> result <tab> seconds."""
    rows = []
    try:
        with open(path) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) >= 3:
                    rows.append({"name": p[0], "result": p[1], "seconds": float(p[2])})
    except OSError:
        pass
    return rows


def job_steps(jobdir, boot_problem=None):
    """A job's steps with log excerpts; a step cut off by the rig (QEMU
    killed or dead) is broken."""
    steps = read_tsv(os.path.join(jobdir, "steps.tsv"))
    running = os.path.join(jobdir, ".running")
    if os.path.exists(running):
        with open(running) as f:
            name = (f.read().split() or ["?"])[0]
        steps.append({"name": name, "result": "broken", "seconds": 0,
                      "excerpt": boot_problem or "step never finished"})
    for s in steps:
        if "excerpt" not in s:
            s["excerpt"] = tail(os.path.join(jobdir, s["name"] + ".log"),
                                3 if s["result"] == "pass" else 20)
    return steps


def job_result(steps):
    """The job's result is its first step that did not pass."""
    for s in steps:
        if s["result"] != "pass":
            return s["result"]
    return "pass" if steps else "broken"


def load_previous(base, name, current):
    """The newest flight before `current` with the same name, or None."""
    for fid in sorted(os.listdir(base), reverse=True):
        if fid >= current or fid.startswith("."):
            continue
        try:
            with open(os.path.join(base, fid, "report.json")) as f:
                rep = json.load(f)
        except (OSError, ValueError):
            continue
        # Flights from before names were recorded: compare by job set.
        if rep.get("name", "jobs:" + ",".join(j["name"] for j in rep.get("jobs", []))) == name:
            return rep
    return None


def regressions(cur, prev):
    """Jobs and steps that passed in the previous flight and do not now."""
    if not prev:
        return []
    out = []
    pjobs = {j["name"]: j for j in prev.get("jobs", [])}
    for j in cur["jobs"]:
        pj = pjobs.get(j["name"])
        if not pj:
            continue
        if pj["result"] == "pass" and j["result"] != "pass":
            out.append("job %s: pass -> %s" % (j["name"], j["result"]))
        psteps = {s["name"]: s["result"] for s in pj.get("steps", [])}
        for s in j["steps"]:
            if psteps.get(s["name"]) == "pass" and s["result"] != "pass":
                out.append("step %s/%s: pass -> %s" % (j["name"], s["name"], s["result"]))
    return out


# ---------------------------------------------------------------- Xen vs KVM
# The guest program's per-scenario lines (docs/guest.md): today's
#   PASS <name> <s>s traps=<n> irqs=<n> ...
# and the older rgpu-guest-test form
#   RIG-GUEST: <name> PASS <s>s traps=<n> ...
SCENARIO_RES = (
    re.compile(r"(?P<res>PASS|FAIL) (?P<name>[a-z0-9_-]+) (?P<secs>[0-9.]+)s traps=(?P<traps>\d+)"
               r"(?: irqs=(?P<irqs>\d+))?"),
    re.compile(r"RIG-GUEST: (?P<name>[a-z0-9_-]+) (?P<res>PASS|FAIL) (?P<secs>[0-9.]+)s "
               r"traps=(?P<traps>\d+)"),
)
CLOSING_RE = re.compile(r"(^|\s)\d+ passed, \d+ failed|RIG-GUEST: summary ")
# The paths compared: (job, key of its row fields, column label).  The
# same vgpu-guest program on each; times are relative to the KVM path.
COMPARED = (("xen-vgpu", "xen", "Xen daemon"), ("xen-mdev", "xen_mdev", "Xen mdev"),
            ("kvm-vgpu", "kvm", "KVM mdev"))


def guest_scenarios(lines):
    """{scenario: {result, seconds, traps, irqs}} from a guest console: the
    first full run only (a job may run the program again, e.g. xen-vgpu's
    INTx pass, after the first closing line)."""
    out = {}
    for line in lines:
        for rx in SCENARIO_RES:
            m = rx.search(line)
            if m:
                out.setdefault(m.group("name"), {
                    "result": m.group("res").lower(), "seconds": float(m.group("secs")),
                    "traps": int(m.group("traps")),
                    "irqs": int(m["irqs"]) if m.groupdict().get("irqs") else None})
                break
        if out and CLOSING_RE.search(line):
            break
    return out


def job_scenarios(flight_dir, job):
    """The scenarios of the job's guest consoles (first one with any)."""
    for con in sorted(glob.glob(os.path.join(flight_dir, job, "*.console"))):
        with open(con, errors="replace") as f:
            sc = guest_scenarios(f.read().splitlines())
        if sc:
            return sc
    return {}


def path_comparison(flight_dir, jobs):
    """Rows comparing the guest runs of the compared paths in this flight
    (keys <path>_result/_seconds/_traps/_irqs, <path>_vs_kvm_time), or None
    when none of their jobs ran."""
    names = {j["name"] for j in jobs}
    if not any(job in names for job, _, _ in COMPARED):
        return None
    per = {key: job_scenarios(flight_dir, job) if job in names else {}
           for job, key, _ in COMPARED}
    order = []
    for _, key, _ in COMPARED:
        order += [n for n in per[key] if n not in order]
    rows = []
    for n in order + ["total"]:
        row = {"scenario": n}
        for _, key, _ in COMPARED:
            if n == "total":
                vals = list(per[key].values())
                d = {"result": ("pass" if vals and all(v["result"] == "pass" for v in vals)
                                else "fail") if vals else None,
                     "seconds": round(sum(v["seconds"] for v in vals), 2) if vals else None,
                     "traps": sum(v["traps"] for v in vals) if vals else None,
                     "irqs": (sum(v["irqs"] for v in vals)
                              if vals and all(v["irqs"] is not None for v in vals) else None)}
            else:
                d = per[key].get(n, {})
            for k in ("result", "seconds", "traps", "irqs"):
                row["%s_%s" % (key, k)] = d.get(k)
        k = row["kvm_seconds"]
        for _, key, _ in COMPARED[:-1]:
            x = row[key + "_seconds"]
            row[key + "_vs_kvm_time"] = round(x / k, 2) if x is not None and k else None
        rows.append(row)
    return rows


def comparison_md(rows):
    def cell(v, fmt="%s"):
        return "-" if v is None else fmt % v
    labels = [label for _, _, label in COMPARED]
    md = ["\n## Xen paths vs KVM path\n",
          "The same guest program (`vgpu-guest`, docs/guest.md), first full run, on three "
          "paths: the `xen-vgpu` job's HVM guest served by the `vgpu-backend` daemon "
          "through an IOREQ server (Xen daemon); the `xen-mdev` job's HVM guest served by "
          "`vgpu_mdev` through QEMU-xen's vfio-pci and the `vfio_iommu_xen` backend (Xen "
          "mdev); the `kvm-vgpu` job's L2 guest served by the same `vgpu_mdev` through "
          "QEMU's vfio-pci and type1 (KVM mdev). "
          "**Times are TCG-emulated guest wall-clock** (the Xen guests under Xen under "
          "TCG; the KVM guest under nested KVM under TCG): they compare the paths in "
          "this rig, not on hardware. traps = register accesses (each a VM exit served by "
          "the device model); irqs = interrupts the guest kernel took.\n",
          "| scenario | " + " | ".join(labels) + " | "
          + " | ".join("%s traps" % l for l in labels) + " | "
          + " | ".join("%s irqs" % l for l in labels) + " | "
          + " | ".join("%s time (s)" % l for l in labels) + " | "
          + " | ".join("%s/KVM time" % l for l in labels[:-1]) + " |",
          "|---" * (1 + 4 * len(labels) + len(labels) - 1) + "|"]
    for r in rows:
        name = "**total**" if r["scenario"] == "total" else r["scenario"]
        cells = [cell(r[key + "_result"]) for _, key, _ in COMPARED]
        cells += [cell(r[key + "_traps"]) for _, key, _ in COMPARED]
        cells += [cell(r[key + "_irqs"]) for _, key, _ in COMPARED]
        cells += [cell(r[key + "_seconds"], "%.2f") for _, key, _ in COMPARED]
        cells += [cell(r[key + "_vs_kvm_time"], "%.2f") for _, key, _ in COMPARED[:-1]]
        md.append("| %s | %s |" % (name, " | ".join(cells)))
    return md


def _fence(text):
    return "```\n%s\n```\n" % text.replace("```", "'''")


def write(flight_dir, report, prev):
    report["previous"] = prev["flight"] if prev else None
    report["regressions"] = regressions(report, prev)
    cmp_rows = path_comparison(flight_dir, report["jobs"])
    if cmp_rows is not None:
        report["path_comparison"] = cmp_rows
    with open(os.path.join(flight_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    md = ["# Flight %s\n" % report["flight"],
          "Rig image: `%s`; wall time %.0f s.\n" % (report.get("rig"), report["seconds"]),
          "| job | host | result | steps (seconds) |", "|---|---|---|---|"]
    for j in report["jobs"]:
        cells = ", ".join("%s %s %.0f" % (s["name"], s["result"], s["seconds"]) for s in j["steps"])
        res = j["result"] + (" (retried)" if "retried" in j else "")
        md.append("| %s | %s | **%s** | %s |" % (j["name"], j.get("host", "xen"), res, cells))
    if cmp_rows is not None:
        md += comparison_md(cmp_rows)
    md.append("\n## Regressions against %s\n" % (report["previous"] or "(no previous flight)"))
    md += ["- " + r for r in report["regressions"]] or ["none"]
    for j in report["jobs"]:
        md.append("\n## Job %s: %s\n" % (j["name"], j["result"]))
        if "retried" in j:
            md.append("Retried once on a fault the rig proved its own (docs/rig.md §6): `%s`. First attempt: %s.\n" % (
                j["retried"], ", ".join("%s %s" % (s["name"], s["result"])
                                        for s in j.get("first_attempt", []))))
        hostdir = "" if len(report.get("hosts", [])) < 2 else "host-%s/" % j.get("host", "xen")
        md.append("Logs: `%s` (per step `<step>.log`, `xl-dmesg.log`, `xen-logs/`, guest "
                  "`*.console`); boot-wide, in `%s`: `serial.log` (Xen + dom0), "
                  "`dom0-console.log`, `xl-dmesg-boot.log`, `dom0-dmesg.log` (kvm-l1: "
                  "`l1-*.log`).\n" % (j.get("logs", ""), hostdir or "./"))
        for n in j.get("notes", []):
            md.append("Note: %s\n" % n)
        for s in j["steps"]:
            md.append("- %s: **%s** (%.1f s)" % (s["name"], s["result"], s["seconds"]))
            if s["result"] != "pass" and s.get("excerpt"):
                md.append("\n" + _fence(s["excerpt"]))
    with open(os.path.join(flight_dir, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")


def set_latest(base, fid):
    """Point base/latest at the flight, atomically (rename over the link)."""
    tmp = os.path.join(base, ".latest.tmp")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(fid, tmp)
    os.replace(tmp, os.path.join(base, "latest"))
