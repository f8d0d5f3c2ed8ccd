// ---------------------------------------------------------------------------
// File: conform/report_text.cpp
// ---------------------------------------------------------------------------
//
// TextTable(): fixed-width columns sized to the longest cell, one line per
// rule (cells folded onto one line by OneLine), failures indented beneath.
// Statuses that fail the run are upper case so that they stand out.

#include <algorithm>
#include <string>
#include <vector>

#include "escape.h"
#include "name_table.h"
#include "report.h"

namespace dsalloc::conform {
namespace {

// The statuses that fail the run, in upper case; the others as named.
constexpr NameRow<Status> kLoudStatuses[] = {{Status::kFail, "FAIL"}, {Status::kFlaky, "FLAKY"}};

std::string StatusCell(Status status) { return NameOf(kLoudStatuses, status, StatusName(status)); }

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// "label" then the value; a multi-line value continues under the value.
void Field(const std::string& label, const std::string& raw, std::string* out) {
  std::string value = raw;
  for (char& c : value) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') c = c == '\t' ? ' ' : '?';
  }
  const std::string indent = "     ";
  constexpr size_t kLabelWidth = 12;
  *out += indent + Pad(label + ":", kLabelWidth);
  size_t start = 0;
  while (true) {
    const size_t end = value.find('\n', start);
    *out += value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    *out += '\n';
    if (end == std::string::npos || end + 1 >= value.size()) break;
    start = end + 1;
    *out += indent + std::string(kLabelWidth, ' ');
  }
}

std::string FirstLine(const std::string& text) { return OneLine(text.substr(0, text.find('\n'))); }

const RuleVerdict* FindRule(const Report& report, const std::string& rule) {
  for (const RuleVerdict& verdict : report.rules) {
    if (verdict.rule == rule) return &verdict;
  }
  return nullptr;
}

void RuleTable(const Report& report, std::string* out) {
  std::vector<std::vector<std::string>> rows = {{"RULE", "STATUS", "PHASE", "EXPECT", "REASON"}};
  for (const RuleVerdict& verdict : report.rules) {
    rows.push_back({OneLine(verdict.rule), StatusCell(verdict.status), OneLine(verdict.phase),
                    ExpectMark(verdict), OneLine(verdict.reason)});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += i + 1 < row.size() ? Pad(row[i], widths[i] + 2) : row[i];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    *out += line + '\n';
  }
}

void Failures(const Report& report, std::string* out) {
  int count = 0;
  for (const CheckResult& result : report.results) {
    if (result.status == Status::kFail || result.status == Status::kFlaky) ++count;
  }
  if (count == 0) return;
  *out += "\nFailures (" + std::to_string(count) + ")\n";
  int number = 0;
  for (const CheckResult& result : report.results) {
    if (result.status != Status::kFail && result.status != Status::kFlaky) continue;
    const Divergence& d = result.divergence;
    *out += "  " + std::to_string(++number) + ". " + StatusCell(result.status) + " " +
            (d.rule.empty() ? std::string("(no rule)") : d.rule) + " in " +
            PhaseName(result.phase) + " check \"" + OneLine(result.name) + "\"";
    if (const RuleVerdict* verdict = FindRule(report, d.rule);
        verdict != nullptr && verdict->expected_failure) {
      *out += " [expected";
      if (!verdict->expected_reason.empty()) *out += ": " + OneLine(verdict->expected_reason);
      *out += "]";
    }
    *out += '\n';
    Field("op", d.op.empty() ? "(none)" : d.op, out);
    if (d.expected.empty() && d.observed.empty()) {
      Field("detail", FirstLine(result.detail), out);
    } else {
      Field("expected", d.expected, out);
      Field("observed", d.observed, out);
    }
    Field("trace file", result.trace_file.empty() ? "(not written)" : result.trace_file, out);
    for (const std::string& command : result.reproduce) Field("reproduce", command, out);
  }
}

std::string Summary(const Report& report) {
  int pass = 0, fail = 0, flaky = 0, na = 0, expected = 0, unexpected_pass = 0;
  for (const RuleVerdict& verdict : report.rules) {
    switch (verdict.status) {
      case Status::kPass:
        ++pass;
        break;
      case Status::kFail:
        ++fail;
        break;
      case Status::kFlaky:
        ++flaky;
        break;
      default:
        ++na;
        break;
    }
    const std::string mark = ExpectMark(verdict);
    if (mark == "expected" && verdict.status != Status::kNotApplicable) ++expected;
    if (mark == "unexpected pass") ++unexpected_pass;
  }
  std::string line = std::to_string(report.rules.size()) + " rules: " + std::to_string(pass) +
                     " pass, " + std::to_string(fail) + " fail, " + std::to_string(flaky) +
                     " flaky, " + std::to_string(na) + " n/a";
  if (expected > 0) line += "; " + std::to_string(expected) + " failing as expected";
  if (unexpected_pass > 0) line += "; " + std::to_string(unexpected_pass) + " unexpected pass";
  line += "; " + std::to_string(report.results.size()) + " checks in " + Fixed(report.seconds, 2) +
          " s; exit code " + std::to_string(report.exit_code);
  return line + '\n';
}

}  // namespace

std::string TextTable(const Report& report) {
  // Appended piece by piece: g++ 12 misreads `"literal" + std::string` at
  // -O3 as an overlapping memcpy (-Wrestrict, GCC bug 105651).
  std::string out = "dsalloc-conform: ";
  out += OneLine(report.implementation);
  if (!report.clsid.empty()) out.append(" ").append(OneLine(report.clsid));
  out.append("\nprofile ").append(OneLine(report.profile)).append("; phases ");
  for (size_t i = 0; i < report.phases.size(); ++i) {
    if (i > 0) out += ", ";
    out += OneLine(report.phases[i]);
  }
  out.append("; seed ").append(std::to_string(report.seed));
  out.append("\nkit ").append(OneLine(report.kit_version));
  out.append("; SPEC.md ").append(OneLine(report.spec_revision));
  if (!report.server_sha256.empty()) {
    out.append("; server sha256 ").append(OneLine(report.server_sha256));
  }
  out.append("\ncommand: ").append(OneLine(report.command_line)).append("\n");
  if (!report.interrupted.empty()) {
    out.append("INTERRUPTED by ").append(OneLine(report.interrupted));
    out += ": the results below are what finished before it\n";
  }
  out += "\n";
  RuleTable(report, &out);
  Failures(report, &out);
  out += "\n";
  out += Summary(report);
  return out;
}

}  // namespace dsalloc::conform
