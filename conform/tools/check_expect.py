#!/usr/bin/env python3
"""The --expect file and the verdicts it is read against (conform/verdict.h).

Each check runs dsalloc-conform and fails if the kit does not do what the
file says:
  - phases: the same file gives the same exit code whatever --phases ran
    (the positive control under strict with controls/strict-differences.expect:
    an expected failure a partial run did not reproduce is not an
    "unexpected pass");
  - statuses: FAIL (also the old "RULE  reason" form), FLAKY (either result
    accepted), per rule and per case; a case listed FAIL that passes is news;
  - SKIP: a case listed SKIP is never started (a server that hangs in it costs
    no timeout) and is reported n/a with the line's reason;
  - names: an unknown rule or case, a PASS line, a name listed twice is a
    usage error (exit 2) naming the line;
  - the n/a reason of a rule SPEC.md calls not checkable says why, in SPEC.md's
    words, in the report itself.

    check_expect.py --kit dsalloc-conform --control libdsalloc_control_baseclasses.so \\
        --hostile libdsalloc_conform_hostile.so \\
        --control-expect controls/strict-differences.expect --out DIR
Exit status 0 when every check holds, 1 otherwise.
"""

import json
import os
import subprocess
import sys
import time

from tool_cli import required_options

FAILURES = []


def run(kit, out, name, args, expect_text=None, env=None):
    """Runs the kit; returns (exit code, stdout+stderr, JSON report or None, seconds)."""
    os.makedirs(out, exist_ok=True)
    report = os.path.join(out, name + ".json")
    if os.path.exists(report):
        os.remove(report)
    command = [kit, "-q", "--json", report, "--trace-dir", os.path.join(out, name + "-traces")]
    if expect_text is not None:
        path = os.path.join(out, name + ".expect")
        with open(path, "w", encoding="utf-8") as f:
            f.write(expect_text)
        command += ["--expect", path]
    command += args
    start = time.monotonic()
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=600,
                          env=dict(os.environ, **(env or {})))
    data = None
    if os.path.exists(report):
        with open(report, encoding="utf-8") as f:
            data = json.load(f)
    return proc.returncode, proc.stdout, data, time.monotonic() - start


