#!/usr/bin/env python3
"""dsalloc-conform's isolation against a deliberately hostile server
(conform/tests/hostile_server.cpp): a crash, a hang or a runaway allocation
in the server fails the cases it happens in, with a rule and a detail that
says what the child did, the other cases still run and pass, and neither
the kit nor the machine goes down.

    check_hostile.py --kit path/to/dsalloc-conform
                     --server path/to/libdsalloc_conform_hostile.so
                     --mode allocate|hang|crash [--out DIR] [--timeout S]
                     [--wrapper /usr/lib/wine/wine64]

With --wrapper the kit runs under it: dsalloc-conform.exe under Wine, judging
the hostile server built as a DLL; there the memory bound is the kit's own
(a job object, which Wine does not enforce, and the kit's polling of each
child's committed memory), and a crash is an exception code, not a signal.

Runs the kit's cases phase under the portable profile with DSALLOC_HOSTILE=MODE
and checks:
  - the kit exits 1 (not 2, not a signal) within --timeout, and so does its
    JSON report;
  - every failure is the mode's rule (allocate, crash: GEN.NOCRASH; hang:
    GEN.NOHANG), confirmed on replay (fail, not flaky), with a detail saying
    what the child did, and took no longer than the per-case timeout allows;
  - at least --min-passed cases passed;
  - no child of the run is left alive after the kit exits;
  - memory stayed bounded: the largest peak RSS of any process of the run
    (getrusage of the reaped descendants) is under the kit's per-child limit.
    Under --wrapper Wine starts the kit's children detached, so only the
    kit's own process is counted; there the children's bound is the kit's
    (the failure's detail: the child ended at its limit). That and "no
    child left alive" are what the run can hold of the machine;
    the machine's MemAvailable before and after is printed, not judged: it
    moves with whatever else the machine runs (ctest's other tests beside
    this one took a GiB in a CI run), so it judged the machine, not the kit.
"""

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from processes import survivors

CASE_TIMEOUT_S = 10
KIT_DEFAULT_MEMORY_LIMIT_MB = 2048  # dsalloc-conform's --memory-limit-mb default

EXPECTED = {
    # mode: (rule, phrases one of which the detail must contain)
    "allocate": ("GEN.NOCRASH", ("ran out of its memory limit",)),
    "crash": ("GEN.NOCRASH", ("killed by signal", "AddressSanitizer", "crashed with exception")),
    "hang": ("GEN.NOHANG", ("timed out",)),
}


