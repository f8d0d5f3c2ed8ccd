#!/usr/bin/env python3
"""The kit's kill matrix: dsalloc-conform against every broken variant, both profiles.

"A test that cannot fail is a defect", and "no false verdicts": every variant
(src/internal/variant.h) is a bug under the strict profile, so the kit must
fail it there; under the portable profile it must fail it too, unless the
variant's behaviour is one the base classes or Wine legitimately choose
(--portable-legit), in which case the portable kit must PASS it. Both
directions are checked. The kit first runs against the embedded dsalloc under
both profiles and must pass.

THREAD.SAFE fails only for a history that no single-threaded replay of its
ops reproduces, so a variant that is not a concurrency bug (every variant but
those --concurrency-bugs names, src/CMakeLists.txt) must never get a THREAD.SAFE
fail or flaky verdict, under either profile: its failures belong under the
rules it breaks.

Prints one row per variant: the profiles it is a bug under, and for each
profile the verdict and the phases that caught it, with the seconds the
catching check took (cases: the case's own time; sequential / parallel: the
exploration up to the failure, shrinking included).

    kill_matrix.py --kit build/release/conform/dsalloc-conform \\
        --variants-dir build/release/variants --variants "kA;kB" \\
        --portable-legit "kB" --concurrency-bugs "kC" [--phases cases,sequential,parallel,soak]
Exit status 0 when every expectation holds, 1 otherwise.
"""

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time


def run_kit(kit, server, profile, phases, timeout):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        command = [kit, "--profile", profile, "--json", report, "-q",
                   "--trace-dir", os.path.join(tmp, "traces")]
        if server:
            command += ["--server", server]
        if phases:
            command += ["--phases", phases]
        start = time.monotonic()
        try:
            proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"code": None, "seconds": time.monotonic() - start, "caught": {},
                    "output": "timed out"}
        seconds = time.monotonic() - start
        caught = {}
        thread_safe = None  # the THREAD.SAFE verdict's reason, if it failed
        if os.path.exists(report):
            with open(report, encoding="utf-8") as f:
                data = json.load(f)
            for r in data["results"]:
                if r["status"] in ("fail", "flaky"):
                    phase = r["phase"]
                    caught[phase] = min(caught.get(phase, 1e9), r["seconds"])
            for v in data["rules"]:
                if v["rule"] == "THREAD.SAFE" and v["status"] in ("fail", "flaky"):
                    thread_safe = "%s: %s" % (v["status"], v["reason"])
        return {"code": proc.returncode, "seconds": seconds, "caught": caught,
                "thread_safe": thread_safe, "output": proc.stdout}


def describe(result):
    if result["code"] is None:
        return "TIMED OUT"
    if result["code"] == 0:
        return "passes"
    if result["code"] != 1:
        return "ERROR (exit %d)" % result["code"]
    phases = ", ".join("%s %.2fs" % (p, s) for p, s in sorted(result["caught"].items()))
    return "caught: " + phases


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kit", required=True)
    parser.add_argument("--variants-dir", required=True)
    parser.add_argument("--variants", required=True, help="';'-separated names")
    parser.add_argument("--portable-legit", default="", help="';'-separated names")
    parser.add_argument("--concurrency-bugs", default="",
                        help="';'-separated names of the variants that may fail THREAD.SAFE")
    parser.add_argument("--phases", default="")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    variants = [v for v in args.variants.split(";") if v]
    legit = {v for v in args.portable_legit.split(";") if v}
    concurrency = {v for v in args.concurrency_bugs.split(";") if v}
    ok = True

    for profile in ("strict", "portable"):
        ref = run_kit(args.kit, "", profile, args.phases, args.timeout)
        print("embedded dsalloc, %s: %s (%.1f s)" % (profile, describe(ref), ref["seconds"]))
        if ref["code"] != 0:
            print(ref["output"][-3000:])
            ok = False
    if not ok:
        print("the kit must pass the embedded dsalloc before its kills mean anything")
        return 1

    jobs = []
    for v in variants:
        path = os.path.join(args.variants_dir, "libdsalloc_variant_%s.so" % v)
        for profile in ("strict", "portable"):
            jobs.append((v, profile, path))
    results = {}
    # Two kits at a time: most of a slow kit's time is a hung variant's
    # timeouts, not CPU.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(run_kit, args.kit, path, profile, args.phases, args.timeout):
                   (v, profile) for v, profile, path in jobs}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()

    width = max(len(v) for v in variants)
    print("\n%-*s  %-16s  %-44s  %s" % (width, "variant", "a bug under", "strict", "portable"))
    for v in variants:
        strict, portable = results[(v, "strict")], results[(v, "portable")]
        bug_under = "strict" if v in legit else "strict, portable"
        problems = []
        if strict["code"] != 1:
            problems.append("strict must fail it")
        if v in legit and portable["code"] != 0:
            problems.append("portable must pass it (a legitimate choice there)")
        if v not in legit and portable["code"] != 1:
            problems.append("portable must fail it")
        if v not in concurrency:
            for p in ("strict", "portable"):
                if results[(v, p)]["thread_safe"] is not None:
                    problems.append("THREAD.SAFE %s under %s, but it is not a concurrency bug"
                                    % (results[(v, p)]["thread_safe"], p))
        print("%-*s  %-16s  %-44s  %s%s" % (width, v, bug_under, describe(strict),
                                            describe(portable),
                                            ("   <-- " + "; ".join(problems)) if problems else ""))
        for p, r in ((x, results[(v, x)]) for x in ("strict", "portable")):
            if r["code"] not in (0, 1):
                print("    %s output:\n%s" % (p, r["output"][-2000:]))
        ok = ok and not problems
    print("\n%s" % ("every variant caught where it is a bug, passed where it is legitimate,"
                    " and no THREAD.SAFE failure for one that is not a concurrency bug"
                    if ok else "KILL MATRIX FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
