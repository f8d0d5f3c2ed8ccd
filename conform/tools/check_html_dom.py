#!/usr/bin/env python3
"""Loads a dsalloc-conform HTML report in headless Chromium and checks the DOM.

    check_html_dom.py --chromium chromium --json report.json report.html
                      [--screenshot out.png] [--keep-dom out.html]

The JSON written from the same Report says what the page must hold. After the
page's script ran (Chromium's --dump-dom), the DOM must have:
  - body[data-ready=yes]: the inline script ran to its end without an error;
  - one tr.rule per rule, in the JSON's order, with its data-rule and its
    data-status (pass|fail|flaky|na);
  - one svg.timeline per failing check with a timeline, holding one g.call per
    call, those that never returned marked data-open=yes;
  - nothing fetched from elsewhere: no <link>, <img>, <iframe>, no src or href
    outside the page (only #fragments), no url() in styles but url(#id).
Exit status 0 when every check holds; 1 with one line per problem otherwise;
2 when Chromium cannot be run (it is required: apt-get install chromium).
"""

import argparse
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STATUS_KEY = {"pass": "pass", "fail": "fail", "flaky": "flaky", "n/a": "na"}


class Dom(html.parser.HTMLParser):
    """Collects the few elements the checks look at, with their ancestors."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.rows = []       # attrs of tr.rule
        self.svgs = []       # per svg.timeline: list of attrs of its g.call
        self.body = {}
        self.outside = []    # references to anything outside the page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "body":
            self.body = a
        if tag == "tr" and "rule" in classes:
            self.rows.append(a)
        if tag == "svg" and "timeline" in classes:
            self.svgs.append([])
        if tag == "g" and "call" in classes and self.svgs and "svg" in self.stack:
            self.svgs[-1].append(a)
        if tag in ("link", "img", "iframe", "object", "embed", "base"):
            self.outside.append("<%s>" % tag)
        for name in ("src", "href", "xlink:href", "action", "poster", "srcset"):
            value = a.get(name)
            if value is not None and not value.startswith("#"):
                self.outside.append('%s="%s" on <%s>' % (name, value, tag))
        style = a.get("style") or ""
        for url in re.findall(r"url\(([^)]*)\)", style + " " + (a.get("fill") or "")):
            if not url.strip("'\" ").startswith("#"):
                self.outside.append("url(%s) on <%s>" % (url, tag))
        if tag not in ("meta", "br", "input", "stop", "rect", "line", "path", "circle",
                       "polygon", "use"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def run_chromium(chromium, page, extra):
    exe = shutil.which(chromium) or (chromium if os.access(chromium, os.X_OK) else None)
    if exe is None:
        print("check_html_dom: Chromium not found (%r). It is required for this test: "
              "apt-get install -y chromium (tools/setup-debian.sh installs it)." % chromium)
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="dsalloc-chromium-") as profile:
        cmd = [exe] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + extra + [
            "file://" + os.path.abspath(page)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=150)
    if proc.returncode != 0:
        print("check_html_dom: %s exited with %d\n%s" % (
            " ".join(cmd), proc.returncode, proc.stderr.decode(errors="replace")[-2000:]))
        sys.exit(2)
    return proc.stdout.decode("utf-8", errors="replace")


def check(dom_text, report):
    problems = []
    dom = Dom()
    dom.feed(dom_text)
    dom.close()
    if dom.body.get("data-ready") != "yes":
        problems.append("body[data-ready=yes] missing: the page's script did not run to its end")

    rules = report["rules"]
    if len(dom.rows) != len(rules):
        problems.append("%d tr.rule rows, the report has %d rules" % (len(dom.rows), len(rules)))
    for row, rule in zip(dom.rows, rules) if len(dom.rows) == len(rules) else []:
        want = STATUS_KEY.get(rule["status"], "?")
        if row.get("data-rule") != rule["rule"] or row.get("data-status") != want:
            problems.append("row %r/%r, want %r/%r" % (
                row.get("data-rule"), row.get("data-status"), rule["rule"], want))

    drawn = [r for r in report["results"] if r["status"] in ("fail", "flaky") and r["timeline"]]
    if len(dom.svgs) != len(drawn):
        problems.append("%d svg.timeline, want %d" % (len(dom.svgs), len(drawn)))
    if not dom.svgs:
        problems.append("no svg.timeline on the page")
    for calls, result in zip(dom.svgs, drawn):
        if len(calls) != len(result["timeline"]):
            problems.append("timeline of %r: %d g.call, want %d" % (
                result["name"], len(calls), len(result["timeline"])))
        opened = sum(1 for c in calls if c.get("data-open") == "yes")
        want_open = sum(1 for c in result["timeline"] if c["responded"] < 0)
        if opened != want_open:
            problems.append("timeline of %r: %d open calls, want %d" % (
                result["name"], opened, want_open))

    for ref in dom.outside:
        problems.append("refers outside the page: " + ref)
    return problems, dom


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--json", required=True, help="the same Report as JSON")
    parser.add_argument("--screenshot", help="also save a 1400x1000 PNG here")
    parser.add_argument("--keep-dom", help="also save the dumped DOM here")
    parser.add_argument("page")
    args = parser.parse_args()

    with open(args.json, encoding="utf-8") as f:
        report = json.load(f)
    with open(args.page, encoding="utf-8") as f:
        static = f.read()
    dom_text = run_chromium(args.chromium, args.page, ["--dump-dom"])
    if args.keep_dom:
        with open(args.keep_dom, "w", encoding="utf-8") as f:
            f.write(dom_text)

    problems, dom = check(dom_text, report)
    # The page as written must be self-contained too (the DOM dump drops nothing, but a
    # reference that failed to load would leave no trace in it).
    _, static_dom = check(static, report)
    problems += ["as written: " + p for p in ("refers outside the page: " + r
                                              for r in static_dom.outside)]
    if args.screenshot:
        run_chromium(args.chromium, args.page,
                     ["--screenshot=" + os.path.abspath(args.screenshot), "--window-size=1400,1000",
                      "--hide-scrollbars"])

    for p in problems:
        print("check_html_dom: " + p)
    if problems:
        return 1
    print("check_html_dom: %d rule rows, %d timelines, script ran, nothing external" % (
        len(dom.rows), len(dom.svgs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