def mem_available_mb():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kit", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--mode", required=True, choices=sorted(EXPECTED))
    ap.add_argument("--out", help="directory for the report and traces (default: a temporary one)")
    ap.add_argument("--timeout", type=float, default=240,
                    help="seconds the whole kit run may take (default 240)")
    ap.add_argument("--min-passed", type=int, default=50)
    ap.add_argument("--wrapper", help="a program the kit runs under (e.g. wine64)")
    ap.add_argument("--memory-limit-mb", type=int,
                    help="passed on to the kit (default: the kit's own, %d MiB). A smaller "
                    "limit keeps allocate quick on a loaded machine: the runaway writes every "
                    "page up to the limit, and a child still writing at the case timeout is a "
                    "hang, not a crash" % KIT_DEFAULT_MEMORY_LIMIT_MB)
    args = ap.parse_args()

    out = args.out or tempfile.mkdtemp(prefix="hostile-%s-" % args.mode)
    os.makedirs(out, exist_ok=True)
    report_path = os.path.join(out, "report.json")
    if os.path.exists(report_path):
        os.remove(report_path)
    marker = "DSALLOC_HOSTILE_CHECK_ID=" + uuid.uuid4().hex
    env = dict(os.environ)
    env["DSALLOC_HOSTILE"] = args.mode
    env[marker.split("=")[0]] = marker.split("=")[1]
    cmd = ([args.wrapper] if args.wrapper else []) + [
        args.kit, "--server", args.server, "--profile", "portable", "--phases", "cases",
        "--timeout", str(CASE_TIMEOUT_S), "--json", report_path, "-q",
        "--trace-dir", os.path.join(out, "traces")]
    limit_mb = KIT_DEFAULT_MEMORY_LIMIT_MB
    if args.memory_limit_mb:
        limit_mb = args.memory_limit_mb
        cmd += ["--memory-limit-mb", str(limit_mb)]

    problems = []
    available_before = mem_available_mb()
    start = time.monotonic()
    # A file, not a pipe: under Wine the prefix's own processes may inherit
    # the kit's output and hold a pipe open long after the kit is gone.
    output_path = os.path.join(out, "kit-output.txt")
    with open(output_path, "wb") as output_file:
        proc = subprocess.Popen(cmd, env=env, stdout=output_file, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            problems.append("the kit did not finish within %.0f s" % args.timeout)
    seconds = time.monotonic() - start
    with open(output_path, "rb") as output_file:
        output = output_file.read().decode(errors="replace")
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # KiB on Linux
    available_after = mem_available_mb()

    # Under Wine only the kit's own image counts (processes.survivors).
    left = survivors(marker, os.path.basename(args.kit) if args.wrapper else None)
    if left:
        problems.append("children of the run still alive after the kit exited: %s" % left)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    code = proc.returncode
    if code is not None and code < 0:
        problems.append("the kit itself was killed by signal %d" % -code)
    elif code != 1:
        problems.append("the kit exited %s, expected 1 (failures found)" % code)

    rule, phrases = EXPECTED[args.mode]
    failed = []
    try:
        with open(report_path) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        report = None
        problems.append("no JSON report (%s)" % e)
    if report is not None:
        if report.get("exit_code") != 1:
            problems.append("the report's exit_code is %s, expected 1" % report.get("exit_code"))
        results = report.get("results", [])
        passed = [r for r in results if r.get("status") == "pass"]
        failed = [r for r in results if r.get("status") in ("fail", "flaky")]
        if len(passed) < args.min_passed:
            problems.append("only %d cases passed, expected at least %d" %
                            (len(passed), args.min_passed))
        if not failed:
            problems.append("no case failed: the hostile server went unnoticed")
        for r in failed:
            name = r.get("name")
            div = r.get("divergence") or {}
            detail = r.get("detail") or ""
            said = detail + " " + (div.get("observed") or "")
            if r.get("status") != "fail":
                problems.append("%s: %s, expected a confirmed fail" % (name, r.get("status")))
            if div.get("rule") != rule:
                problems.append("%s: reported rule %r, expected %s" % (name, div.get("rule"), rule))
            if not any(p in said for p in phrases):
                problems.append("%s: the detail does not say what the child did (%s): %r" %
                                (name, " / ".join(phrases), detail[:300]))
            # A hang is cut at the case's timeout (parallel cases get 4x);
            # a crash or an allocation refused by the limit is quick.
            if r.get("seconds", 0) > 4 * CASE_TIMEOUT_S + 5:
                problems.append("%s took %.1f s" % (name, r.get("seconds", 0)))
        verdicts = {v.get("rule"): v.get("status") for v in report.get("rules", [])}
        if verdicts.get(rule) != "fail":
            problems.append("rule %s is %s in the rule table, expected fail" %
                            (rule, verdicts.get(rule)))

    # Memory: no child grew past its limit (RLIMIT_AS bounds the address
    # space, so RSS can only be lower; ASan's hard_rss_limit_mb may overshoot
    # a little before it fires).
    slack_mb = 1024 if "asan" in os.path.basename(args.kit) else 256
    if peak_rss_mb > limit_mb + slack_mb:
        problems.append("a process of the run peaked at %d MiB RSS (limit %d MiB)" %
                        (peak_rss_mb, limit_mb))
    print("mode %s: kit exit %s in %.1f s; %d failing case(s); peak child RSS %d MiB "
          "(limit %d); MemAvailable %s -> %s MiB" % (args.mode, code, seconds, len(failed),
                                                     peak_rss_mb, limit_mb, available_before,
                                                     available_after))
    for r in failed:
        div = r.get("divergence") or {}
        print("  %-36s %-6s %-12s %6.2f s  %s" % (r.get("name"), r.get("status"), div.get("rule"),
                                                  r.get("seconds", 0),
                                                  div.get("observed")))
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        print("kit output (last 3000 characters):\n" + output[-3000:])
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
