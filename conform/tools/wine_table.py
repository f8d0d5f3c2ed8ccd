#!/usr/bin/env python3
"""The table of Wine's quartz results in conform/wine/README.md, kept equal
to what the kit saw: every rule, its result under the portable profile, and
why (the bug write-up for a failure, the kit's reason for an n/a).

    wine_table.py --json REPORT --expect quartz.expect --readme README.md [--write]

With --write the table between the README's markers is rewritten from REPORT
(a dsalloc-conform JSON report of Wine's quartz). Without it, the README is
checked against REPORT: the same rules, the same results, the same n/a
reasons; a rule the expectations file marks FLAKY may be "fail" or "pass" in
the report whatever the table says. Exit 0 when they agree, 1 otherwise.
"""

import argparse
import json
import re
import sys

BEGIN = "<!-- wine-table: begin (conform/tools/wine_table.py --write) -->"
END = "<!-- wine-table: end -->"


def expectations(path):
    """{rule: (status, reason)} from an --expect file."""
    found = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            name = parts[0]
            status = "FAIL"
            reason = " ".join(parts[1:])
            if len(parts) > 1 and parts[1] in ("FAIL", "FLAKY", "SKIP"):
                status = parts[1]
                reason = parts[2] if len(parts) > 2 else ""
            found[name] = (status, reason)
    return found


def bug_link(reason):
    m = re.search(r"bugs/[\w.-]+\.md", reason)
    return "[%s](%s)" % (m.group(0)[5:-3], m.group(0)) if m else reason


def rows_from_report(report, expect):
    rows = []
    for v in report["rules"]:
        rule, status = v["rule"], v["status"]
        why = ""
        if rule in expect:
            exp_status, reason = expect[rule]
            shown = "flaky" if exp_status == "FLAKY" else status
            rows.append((rule, shown, bug_link(reason)))
            continue
        if status == "n/a":
            why = (v.get("reason") or "").replace("|", "/")
        rows.append((rule, status, why))
    return rows


def render(rows):
    lines = ["| rule | Wine 8 quartz | why |", "|---|---|---|"]
    for rule, status, why in rows:
        lines.append("| %s | %s | %s |" % (rule, status, why))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    with open(args.json) as f:
        report = json.load(f)
    expect = expectations(args.expect)
    with open(args.readme) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        print("%s: no table markers" % args.readme)
        return 1
    head, rest = text.split(BEGIN, 1)
    table, tail = rest.split(END, 1)
    if args.write:
        with open(args.readme, "w") as f:
            f.write(head + BEGIN + "\n" + render(rows_from_report(report, expect)) + "\n" + END + tail)
        return 0
    problems = []
    shown = {}
    for line in table.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3:
            shown[cells[0]] = (cells[1], cells[2])
    seen = {v["rule"]: v for v in report["rules"]}
    for rule in sorted(set(shown) - set(seen)):
        problems.append("%s is in the table but not in the report" % rule)
    for rule, v in seen.items():
        if rule not in shown:
            problems.append("%s (%s in the report) is missing from the table" % (rule, v["status"]))
            continue
        status, why = shown[rule]
        flaky = expect.get(rule, ("",))[0] == "FLAKY"
        if flaky:
            if v["status"] not in ("fail", "flaky", "pass") or status != "flaky":
                problems.append("%s: table %s, report %s (FLAKY expected)" % (rule, status, v["status"]))
        elif status != v["status"]:
            problems.append("%s: table says %s, the report %s" % (rule, status, v["status"]))
        elif status == "n/a" and why != (v.get("reason") or "").replace("|", "/"):
            problems.append("%s: n/a for another reason now: %r" % (rule, v.get("reason")))
    if problems:
        print("conform/wine/README.md does not match what the kit saw (rewrite it with --write):")
        print("  " + "\n  ".join(problems))
        return 1
    print("the table of %d rules matches the report" % len(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
