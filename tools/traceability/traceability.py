#!/usr/bin/env python3
# ---------------------------------------------------------------------------
# File: tools/traceability/traceability.py
# ---------------------------------------------------------------------------
#
# Traceability check of spec/SPEC.md, run by ctest as `spec.traceability`.
#
# Rules are the `### ID — title` headings of SPEC.md. A rule whose section
# has a `Not checkable:` line is excluded from coverage.
#
# Tests name the rules they check in `checks: ID, ID` comment lines placed
# directly above the test (TEST, TEST_F, TEST_P, RC_GTEST_PROP, ...; more
# comment lines may stand between). A rule counts as covered only through
# such a line: a `checks:` line that belongs to no test (a file banner, say)
# is an error, because it would claim coverage for tests it cannot name. A
# test may name at most MAX_RULES_PER_TEST rules: a test that claims a dozen
# rules checks none of them well enough to be the evidence for one.
#
# Where tags count: tests of implementations (tests/, props/, fuzz/). Tests
# of the checkers themselves (spec/model/*_test.cpp, harness/: the model,
# the driver, the linearizability checker) are read and validated, and name
# the rule each one shows the checker judges, but prove nothing about an
# implementation, so they do not count.
#
# Exit status:
#   1  a tag names an ID that SPEC.md does not define, a checks: line names
#      no test, a test names too many rules, SPEC.md defines an ID twice or
#      is missing (always);
#   1  in strict mode (--strict or DSALLOC_TRACE_STRICT=1), a checkable rule
#      is covered by no counted test;
#   0  otherwise. Always prints "rules covered: N / M" and the uncovered list.

import argparse
import os
import re
import sys

ID_RE = re.compile(r"[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)+")
HEADING_RE = re.compile(r"^###\s+(" + ID_RE.pattern + r")\b")
CHECKS_RE = re.compile(r"\bchecks:\s*(.*)$")
COMMENT_RE = re.compile(r"^\s*(//|#|\*|/\*)")
TEST_RE = re.compile(
    r"^\s*(TEST|TEST_F|TEST_P|TYPED_TEST|TYPED_TEST_P|RC_GTEST_PROP|"
    r"RC_GTEST_FIXTURE_PROP)\s*\(\s*(\w+)\s*,\s*(\w+)")
# A fuzz target (fuzz/<target>_fuzzer.cpp) is one test, named by its file.
FUZZ_TARGET_RE = re.compile(r'^\s*extern "C" int LLVMFuzzerTestOneInput\b')
MAX_RULES_PER_TEST = 6

# (folder, counts): every source file below the folder.
SCANNED_DIRS = (("tests", True), ("props", True), ("fuzz", True),
                ("harness", False), ("spec/model", False))
# Tests of checkers, not of implementations: validated, never counted.
CHECKER_SELF_TESTS = re.compile(r"(^|/)(spec/model|harness)/")
SOURCE_EXTS = (".cpp", ".cc", ".cxx", ".h", ".hpp", ".c")


def parse_spec(path):
    """Returns (ordered rule ids, set of not-checkable ids, duplicate ids)."""
    rules, not_checkable, dups = [], set(), []
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = HEADING_RE.match(line)
            if m:
                current = m.group(1)
                if current in rules:
                    dups.append(current)
                else:
                    rules.append(current)
                continue
            if line.startswith("## ") or line.startswith("# "):
                current = None
            elif current and re.search(r"Not checkable\**:", line):
                not_checkable.add(current)
    return rules, not_checkable, dups


def ids_of(text):
    """The rule id tokens of the text after `checks:`."""
    text = re.split(r"\*/|-->|\"", text)[0]
    for tok in re.split(r"[,\s]+", text.strip()):
        tok = tok.strip().rstrip(".;:)")
        if tok:
            yield tok


