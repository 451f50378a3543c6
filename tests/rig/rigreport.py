"""rigreport.py: flight results -> report.json + report.md, regressions.

Result words follow OSSTest: pass; fail (the thing under test failed);
broken (the rig failed: timeout, QEMU died); blocked (not run because an
earlier step did not pass).
"""
import json
import os

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


def _fence(text):
    return "```\n%s\n```\n" % text.replace("```", "'''")


def write(flight_dir, report, prev):
    report["previous"] = prev["flight"] if prev else None
    report["regressions"] = regressions(report, prev)
    with open(os.path.join(flight_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    md = ["# Flight %s\n" % report["flight"],
          "Rig image: `%s`; wall time %.0f s.\n" % (report.get("rig"), report["seconds"]),
          "| job | result | steps (seconds) |", "|---|---|---|"]
    for j in report["jobs"]:
        cells = ", ".join("%s %s %.0f" % (s["name"], s["result"], s["seconds"]) for s in j["steps"])
        res = j["result"] + (" (retried)" if "retried" in j else "")
        md.append("| %s | **%s** | %s |" % (j["name"], res, cells))
    md.append("\n## Regressions against %s\n" % (report["previous"] or "(no previous flight)"))
    md += ["- " + r for r in report["regressions"]] or ["none"]
    for j in report["jobs"]:
        md.append("\n## Job %s: %s\n" % (j["name"], j["result"]))
        if "retried" in j:
            md.append("Retried once on the known rig flake: `%s`. First attempt: %s.\n" % (
                j["retried"], ", ".join("%s %s" % (s["name"], s["result"])
                                        for s in j.get("first_attempt", []))))
        md.append("Logs: `%s` (per step `<step>.log`, `xl-dmesg.log`, `xen-logs/`, guest "
                  "`*.console`); boot-wide: `serial.log` (Xen + dom0), `dom0-console.log`, "
                  "`xl-dmesg-boot.log`, `dom0-dmesg.log`.\n" % j.get("logs", ""))
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
