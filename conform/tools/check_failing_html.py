#!/usr/bin/env python3
"""Runs dsalloc-conform against a broken server with --html and --json, then
checks the page in headless Chromium (check_html_dom.py): one row per rule,
the failing rules marked, and every failing parallel history drawn.

    check_failing_html.py --kit KIT --server VARIANT.so --chromium chromium \\
        --checker check_html_dom.py --out DIR
"""

import json
import os
import subprocess
import sys

from tool_cli import required_options


def main():
    a = required_options(__doc__.split("\n\n")[0], "--kit", "--server", "--chromium", "--checker",
                         "--out")
    os.makedirs(a.out, exist_ok=True)
    page, data = os.path.join(a.out, "report.html"), os.path.join(a.out, "report.json")
    kit = subprocess.run([a.kit, "--server", a.server, "--profile", "strict", "-q",
                          "--phases", "cases,parallel", "--html", page, "--json", data,
                          "--trace-dir", os.path.join(a.out, "traces")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if kit.returncode != 1:
        print("the kit must fail %s (exit 1), got %d:\n%s" % (a.server, kit.returncode,
                                                             kit.stdout[-2000:]))
        return 1
    with open(data, encoding="utf-8") as f:
        report = json.load(f)
    failing = [r for r in report["rules"] if r["status"] == "fail"]
    if not failing:
        print("no failing rule in the report")
        return 1
    timelines = [r for r in report["results"] if r["timeline"]]
    print("%d rules, %d failing, %d failing histories with a timeline" %
          (len(report["rules"]), len(failing), len(timelines)))
    check = subprocess.run([sys.executable, a.checker, "--chromium", a.chromium, "--json", data,
                            page, "--screenshot", os.path.join(a.out, "report.png")])
    return check.returncode


if __name__ == "__main__":
    sys.exit(main())
