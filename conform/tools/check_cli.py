#!/usr/bin/env python3
"""dsalloc-conform's command line: usage errors and servers that cannot be
loaded exit 2 with a message that says what is wrong, before any check
starts; --help, --list and --version exit 0 and document what they promise;
filters select what they say, and a filter that selects nothing is a usage
error.

    check_cli.py path/to/dsalloc-conform [--server path/to/correct-allocator.so]

With --server (a correct allocator), a relative server path in the current
directory is loaded and judged, not searched for on the library path.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from tool_cli import verdict


def run(kit, *args, cwd=None):
    proc = subprocess.run([kit, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, errors="replace", timeout=300, cwd=cwd)
    return proc.returncode, proc.stdout + proc.stderr


def main():
    kit = os.path.abspath(sys.argv[1])
    server = None
    if len(sys.argv) > 3 and sys.argv[2] == "--server":
        server = os.path.abspath(sys.argv[3])
    problems = []

    def expect(args, code, *needles, absent=(), cwd=None):
        got, out = run(kit, *args, cwd=cwd)
        if got != code:
            problems.append("%s: exit %d, expected %d\n%s" % (" ".join(args), got, code, out[-800:]))
        for needle in needles:
            if needle not in out:
                problems.append("%s: output lacks %r\n%s" % (" ".join(args), needle, out[-800:]))
        for needle in absent:
            if needle in out:
                problems.append("%s: output has %r\n%s" % (" ".join(args), needle, out[-800:]))
        return out

    expect(["--help"], 0, "--server", "--clsid", "--profile", "--phases", "--junit", "--json",
           "--html", "--expect", "--list", "--rules", "--replay", "--verbose", "--version",
           "NO_COLOR", "Exit code")
    expect(["--version"], 0, "dsalloc-conform ", "SPEC.md revision ")
    expect(["--quiet", "--verbose"], 2, "contradict")
    # Numbers in range, or a usage error (never a wrapped int: a negative
    # timeout would fail every case of a correct allocator as a hang).
    expect(["--timeout", "3000000000"], 2, "--timeout", "86400")
    expect(["--jobs", "100000"], 2, "--jobs")
    expect(["--seed", "99999999999999999999999"], 2, "--seed")
    expect(["--replay", "/dev/null", "--json", "x.json"], 2, "--replay")
    # Filters: one that selects nothing is a usage error, said before any
    # check runs ("[cases" is the progress line of a phase that started).
    expect(["--cases", "xyzzy"], 2, "selects no case", absent=("[cases",))
    expect(["--cases", "ALLOC.COMMIT.1"], 2, "is a rule", "--rules ALLOC.COMMIT.1")
    expect(["--rules", "NO.SUCH.*"], 2, "matches no rule")
    expect(["--rules", "ALLOC.COMMIT.*", "--cases", "sample-*"], 2, "selects no case")
    # What a filter selects: GoogleTest globs, negative patterns after '-'.
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "r.json")
        expect(["--cases", "getbuffer-*:-getbuffer-null:getbuffer-pop", "--json", report, "-q"], 0)
        if os.path.exists(report):
            names = sorted(r["name"] for r in json.load(open(report))["results"])
            want = ["getbuffer-clear-on-failure", "getbuffer-fifo-waiters", "getbuffer-flags-ignored",
                    "getbuffer-not-committed", "getbuffer-nowait-no-phantom", "getbuffer-wait-handoff"]
            if names != want:
                problems.append("--cases 'getbuffer-*:-getbuffer-null:getbuffer-pop' ran %s, not %s"
                                % (names, want))
        expect(["--rules", "ALLOC.COMMIT.*-ALLOC.COMMIT.LIMIT", "--json", report, "-q"], 0)
        if os.path.exists(report):
            doc = json.load(open(report))
            rules = [r["rule"] for r in doc["rules"]]
            if not rules or any(not r.startswith("ALLOC.COMMIT.") or r == "ALLOC.COMMIT.LIMIT"
                                for r in rules):
                problems.append("--rules 'ALLOC.COMMIT.*-ALLOC.COMMIT.LIMIT' shows %s" % rules)
            if doc["phases"] != ["cases"]:
                problems.append("a filter without --phases ran %s, not only cases" % doc["phases"])
    # Paths and limits are checked before the first child: the run never
    # starts, and the message names the option.
    expect(["--json", "/nonexistent-dir/r.json"], 2, "--json", "/nonexistent-dir", absent=("[cases",))
    expect(["--junit", "/"], 2, "--junit", "is a directory", absent=("[cases",))
    expect(["--html", "/proc/dsalloc-report.html"], 2, "--html", absent=("[cases",))
    expect(["--trace-dir", "/proc/no-such-dir"], 2, "--trace-dir", absent=("[cases", "terminate"))
    expect(["--memory-limit-mb", "1"], 2, "--memory-limit-mb 1", "too small",
           absent=("[cases", "GEN.NOCRASH"))
    if server:
        # "libx.so" is the file here: judged, not looked up by dlopen.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(server, os.path.join(tmp, "libx.so"))
            out = expect(["--server", "libx.so", "--cases", "getbuffer-pop", "-q"], 0,
                         os.path.join(tmp, "libx.so"), cwd=tmp)
    # A loader error is one message, with no blank line after it.
    got, out = run(kit, "--server", "/dev/null")
    if got != 2 or out.endswith("\n\n"):
        problems.append("--server /dev/null: exit %d, output %r" % (got, out[-300:]))
    expect(["--list"], 0, "cases (", "rules (", "ALLOC.COMMIT.LIMIT", "not checkable")
    expect(["--no-such-option"], 2, "unknown option")
    expect(["--profile", "lenient"], 2, "strict or portable")
    expect(["--phases", "cases,bogus"], 2, "unknown phase")
    expect(["--clsid", "not-a-guid"], 2, "not a GUID")
    expect(["--server", "/nonexistent/libnothing.so"], 2, "/nonexistent/libnothing.so")
    with tempfile.TemporaryDirectory() as tmp:
        # A file that is not a shared object: dlopen's own message is shown.
        bogus = os.path.join(tmp, "bogus.so")
        with open(bogus, "w") as f:
            f.write("not an ELF file\n")
        expect(["--server", bogus], 2, "cannot load", bogus)
        # A real shared object without DllGetClassObject: the symbol is named.
        libm = next((p for p in ("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
                                 "/lib64/libm.so.6") if os.path.exists(p)), None)
        if libm:
            expect(["--server", libm], 2, "DllGetClassObject")
        expect_file = os.path.join(tmp, "bad.expect")
        with open(expect_file, "w") as f:
            f.write("NO.SUCH.RULE  because\n")
        expect(["--expect", expect_file], 2, "NO.SUCH.RULE")
        # An unknown CLSID: the server's DllGetClassObject refuses it.
        expect(["--clsid", "{00000000-0000-0000-0000-000000000001}"], 2,
               "CLASS_E_CLASSNOTAVAILABLE")
    return verdict(problems, "command line: every usage error exits 2 with its message")


if __name__ == "__main__":
    sys.exit(main())
