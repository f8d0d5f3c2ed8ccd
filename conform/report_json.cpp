// ---------------------------------------------------------------------------
// File: conform/report_json.cpp
// ---------------------------------------------------------------------------
//
// Json(): a small streaming writer (Writer) that keeps the commas and the
// two-space indentation, with one Value() per result.h type, writing the
// fields in the order the struct declares them.
//
//   {"implementation", "clsid", "profile", "phases": [..],
//    "results": [{"phase", "name", "rules", "status", "divergence":
//                 {"rule", "op", "expected", "observed"}, "detail", "trace",
//                 "trace_file", "timeline": [{"thread", "call", "result",
//                 "invoked", "responded"}], "seconds", "work"}],
//    "rules": [{"rule", "title", "status", "phase", "reason", "results",
//               "expected_failure", "expected_reason", "unexpected"}],
//    "seconds", "exit_code"}

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "escape.h"
#include "report.h"

namespace dsalloc::conform {
namespace {

// Writes JSON values: Value() has an overload for every type a Report
// holds, each struct an object of its fields in the order it declares them.
class Writer {
 public:
  void Value(const std::string& value) { Raw(JsonString(value)); }
  void Value(const char* value) { Value(std::string(value)); }
  void Value(double value) { Raw(JsonNumber(value)); }
  void Value(bool value) { Raw(value ? "true" : "false"); }
  template <typename Int>
  requires std::is_integral_v<Int> &&(!std::is_same_v<Int, bool>)void Value(Int value) {
    Raw(std::to_string(static_cast<long long>(value)));
  }
  template <typename T>
  void Value(const std::vector<T>& values) {
    Open('[');
    for (const T& value : values) Value(value);
    Close(']');
  }
  void Value(const Divergence& d) {
    Object("rule", d.rule, "op", d.op, "expected", d.expected, "observed", d.observed);
  }
  void Value(const TimelineCall& call) {
    Object("thread", call.thread, "call", call.call, "result", call.result, "invoked", call.invoked,
           "responded", call.responded);
  }
  void Value(const CheckResult& r) {
    Object("phase", PhaseName(r.phase), "name", r.name, "rules", r.rules, "status",
           StatusName(r.status), "divergence", r.divergence, "detail", r.detail, "trace", r.trace,
           "trace_file", r.trace_file, "reproduce", r.reproduce, "timeline", r.timeline, "seconds",
           r.seconds, "work", r.work);
  }
  void Value(const RuleVerdict& v) {
    Object("rule", v.rule, "title", v.title, "status", StatusName(v.status), "phase", v.phase,
           "reason", v.reason, "results", v.results, "expected_failure", v.expected_failure,
           "expected_reason", v.expected_reason, "unexpected", v.unexpected);
  }
  void Value(const Report& report) {
    Object("implementation", report.implementation, "clsid", report.clsid, "profile",
           report.profile, "phases", report.phases, "kit_version", report.kit_version,
           "spec_revision", report.spec_revision, "server_sha256", report.server_sha256, "seed",
           static_cast<long long>(report.seed), "command_line", report.command_line, "interrupted",
           report.interrupted, "results", report.results, "rules", report.rules, "seconds",
           report.seconds, "exit_code", report.exit_code, "unpinned_failure",
           report.unpinned_failure);
  }

  std::string Take() { return std::move(out_) + "\n"; }

 private:
  // {"key": value, ...} from keys and values in turn.
  template <typename... KeysAndValues>
  void Object(const KeysAndValues&... keys_and_values) {
    Open('{');
    Members(keys_and_values...);
    Close('}');
  }
  void Members() {}
  template <typename T, typename... Rest>
  void Members(const char* key, const T& value, const Rest&... rest) {
    Key(key);
    Value(value);
    Members(rest...);
  }

  void Open(char bracket) {
    Separate();
    out_ += bracket;
    first_.push_back(true);
  }
  void Close(char bracket) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) Newline();
    out_ += bracket;
  }
  void Key(const char* key) {
    Separate();
    out_ += JsonString(key) + ": ";
    after_key_ = true;
  }
  void Raw(const std::string& value) {
    Separate();
    out_ += value;
  }
  // Before a value or a key: a comma unless first in its container, then a
  // new line; nothing after a key.
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    Newline();
  }
  void Newline() { out_ += '\n' + std::string(2 * first_.size(), ' '); }

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace

std::string Json(const Report& report) {
  Writer w;
  w.Value(report);
  return w.Take();
}

}  // namespace dsalloc::conform
