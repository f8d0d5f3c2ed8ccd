#!/usr/bin/env python3
"""dsalloc-conform at a terminal and in CI: what a run leaves behind and says.

    check_cli_run.py --kit KIT --variant BROKEN.so --hostile HOSTILE.so
    check_cli_run.py --kit KIT.exe --variant - --hostile HOSTILE.dll --wine wine64

Checks, each for a promise of conform/README.md ("The command"):
  - failures: one trace file per failure, never two failures in one file,
    each named for its phase, check, seed and rule; each failure prints the
    commands that reproduce it, and the replay command does (same rule);
  - temporary files: a passing run leaves nothing in $TMPDIR, a failing one
    only the directory of its traces (printed); a --trace-dir the kit made
    and left empty is removed;
  - self-describing reports: text, JSON, JUnit and HTML carry the kit's
    version, SPEC.md's revision, the server's SHA-256, the seed and the
    command line; the HTML page shows the failures before the rule table;
  - progress: plain "[phase done/total unit ...]" lines when stderr is not a
    terminal; a redrawn status line and colour on a terminal, no colour with
    NO_COLOR; --verbose prints each failure's full report;
  - interrupts: SIGINT / SIGTERM end every child (none survives), the JSON
    report is written marked interrupted, the exit code is 130 / 143; a
    SIGKILLed kit leaves no child behind either.
"""

import argparse
import hashlib
import json
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import uuid

from processes import survivors, wait_for_no_survivors
from tool_cli import verdict


def describe(pids):
    """What each process is: its state and the kit's --child request."""
    said = []
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                state = next((l.split(":", 1)[1].strip() for l in f if l.startswith("State:")), "?")
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                child = re.search(rb"--child=(\S+)", f.read().replace(b"\0", b" "))
            said.append("%d (%s, %s)" % (pid, state, child.group(1).decode() if child else "?"))
        except OSError:
            said.append("%d (gone)" % pid)
    return ", ".join(said)


