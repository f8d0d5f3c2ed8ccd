// ---------------------------------------------------------------------------
// File: conform/report_json.cpp
// ---------------------------------------------------------------------------
//
// Json(): a small streaming writer (Writer) that keeps the commas and the
// two-space indentation, and one function per result.h type, writing the
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
#include <utility>
#include <vector>

#include "escape.h"
#include "report.h"

namespace dsalloc::conform {
namespace {

class Writer {
 public:
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
  void Key(const std::string& key) {
    Separate();
    out_ += JsonString(key) + ": ";
    after_key_ = true;
  }
  void Raw(const std::string& value) {
    Separate();
    out_ += value;
  }
  void String(const std::string& value) { Raw(JsonString(value)); }
  void Number(double value) { Raw(JsonNumber(value)); }
  void Integer(long long value) { Raw(std::to_string(value)); }
  void Bool(bool value) { Raw(value ? "true" : "false"); }

  std::string Take() { return std::move(out_) + "\n"; }

 private:
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

void Strings(Writer& w, const std::string& key, const std::vector<std::string>& values) {
  w.Key(key);
  w.Open('[');
  for (const std::string& value : values) w.String(value);
  w.Close(']');
}

void WriteDivergence(Writer& w, const Divergence& d) {
  w.Open('{');
  w.Key("rule");
  w.String(d.rule);
  w.Key("op");
  w.String(d.op);
  w.Key("expected");
  w.String(d.expected);
  w.Key("observed");
  w.String(d.observed);
  w.Close('}');
}

void WriteCall(Writer& w, const TimelineCall& call) {
  w.Open('{');
  w.Key("thread");
  w.Integer(call.thread);
  w.Key("call");
  w.String(call.call);
  w.Key("result");
  w.String(call.result);
  w.Key("invoked");
  w.Integer(call.invoked);
  w.Key("responded");
  w.Integer(call.responded);
  w.Close('}');
}

void WriteResult(Writer& w, const CheckResult& r) {
  w.Open('{');
  w.Key("phase");
  w.String(PhaseName(r.phase));
  w.Key("name");
  w.String(r.name);
  Strings(w, "rules", r.rules);
  w.Key("status");
  w.String(StatusName(r.status));
  w.Key("divergence");
  WriteDivergence(w, r.divergence);
  w.Key("detail");
  w.String(r.detail);
  w.Key("trace");
  w.String(r.trace);
  w.Key("trace_file");
  w.String(r.trace_file);
  Strings(w, "reproduce", r.reproduce);
  w.Key("timeline");
  w.Open('[');
  for (const TimelineCall& call : r.timeline) WriteCall(w, call);
  w.Close(']');
  w.Key("seconds");
  w.Number(r.seconds);
  w.Key("work");
  w.Integer(r.work);
  w.Close('}');
}

void WriteVerdict(Writer& w, const RuleVerdict& v) {
  w.Open('{');
  w.Key("rule");
  w.String(v.rule);
  w.Key("title");
  w.String(v.title);
  w.Key("status");
  w.String(StatusName(v.status));
  w.Key("phase");
  w.String(v.phase);
  w.Key("reason");
  w.String(v.reason);
  w.Key("results");
  w.Open('[');
  for (const int index : v.results) w.Integer(index);
  w.Close(']');
  w.Key("expected_failure");
  w.Bool(v.expected_failure);
  w.Key("expected_reason");
  w.String(v.expected_reason);
  w.Key("unexpected");
  w.Bool(v.unexpected);
  w.Close('}');
}

}  // namespace

std::string Json(const Report& report) {
  Writer w;
  w.Open('{');
  w.Key("implementation");
  w.String(report.implementation);
  w.Key("clsid");
  w.String(report.clsid);
  w.Key("profile");
  w.String(report.profile);
  Strings(w, "phases", report.phases);
  w.Key("kit_version");
  w.String(report.kit_version);
  w.Key("spec_revision");
  w.String(report.spec_revision);
  w.Key("server_sha256");
  w.String(report.server_sha256);
  w.Key("seed");
  w.Integer(static_cast<long long>(report.seed));
  w.Key("command_line");
  w.String(report.command_line);
  w.Key("interrupted");
  w.String(report.interrupted);
  w.Key("results");
  w.Open('[');
  for (const CheckResult& result : report.results) WriteResult(w, result);
  w.Close(']');
  w.Key("rules");
  w.Open('[');
  for (const RuleVerdict& verdict : report.rules) WriteVerdict(w, verdict);
  w.Close(']');
  w.Key("seconds");
  w.Number(report.seconds);
  w.Key("exit_code");
  w.Integer(report.exit_code);
  w.Key("unpinned_failure");
  w.Bool(report.unpinned_failure);
  w.Close('}');
  return w.Take();
}

}  // namespace dsalloc::conform