def tests_in_file(path):
    """Yields (test name or None, line of its first checks: tag, [ids]).

    Tags gather over a run of comment lines; the first non-comment line
    after them decides: a test definition owns them, anything else leaves
    them orphaned (name None)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.readlines()
    except OSError:
        return
    pending, first = [], 0
    for no, line in enumerate(lines, 1):
        if COMMENT_RE.match(line):
            m = CHECKS_RE.search(line)
            if m:
                if not pending:
                    first = no
                pending.extend(ids_of(m.group(1)))
            continue
        if not pending:
            continue
        t = TEST_RE.match(line)
        if t:
            name = f"{t.group(2)}.{t.group(3)}"
        elif FUZZ_TARGET_RE.match(line):
            name = "fuzz." + os.path.splitext(os.path.basename(path))[0]
        else:
            name = None
        yield name, first, pending
        pending = []
    if pending:
        yield None, first, pending


def walk(root, sub):
    base = os.path.join(root, sub)
    if not os.path.isdir(base):
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in sorted(dirnames) if not d.startswith(".") and
                       not d.startswith("build")]
        for name in sorted(filenames):
            if name.endswith(SOURCE_EXTS):
                yield os.path.join(dirpath, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--strict", action="store_true",
                    help="fail when a checkable rule is covered by no test")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    strict = args.strict or os.environ.get("DSALLOC_TRACE_STRICT", "") not in ("", "0", "OFF", "off")
    root = os.path.abspath(args.root)
    spec_path = os.path.join(root, "spec", "SPEC.md")
    if not os.path.isfile(spec_path):
        print(f"traceability: {spec_path} not found")
        return 1

    rules, not_checkable, dups = parse_spec(spec_path)
    known = set(rules)
    errors = [f"SPEC.md defines {d} twice" for d in dups]

    covered = {}     # id -> ["path:line test"] from counted tests
    self_tests = {}  # id -> [...] from checker self-tests
    n_tags = n_tests = 0
    for sub, counts in SCANNED_DIRS:
        for path in walk(root, sub):
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if sub == "spec/model" and not rel.endswith("_test.cpp"):
                continue
            counted = counts and not CHECKER_SELF_TESTS.search(rel)
            for test, no, ids in tests_in_file(path):
                where = f"{rel}:{no}"
                if test is None:
                    errors.append(f"{where}: checks: line belongs to no test "
                                  "(put it directly above the TEST it describes)")
                    continue
                n_tests += 1
                distinct = list(dict.fromkeys(ids))
                if counted and len(distinct) > MAX_RULES_PER_TEST:
                    errors.append(f"{where}: {test} names {len(distinct)} rules "
                                  f"(at most {MAX_RULES_PER_TEST}: name the rules it "
                                  "checks best)")
                for tok in distinct:
                    n_tags += 1
                    if tok not in known:
                        errors.append(f"{where}: checks: names unknown rule '{tok}'")
                        continue
                    (covered if counted else self_tests).setdefault(tok, []).append(
                        f"{where} {test}")

    checkable = [r for r in rules if r not in not_checkable]
    uncovered = [r for r in checkable if r not in covered]
    n_cov = len(checkable) - len(uncovered)
    print(f"rules covered: {n_cov} / {len(checkable)}"
          f"  (by tests of implementations; {len(rules)} rules in SPEC.md,"
          f" {len(not_checkable)} not checkable; {n_tags} tags on {n_tests} tests)")
    self_cov = sum(1 for r in checkable if r in self_tests)
    print(f"checker self-tests reference: {self_cov} / {len(checkable)} (not counted)")
    if not args.quiet:
        if uncovered:
            print("uncovered rules:")
            for r in uncovered:
                print(f"  {r}")
        if not_checkable:
            print("not checkable (excluded): " + ", ".join(sorted(not_checkable)))
    for e in errors:
        print(f"error: {e}")
    if errors:
        return 1
    if strict and uncovered:
        print(f"error: {len(uncovered)} rule(s) covered by no test (strict mode)")
        return 1
    if uncovered:
        print("note: uncovered rules do not fail the check unless DSALLOC_TRACE_STRICT=1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