def check_interrupts(kit_cmd, hostile, env, work, check, problems, wine=False):
    """Interrupts: SIGINT and SIGTERM end every child, the reports are written
    marked interrupted, the exit code is 130 / 143; a SIGKILLed kit leaves no
    child behind. Under Wine (`wine`) SIGINT arrives as a console Ctrl-C;
    SIGTERM is Wine's to handle: it ends the kit at once (killed by the
    signal, no report), and the kit's job objects end the children with it."""
    image = os.path.basename(kit_cmd[-1]) if wine else None
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, None)):
        marker = "DSALLOC_CLI_RUN_ID=" + uuid.uuid4().hex
        e = dict(env, DSALLOC_HOSTILE="hang")
        e[marker.split("=")[0]] = marker.split("=")[1]
        report = os.path.join(work, "interrupted.json")
        if os.path.exists(report):
            os.remove(report)
        # Files, not pipes: under Wine the prefix's own processes may inherit
        # the kit's output and hold a pipe open long after the kit is gone.
        out_path, err_path = os.path.join(work, "kit.out"), os.path.join(work, "kit.err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            kit_proc = subprocess.Popen(kit_cmd + ["--server", hostile, "--phases", "cases",
                                                   "--timeout", "120", "--json", report],
                                        env=e, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        # Wait until a child hangs (the hostile server's Commit).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(survivors(marker, image)) < 2:
            time.sleep(0.2)
        time.sleep(1)
        before = len(survivors(marker, image))
        kit_proc.send_signal(sig)
        try:
            kit_proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(kit_proc.pid, signal.SIGKILL)
            kit_proc.wait()
            problems.append("%s: the kit did not stop within 30 s" % sig.name)
        stdout, stderr = open(out_path).read(), open(err_path).read()
        # Under Wine a process ends when wineserver has seen it end: give it time.
        left = wait_for_no_survivors(marker, 20 if wine else 10, image)
        check(before > 1, "%s: no child was running when the signal came" % sig.name)
        check(left == [], "%s: children left running: %s" % (sig.name, describe(left)))
        for p in left:
            os.kill(p, signal.SIGKILL)
        if code is None:
            continue
        if wine and sig == signal.SIGTERM:
            check(kit_proc.returncode in (code, -sig), "SIGTERM under Wine: exit %s" %
                  kit_proc.returncode)
            continue
        check(kit_proc.returncode == code, "%s: exit %s, not %d\n%s" % (
            sig.name, kit_proc.returncode, code, stderr[-800:]))
        if check(os.path.exists(report), "%s: no JSON report written" % sig.name):
            written = json.load(open(report))
            check(written["interrupted"] == sig.name,
                  "%s: the JSON report is not marked interrupted" % sig.name)
            check(written["exit_code"] == code, "%s: the JSON report's exit_code is %s, not %d" % (
                sig.name, written["exit_code"], code))
        check("INTERRUPTED" in stdout, "%s: the text report is not marked" % sig.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kit", required=True)
    ap.add_argument("--variant", required=True, help="a broken allocator (kFreeCountOffByOne)")
    ap.add_argument("--hostile", required=True, help="conform/tests/hostile_server.cpp's .so")
    ap.add_argument("--wine", metavar="WINE64",
                    help="the kit is a .exe run under this Wine loader: check interrupts only")
    args = ap.parse_args()
    kit = os.path.abspath(args.kit)
    problems = []

    def check(ok, what):
        if not ok:
            problems.append(what)
        return ok

    if args.wine:
        with tempfile.TemporaryDirectory() as work:
            check_interrupts([args.wine, kit], args.hostile, dict(os.environ), work, check,
                             problems, wine=True)
        return verdict(problems, "interrupts under Wine: every check held")

    with tempfile.TemporaryDirectory() as work:
        # --- a failing run: traces, reproduce commands, reports, progress.
        tmpdir = os.path.join(work, "tmp")
        os.mkdir(tmpdir)
        env = dict(os.environ, TMPDIR=tmpdir)
        env.pop("NO_COLOR", None)
        out = {k: os.path.join(work, "report." + k) for k in ("json", "xml", "html")}
        cmd = [kit, "--server", args.variant, "--phases", "cases,sequential,parallel",
               "--cases", "alloc-*", "--sequential-runs", "60", "--parallel-runs", "20",
               "--json", out["json"], "--junit", out["xml"], "--html", out["html"], "--verbose"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        text = proc.stdout
        check(proc.returncode == 1, "failing run: exit %d, not 1\n%s" % (proc.returncode,
                                                                          proc.stderr[-1500:]))
        doc = json.load(open(out["json"]))
        failed = [r for r in doc["results"] if r["status"] == "fail"]
        files = [r["trace_file"] for r in failed]
        check(len(failed) >= 4, "expected failures in cases, sequential and parallel: %d" % len(failed))
        check(all(files) and len(set(files)) == len(files),
              "trace files are not one per failure: %s" % files)
        for r in failed:
            f = r["trace_file"]
            if not f:
                continue
            check(os.path.exists(f), "trace file %s does not exist" % f)
            base = os.path.basename(f)
            check(base.startswith(r["phase"]) and r["divergence"]["rule"] in base,
                  "trace file %s does not say its phase and rule" % base)
            if r["phase"] in ("sequential", "parallel"):
                check("-seed" in base, "random-phase trace %s does not carry its seed" % base)
            reproduce = r["reproduce"]
            check(any("--replay" in c for c in reproduce), "no replay command for %s" % base)
            if r["phase"] != "cases":
                check(any("--seed %d" % doc["seed"] in c for c in reproduce),
                      "no seeded rerun for %s: %s" % (base, reproduce))
            check(r["divergence"]["observed"].rstrip().endswith("(outcome differs:)") is False,
                  "observed text ends in '(outcome differs:)': %s" % r["divergence"]["observed"])
            check("history below" not in r["divergence"]["observed"],
                  "observed text promises a history below: %s" % r["divergence"]["observed"])
        seq = [r for r in failed if r["phase"] == "sequential"]
        check(len(seq) >= 2, "two sequential parts should fail (kFreeCountOffByOne): %d" % len(seq))
        # The replay command reproduces the failure, rule and all.
        for r in failed[:1] + seq[:1]:
            replay = next(c for c in r["reproduce"] if "--replay" in c)
            again = subprocess.run(shlex.split(replay), env=env, capture_output=True, text=True,
                                   timeout=300)
            check(again.returncode == 1 and r["divergence"]["rule"] in again.stdout,
                  "%s: exit %d, output lacks %s\n%s" % (replay, again.returncode,
                                                        r["divergence"]["rule"], again.stdout[-800:]))
            check(replay in text, "the text report does not print %s" % replay)
        # Temporary files: only the traces' directory is left, and named.
        left = os.listdir(tmpdir)
        check(len(left) == 1 and left[0].startswith("dsalloc-conform-traces-"),
              "a failing run left %s in $TMPDIR" % left)
        if left:
            check(os.path.join(tmpdir, left[0]) in proc.stderr, "the trace directory is not printed")
        # Self-describing reports.
        sha = hashlib.sha256(open(args.variant, "rb").read()).hexdigest()
        check(doc["server_sha256"] == sha, "JSON server_sha256 %s, file %s" % (doc["server_sha256"], sha))
        check(re.fullmatch(r"[0-9a-f]{16}", doc["spec_revision"]) is not None,
              "JSON spec_revision %r" % doc["spec_revision"])
        check(doc["kit_version"] != "" and doc["seed"] > 0 and "--phases" in doc["command_line"],
              "JSON kit_version/seed/command_line: %r %r %r" % (doc["kit_version"], doc["seed"],
                                                                 doc["command_line"]))
        junit = open(out["xml"]).read()
        for name in ("kit_version", "spec_revision", "server_sha256", "seed", "command_line"):
            check('<property name="%s"' % name in junit, "JUnit lacks the property %s" % name)
        html = open(out["html"]).read()
        check(sha in html and doc["spec_revision"] in html and doc["kit_version"] in html,
              "the HTML header lacks the server hash, the revision or the version")
        check(0 <= html.find('id="failures"') < html.find('class="rule"'),
              "the HTML page does not show the failures before the rule table")
        for needle in ("kit " + doc["kit_version"], "SPEC.md " + doc["spec_revision"], sha,
                       "command: "):
            check(needle in text, "the text header lacks %r" % needle)
        # Progress when not a terminal; --verbose.
        check("[sequential 60/60 sequences" in proc.stderr,
              "no plain progress line for the sequential phase:\n%s" % proc.stderr[-800:])
        check("\x1b[" not in proc.stderr, "escape sequences written to a pipe")
        check("full report" in text, "--verbose printed no failure's full report")

        # A divergence found by comparing outcomes says what was observed,
        # not a dangling "(outcome differs:)" (kWrongHresult diverges so).
        wrong = os.path.join(os.path.dirname(os.path.abspath(args.variant)),
                             "libdsalloc_variant_kWrongHresult.so")
        if check(os.path.exists(wrong), "no %s to check observed texts with" % wrong):
            report = os.path.join(work, "wrong.json")
            subprocess.run([kit, "--server", wrong, "--phases", "cases", "-q", "--json", report],
                           env=env, capture_output=True, timeout=300)
            observed = [r["divergence"]["observed"] for r in json.load(open(report))["results"]
                        if r["status"] == "fail"]
            check(observed and not any(o.endswith(":)") for o in observed),
                  "kWrongHresult's observed texts: %s" % observed)

        # --- a passing run leaves nothing; a --trace-dir it made and left empty goes.
        for leftover in os.listdir(tmpdir):
            subprocess.run(["rm", "-rf", os.path.join(tmpdir, leftover)], check=True)
        traces = os.path.join(work, "new-traces")
        proc = subprocess.run([kit, "--cases", "getbuffer-*", "-q", "--trace-dir", traces],
                              env=env, capture_output=True, text=True, timeout=300)
        check(proc.returncode == 0, "passing run: exit %d\n%s" % (proc.returncode, proc.stderr))
        check(os.listdir(tmpdir) == [], "a passing run left %s in $TMPDIR" % os.listdir(tmpdir))
        check(not os.path.exists(traces), "an empty --trace-dir the kit made was left behind")

        # --- a terminal: a redrawn status line, colour unless NO_COLOR.
        def at_terminal(extra_env):
            pid, fd = pty.fork()
            if pid == 0:
                e = dict(env, **extra_env)
                os.execve(kit, [kit, "--server", args.variant, "--cases", "alloc-*"], e)
            data = b""
            while True:
                try:
                    r, _, _ = select.select([fd], [], [], 120)
                    if not r:
                        break
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
            os.waitpid(pid, 0)
            return data.decode(errors="replace")
        tty = at_terminal({})
        check("\r\x1b[K[cases" in tty, "no redrawn status line at a terminal:\n%r" % tty[-600:])
        check("\x1b[31m" in tty, "no colour at a terminal")
        tty = at_terminal({"NO_COLOR": "1"})
        check("\x1b[31m" not in tty, "colour with NO_COLOR set")

        check_interrupts([kit], args.hostile, env, work, check, problems)

    return verdict(problems, "the command at a terminal and in CI: every check held")


if __name__ == "__main__":
    sys.exit(main())
