#!/usr/bin/env python3
"""dsalloc-conform's command line: usage errors and servers that cannot be
loaded exit 2 with a message that says what is wrong; --help and --list
exit 0 and document what they promise.

    check_cli.py path/to/dsalloc-conform
"""

import os
import subprocess
import sys
import tempfile


def run(kit, *args):
    proc = subprocess.run([kit, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, errors="replace", timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def main():
    kit = sys.argv[1]
    problems = []

    def expect(args, code, *needles):
        got, out = run(kit, *args)
        if got != code:
            problems.append("%s: exit %d, expected %d\n%s" % (" ".join(args), got, code, out[-800:]))
        for needle in needles:
            if needle not in out:
                problems.append("%s: output lacks %r\n%s" % (" ".join(args), needle, out[-800:]))

    expect(["--help"], 0, "--server", "--clsid", "--profile", "--phases", "--junit", "--json",
           "--html", "--expect", "--list", "Exit code")
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
    if problems:
        print("\n\n".join(problems))
        return 1
    print("command line: every usage error exits 2 with its message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