def check(what, ok, output=""):
    print("%s  %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        FAILURES.append(what)
        if output:
            print("    " + output[-2500:].replace("\n", "\n    "))


def rule(data, rule_id):
    for v in data["rules"]:
        if v["rule"] == rule_id:
            return v
    return None


def main():
    args = required_options(__doc__.splitlines()[0], "--kit", "--control", "--control-expect",
                            "--hostile", "--out")
    kit, out = args.kit, args.out
    with open(args.control_expect, encoding="utf-8") as f:
        control_expect = f.read()

    # The same file, every phase on its own: exit 0 each time (the full run
    # is ctest conform.control.strict).
    for phases in ("cases", "sequential", "parallel"):
        code, output, _, _ = run(kit, out, "control-" + phases,
                                 ["--server", args.control, "--profile", "strict",
                                  "--phases", phases], control_expect)
        check("control, strict, --phases %s, strict-differences.expect: exit 0 (got %d)"
              % (phases, code), code == 0, output)

    # FLAKY accepts a failure (the control fails ALLOC.PROPS.ALIGN) and a
    # pass (dsalloc passes it); the old form is FAIL.
    flaky = "ALLOC.PROPS.ALIGN  FLAKY  either result\n"
    code, output, _, _ = run(kit, out, "flaky-fails",
                             ["--server", args.control, "--profile", "strict", "--phases",
                              "cases", "--cases", "alloc-props-align-bad"], flaky)
    check("FLAKY rule that fails: exit 0 (got %d)" % code, code == 0, output)
    code, output, _, _ = run(kit, out, "flaky-passes", ["--phases", "cases"], flaky)
    check("FLAKY rule that passes: exit 0 (got %d)" % code, code == 0, output)
    code, output, data, _ = run(kit, out, "old-form",
                                ["--server", args.control, "--profile", "strict", "--phases",
                                 "cases", "--cases", "alloc-props-align-bad"],
                                "ALLOC.PROPS.ALIGN   (1) non-powers of two accepted\n")
    v = rule(data, "ALLOC.PROPS.ALIGN") if data else None
    check("old form 'RULE  reason' is an expected failure: exit 0 (got %d), marked expected"
          % code, code == 0 and v is not None and v["expected_failure"]
          and "(1) non-powers of two accepted" in v["expected_reason"], output)

    # Per case: a case listed FAIL excuses what it finds, and its pass is news.
    code, output, _, _ = run(kit, out, "case-fails",
                             ["--server", args.control, "--profile", "strict", "--phases",
                              "cases", "--cases", "alloc-props-align-bad"],
                             "alloc-props-align-bad  FAIL  cbAlign 3 accepted\n")
    check("a failing case listed FAIL: exit 0 (got %d)" % code, code == 0, output)
    code, output, _, _ = run(kit, out, "case-passes",
                             ["--phases", "cases", "--cases", "alloc-props-align-bad"],
                             "alloc-props-align-bad  FAIL  cbAlign 3 accepted\n")
    check("a passing case listed FAIL: exit 1, an unexpected pass naming the case (got %d)"
          % code, code == 1 and "unexpected pass" in output
          and "case alloc-props-align-bad" in output, output)

    # SKIP: the cases that hang the hostile server are never started.
    hang = {"DSALLOC_HOSTILE": "hang"}
    code, output, data, _ = run(kit, out, "hang-unskipped",
                                ["--server", args.hostile, "--phases", "cases", "--timeout", "2"],
                                None, hang)
    hanging = sorted(r["name"] for r in (data or {"results": []})["results"]
                     if r["divergence"]["rule"] == "GEN.NOHANG")
    check("hostile hang server, no SKIP: some cases hang (%s), exit 1 (got %d)"
          % (", ".join(hanging), code), hanging and code == 1, output)
    skip = "".join("%s  SKIP  Commit of cBuffers > 1000 hangs this server\n" % c for c in hanging)
    code, output, data, seconds = run(kit, out, "hang-skipped",
                                      ["--server", args.hostile, "--phases", "cases",
                                       "--timeout", "2"], skip, hang)
    skipped = {r["name"]: r for r in (data or {"results": []})["results"] if r["name"] in hanging}
    check("hostile hang server, its hanging cases SKIPped: exit 0 (got %d), each n/a and "
          "'not run' with the line's reason, and no timeout spent (%.1f s)" % (code, seconds),
          code == 0 and sorted(skipped) == hanging
          and all(r["status"] == "n/a" and "not run" in r["detail"]
                  and "hangs this server" in r["detail"] for r in skipped.values()), output)

    # Names and statuses are checked before anything runs.
    for text, words in (("ALLOC.COMMIT.1  reason\nNO.SUCH.RULE  reason\n",
                         ["line 2", "NO.SUCH.RULE"]),
                        ("# comment\nno-such-case  SKIP  reason\n", ["line 2", "no-such-case"]),
                        ("ALLOC.COMMIT.1  FLAKY x\nALLOC.COMMIT.1  x\n",
                         ["line 2", "already listed on line 1"]),
                        ("ALLOC.COMMIT.1  PASS  x\n", ["line 1", "PASS"])):
        code, output, _, _ = run(kit, out, "bad-names", ["--phases", "cases"], text)
        check("--expect %r: exit 2 naming %s (got %d)" % (text, words, code),
              code == 2 and all(w in output for w in words), output)

    # Not checkable: SPEC.md's reason, in the report.
    code, output, data, _ = run(kit, out, "not-checkable",
                                ["--phases", "cases", "--cases", "alloc-props-align-bad"])
    v = rule(data, "NOTIFY.THREAD") if data else None
    check("NOTIFY.THREAD is n/a with SPEC.md's reason (the SPIN model checks the thread)",
          v is not None and v["status"] == "n/a" and v["reason"].startswith("not checkable: ")
          and "SPIN model" in v["reason"] and "SPEC.md says why" not in output, output)

    print("\n%s" % ("every --expect check holds" if not FAILURES
                    else "%d check(s) FAILED" % len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
