#!/usr/bin/env python3
"""The kill table: runs a checker against every deliberately broken variant.

"A test that cannot fail is a defect": every checker must reject every
variant in build/<preset>/variants/ (src/internal/variant.h). This runs

    DSALLOC_IMPL=<variant .so> <checker command...>

once per variant (two at a time: the machine has two cores), and prints

    variant | killed by | minimal trace | seconds

First the checker runs once against the embedded dsalloc and must pass: a
checker that fails everything would otherwise "kill" every variant. A
variant is killed when the run reports a failure: a
`dsalloc-props: KILLED property=P trace_length=N` line (props/property_check.h),
a failed GoogleTest test, a fuzz target's finding (a
`dsalloc-fuzz: FINDING target=T` line, fuzz/fuzz_env.h, or a sanitizer or
libFuzzer error report: fuzz/run_target.sh), or death by a signal (a crash
the checker provoked). Exit code 2 (cannot load the implementation, bad usage) is an
error, not a kill. "killed by" names the properties or tests. Exits 1 if
any variant survives, errs or times out, else 0.

    tools/kill_table.py --variants-dir build/release/variants \\
        [--variants "kA;kB"] [--timeout 600] -- build/release/props/dsalloc_props
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import time

KILLED = re.compile(r"dsalloc-props: KILLED property=(\S+) trace_length=(\d+)")
GTEST_FAILED = re.compile(r"^\[  FAILED  \] (\S+\.\S+)", re.M)
FUZZ_FINDING = re.compile(r"dsalloc-fuzz: FINDING target=(\S+)")
# A finding of the sanitizers or of libFuzzer itself (leak, timeout, crash).
FUZZ_ERROR = re.compile(r"==\d+== ?ERROR: (\w+): ([\w-]+)")
# The rule a finding names, and the input it printed as a trace.
FUZZ_RULE = re.compile(r"^\s+(?:rule |violation )?([A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)+):", re.M)
FUZZ_TRACE = re.compile(r"--- the input as a trace[^\n]*\n(.*?)--- end of trace ---", re.S)


def run_variant(variant, path, command, timeout):
    env = dict(os.environ, DSALLOC_IMPL=path)
    start = time.monotonic()
    try:
        proc = subprocess.run(command, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              errors="replace", timeout=timeout)
        output, code = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        output = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
        code = None
    seconds = time.monotonic() - start
    kills = KILLED.findall(output)
    failed_tests = GTEST_FAILED.findall(output)
    fuzz_findings = ["%s fuzzer" % t for t in FUZZ_FINDING.findall(output)]
    if fuzz_findings:
        rule = FUZZ_RULE.search(output)
        if rule:
            fuzz_findings[0] += " (%s)" % rule.group(1)
    else:
        fuzz_findings = ["%s %s" % e for e in FUZZ_ERROR.findall(output)]
    signalled = code is not None and code < 0
    reported = bool(kills or failed_tests or fuzz_findings or signalled)
    if fuzz_findings and not kills:
        by = fuzz_findings[0]
        trace = FUZZ_TRACE.search(output)
        trace_text = str(trace.group(1).count("\n")) if trace else "-"
    elif kills:
        by = ", ".join(name for name, _ in kills)
        trace = min(int(n) for _, n in kills)
        trace_text = str(trace) if trace > 0 else "-"
    else:
        failed = sorted(set(failed_tests))
        by = ", ".join(failed[:3]) + (" ..." if len(failed) > 3 else "")
        if signalled:
            by = (by + "; " if by else "") + "killed by signal %d" % -code
        trace_text = "-"
    return {
        "variant": variant,
        "killed": code not in (0, None, 2) and reported,
        "timeout": code is None,
        "error": code == 2 or (code not in (0, None) and not reported),
        "by": by,
        "trace": trace_text,
        "seconds": seconds,
        "output": output,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants-dir", required=True)
    parser.add_argument("--variants", default="",
                        help="';'-separated names (default: every .so in the dir,"
                        " the conformance kit's DSALLOC_KIT_VARIANTS included, which"
                        " today's checkers are not expected to kill)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-baseline", action="store_true",
                        help="the caller has just run the checker against the embedded"
                        " dsalloc without a failure (tools/run-fuzz.sh)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no checker command given")

    if args.variants:
        names = [v for v in args.variants.split(";") if v]
    else:
        names = sorted(f[len("libdsalloc_variant_"):-3]
                       for f in os.listdir(args.variants_dir)
                       if f.startswith("libdsalloc_variant_") and f.endswith(".so"))
    jobs = []
    for name in names:
        path = os.path.join(args.variants_dir, "libdsalloc_variant_%s.so" % name)
        if not os.path.exists(path):
            print("kill table: missing variant %s" % path)
            return 1
        jobs.append((name, path))

    baseline = subprocess.CompletedProcess(command, 0, "") if args.skip_baseline else \
        subprocess.run(command, env={k: v for k, v in os.environ.items()
                                     if k != "DSALLOC_IMPL"},
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", timeout=args.timeout)
    if baseline.returncode != 0:
        print("kill table: the checker fails against the embedded dsalloc (exit %d);"
              " no variant can be judged. Last lines:" % baseline.returncode)
        print("\n".join(baseline.stdout.splitlines()[-40:]))
        return 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(
            lambda job: run_variant(job[0], job[1], command, args.timeout), jobs))

    checker = os.path.basename(command[0])
    print("kill table for %s (%d variants)" % (checker, len(results)))
    width = max(len(r["variant"]) for r in results)
    print("%-*s | %-8s | %-5s | %7s | %s" % (width, "variant", "verdict", "trace",
                                            "seconds", "killed by"))
    print("-" * (width + 60))
    survivors = 0
    for r in results:
        verdict = ("killed" if r["killed"] else "TIMEOUT" if r["timeout"]
                   else "ERROR" if r["error"] else "SURVIVED")
        if not r["killed"]:
            survivors += 1
        print("%-*s | %-8s | %-5s | %7.1f | %s" % (width, r["variant"], verdict,
                                                 r["trace"], r["seconds"], r["by"]))
    for r in results:
        if not r["killed"]:
            print("\n--- output of the run against %s (last 40 lines) ---" % r["variant"])
            print("\n".join(r["output"].splitlines()[-40:]))
    print("%d killed, %d survived" % (len(results) - survivors, survivors))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
