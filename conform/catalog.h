// ---------------------------------------------------------------------------
// File: conform/catalog.h
// ---------------------------------------------------------------------------
//
// What the kit knows before it runs anything: the rules of spec/SPEC.md
// (ID, title, checkable or not) and the conformance cases (conform/cases/,
// one trace file each, with a header naming the rules it checks). Both are
// embedded in the binary at build time (embed.cmake) and parsed once.
//
// Case header (comment lines before the ops):
//   # case: NAME                 the file stem
//   # checks: RULE, RULE         the rules the case exercises
//   # about: TEXT                one line on what it does
//   # needs: fault-injection     optional: uses oom ops
//   # repeats: N                 optional: runs on fresh allocators (timing)
//   # portable: not checked (R)  optional: n/a under the portable profile
//
// Threading: the accessors are thread-safe (built once). Errors: a case
// file that does not parse is a build defect; Cases() reports it in the
// case's `error`.

#ifndef DSALLOC_CONFORM_CATALOG_H_
#define DSALLOC_CONFORM_CATALOG_H_

#include <string>
#include <vector>

namespace dsalloc::conform {

struct RuleInfo {
  std::string id;
  std::string title;
  bool checkable = true;      // false: SPEC.md says "Not checkable"
  std::string not_checkable;  // SPEC.md's reason why, for the report
};

struct CaseInfo {
  std::string name;
  std::vector<std::string> checks;
  std::string about;
  bool needs_fault_injection = false;
  bool parallel = false;  // a parallel trace (harness/parallel runner)
  bool native = false;    // written in C++ (native_cases.h), no trace
  int repeats = 1;
  std::string portable_note;  // "" or why it is n/a under portable
  std::string text;           // the trace file
  std::string error;          // "" or why it is malformed
};

struct EmbeddedCase {
  const char* name;
  const char* text;
};
// Generated (embed.cmake).
const char* EmbeddedSpec();
std::vector<EmbeddedCase> EmbeddedCases();

const std::vector<RuleInfo>& Rules();  // SPEC.md order
const RuleInfo* FindRule(const std::string& id);
const std::vector<CaseInfo>& Cases();  // by name
const CaseInfo* FindCase(const std::string& name);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_CATALOG_H_
