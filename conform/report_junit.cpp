// ---------------------------------------------------------------------------
// File: conform/report_junit.cpp
// ---------------------------------------------------------------------------
//
// JunitXml(): the schema most CI servers read (Jenkins, GitLab, GitHub
// reporters): <testsuites> / <testsuite> / <testcase> with <failure> and
// <skipped>. A rule's checks are the CheckResults its `results` indices name
// (out-of-range indices are ignored). An expected failure is <skipped
// type="xfail">, so that the document's failure count agrees with the kit's
// exit code; an expected failure that passed is a <failure type="xpass">.

#include <algorithm>
#include <string>
#include <vector>

#include "escape.h"
#include "report.h"

namespace dsalloc::conform {
namespace {

bool Failed(Status status) { return status == Status::kFail || status == Status::kFlaky; }

std::vector<const CheckResult*> ChecksOf(const Report& report, const RuleVerdict& verdict) {
  std::vector<const CheckResult*> checks;
  for (const int index : verdict.results) {
    if (index >= 0 && static_cast<size_t>(index) < report.results.size()) {
      checks.push_back(&report.results[index]);
    }
  }
  // The check whose divergence names this rule speaks for it first.
  std::stable_partition(checks.begin(), checks.end(), [&](const CheckResult* check) {
    return check->divergence.rule == verdict.rule;
  });
  return checks;
}

std::string Message(const RuleVerdict& verdict, const std::vector<const CheckResult*>& checks) {
  for (const CheckResult* check : checks) {
    if (!Failed(check->status)) continue;
    const Divergence& d = check->divergence;
    if (d.expected.empty() && d.observed.empty()) break;
    std::string message = "expected: " + OneLine(d.expected) + "; observed: " + OneLine(d.observed);
    if (!d.op.empty()) message = OneLine(d.op) + ": " + message;
    return message;
  }
  return verdict.reason.empty() ? std::string(StatusName(verdict.status)) : verdict.reason;
}

// The body of a <failure>: each failing check in full, with its trace.
std::string Body(const RuleVerdict& verdict, const std::vector<const CheckResult*>& checks) {
  std::string body;
  for (const CheckResult* check : checks) {
    if (!Failed(check->status)) continue;
    const Divergence& d = check->divergence;
    body += std::string(StatusName(check->status)) + " in " + PhaseName(check->phase) + " check " +
            check->name + "\n";
    body += "rule: " + d.rule + "\nop: " + (d.op.empty() ? "(none)" : d.op) +
            "\nexpected: " + d.expected + "\nobserved: " + d.observed + "\n";
    if (!check->trace_file.empty()) body += "trace file: " + check->trace_file + "\n";
    for (const std::string& command : check->reproduce) body += "reproduce: " + command + "\n";
    if (!check->detail.empty()) body += "\n" + check->detail + "\n";
    if (!check->trace.empty()) body += "\ntrace:\n" + check->trace + "\n";
    body += "\n";
  }
  if (body.empty()) body = verdict.reason + "\n";
  return body;
}

double SecondsOf(const std::vector<const CheckResult*>& checks) {
  double seconds = 0;
  for (const CheckResult* check : checks) seconds += check->seconds;
  return seconds;
}

struct Counts {
  int tests = 0;
  int failures = 0;
  int skipped = 0;
};

void TestCase(const Report& report, const RuleVerdict& verdict, Counts* counts, std::string* out) {
  const std::vector<const CheckResult*> checks = ChecksOf(report, verdict);
  ++counts->tests;
  *out += "    <testcase classname=\"" + XmlAttr(RuleSection(verdict.rule)) + "\" name=\"" +
          XmlAttr(verdict.rule) + "\" time=\"" + Fixed(SecondsOf(checks), 3) + "\"";
  const std::string mark = ExpectMark(verdict);
  if (verdict.status == Status::kPass && mark.empty()) {
    *out += "/>\n";
    return;
  }
  *out += ">\n";
  if (verdict.status == Status::kNotApplicable) {
    ++counts->skipped;
    *out += "      <skipped message=\"" + XmlAttr("n/a: " + verdict.reason) + "\"/>\n";
  } else if (mark == "unexpected pass") {
    ++counts->failures;
    std::string message = "listed in --expect but passed";
    if (!verdict.expected_reason.empty()) message += " (" + verdict.expected_reason + ")";
    *out += "      <failure type=\"xpass\" message=\"" + XmlAttr(message) + "\"/>\n";
  } else if (mark == "expected") {
    ++counts->skipped;
    std::string message = "expected failure";
    if (!verdict.expected_reason.empty()) message += " (" + verdict.expected_reason + ")";
    message += ": " + Message(verdict, checks);
    *out += "      <skipped type=\"xfail\" message=\"" + XmlAttr(message) + "\">" +
            XmlText(Body(verdict, checks)) + "</skipped>\n";
  } else {
    ++counts->failures;
    const std::string type = StatusName(verdict.status);
    std::string message = Message(verdict, checks);
    if (verdict.status == Status::kFlaky) {
      message = "flaky (failed once, not on replay): " + message;
    }
    *out += "      <failure type=\"" + type + "\" message=\"" + XmlAttr(message) + "\">" +
            XmlText(Body(verdict, checks)) + "</failure>\n";
  }
  *out += "    </testcase>\n";
}

std::string Property(const std::string& name, const std::string& value) {
  return "      <property name=\"" + XmlAttr(name) + "\" value=\"" + XmlAttr(value) + "\"/>\n";
}

}  // namespace

std::string JunitXml(const Report& report) {
  Counts counts;
  std::string cases;
  for (const RuleVerdict& verdict : report.rules) TestCase(report, verdict, &counts, &cases);

  std::string phases;
  for (size_t i = 0; i < report.phases.size(); ++i) {
    phases += (i == 0 ? "" : ",") + report.phases[i];
  }
  const std::string attributes = " tests=\"" + std::to_string(counts.tests) + "\" failures=\"" +
                                 std::to_string(counts.failures) + "\" errors=\"0\" skipped=\"" +
                                 std::to_string(counts.skipped) + "\" time=\"" +
                                 Fixed(report.seconds, 3) + "\"";
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"dsalloc-conform\"" + attributes + ">\n";
  out += "  <testsuite name=\"" + XmlAttr("dsalloc-conform." + report.profile) + "\"" + attributes +
         ">\n";
  out += "    <properties>\n";
  out += Property("implementation", report.implementation);
  out += Property("clsid", report.clsid);
  out += Property("profile", report.profile);
  out += Property("phases", phases);
  out += Property("kit_version", report.kit_version);
  out += Property("spec_revision", report.spec_revision);
  out += Property("server_sha256", report.server_sha256);
  out += Property("seed", std::to_string(report.seed));
  out += Property("command_line", report.command_line);
  if (!report.interrupted.empty()) out += Property("interrupted", report.interrupted);
  out += Property("exit_code", std::to_string(report.exit_code));
  out += "    </properties>\n";
  out += cases;
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace dsalloc::conform
