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
#include <type_traits>
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

  // "key": value, for each kind of value a report holds.
  void Field(const std::string& key, const std::string& value) {
    Key(key);
    String(value);
  }
  void Field(const std::string& key, const char* value) { Field(key, std::string(value)); }
  void Field(const std::string& key, double value) {
    Key(key);
    Number(value);
  }
  void Field(const std::string& key, bool value) {
    Key(key);
    Bool(value);
  }
  template <typename Int>
  requires std::is_integral_v<Int> &&
      (!std::is_same_v<Int, bool>)void Field(const std::string& key, Int value) {
    Key(key);
    Integer(static_cast<long long>(value));
  }
  // "key": [each element, written by write(element)].
  template <typename T, typename Write>
  void List(const std::string& key, const std::vector<T>& values, Write write) {
    Key(key);
    Open('[');
    for (const T& value : values) write(*this, value);
    Close(']');
  }
  void Field(const std::string& key, const std::vector<std::string>& values) {
    List(key, values, [](Writer& w, const std::string& v) { w.String(v); });
  }

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

void WriteDivergence(Writer& w, const Divergence& d) {
  w.Open('{');
  w.Field("rule", d.rule);
  w.Field("op", d.op);
  w.Field("expected", d.expected);
  w.Field("observed", d.observed);
  w.Close('}');
}

void WriteCall(Writer& w, const TimelineCall& call) {
  w.Open('{');
  w.Field("thread", call.thread);
  w.Field("call", call.call);
  w.Field("result", call.result);
  w.Field("invoked", call.invoked);
  w.Field("responded", call.responded);
  w.Close('}');
}

void WriteResult(Writer& w, const CheckResult& r) {
  w.Open('{');
  w.Field("phase", PhaseName(r.phase));
  w.Field("name", r.name);
  w.Field("rules", r.rules);
  w.Field("status", StatusName(r.status));
  w.Key("divergence");
  WriteDivergence(w, r.divergence);
  w.Field("detail", r.detail);
  w.Field("trace", r.trace);
  w.Field("trace_file", r.trace_file);
  w.Field("reproduce", r.reproduce);
  w.List("timeline", r.timeline, WriteCall);
  w.Field("seconds", r.seconds);
  w.Field("work", r.work);
  w.Close('}');
}

void WriteVerdict(Writer& w, const RuleVerdict& v) {
  w.Open('{');
  w.Field("rule", v.rule);
  w.Field("title", v.title);
  w.Field("status", StatusName(v.status));
  w.Field("phase", v.phase);
  w.Field("reason", v.reason);
  w.List("results", v.results, [](Writer& w2, int index) { w2.Integer(index); });
  w.Field("expected_failure", v.expected_failure);
  w.Field("expected_reason", v.expected_reason);
  w.Field("unexpected", v.unexpected);
  w.Close('}');
}

}  // namespace

std::string Json(const Report& report) {
  Writer w;
  w.Open('{');
  w.Field("implementation", report.implementation);
  w.Field("clsid", report.clsid);
  w.Field("profile", report.profile);
  w.Field("phases", report.phases);
  w.Field("kit_version", report.kit_version);
  w.Field("spec_revision", report.spec_revision);
  w.Field("server_sha256", report.server_sha256);
  w.Field("seed", static_cast<long long>(report.seed));
  w.Field("command_line", report.command_line);
  w.Field("interrupted", report.interrupted);
  w.List("results", report.results, WriteResult);
  w.List("rules", report.rules, WriteVerdict);
  w.Field("seconds", report.seconds);
  w.Field("exit_code", report.exit_code);
  w.Field("unpinned_failure", report.unpinned_failure);
  w.Close('}');
  return w.Take();
}

}  // namespace dsalloc::conform
