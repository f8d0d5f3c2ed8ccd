// conform/verdict.cpp: the rule table (verdict.h).

#include "verdict.h"

#include <algorithm>
#include <sstream>

#include "catalog.h"

namespace dsalloc::conform {
namespace {

std::string OneLine(const CheckResult& r) {
  std::string where = r.phase == Phase::kCases ? "case " + r.name : std::string(PhaseName(r.phase));
  if (!r.divergence.rule.empty() || !r.divergence.observed.empty()) {
    std::string s = where + ": ";
    if (!r.divergence.op.empty()) s += "at `" + r.divergence.op + "`: ";
    s += "expected " + r.divergence.expected + "; observed " + r.divergence.observed;
    return s;
  }
  std::string first = r.detail.substr(0, r.detail.find('\n'));
  return where + ": " + first;
}

bool Covers(const CheckResult& r, const std::string& id) {
  return std::find(r.rules.begin(), r.rules.end(), id) != r.rules.end();
}

}  // namespace

bool NeedsCallbackInterface(const std::string& rule) {
  return rule.rfind("ALLOC.SETNOTIFY", 0) == 0 || rule.rfind("ALLOC.FREECOUNT", 0) == 0 ||
         rule.rfind("NOTIFY.", 0) == 0 || rule == "COM.CALLBACK.REFS";
}

bool ParseExpectations(const std::string& text, Expectations* expect, std::string* error) {
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string id;
    if (!(words >> id)) continue;
    std::string reason;
    std::getline(words, reason);
    reason.erase(0, reason.find_first_not_of(" \t"));
    if (FindRule(id) == nullptr) {
      *error = "--expect line " + std::to_string(number) + ": no rule " + id + " in SPEC.md";
      return false;
    }
    (*expect)[id] = reason.empty() ? "(no reason given)" : reason;
  }
  return true;
}

void Judge(Report* report, const ServerTraits& traits, bool portable, const Expectations* expect) {
  report->rules.clear();
  bool any_unexpected = false;
  for (const RuleInfo& info : Rules()) {
    RuleVerdict v;
    v.rule = info.id;
    v.title = info.title;
    const std::vector<CheckResult>& results = report->results;
    std::string fail_reason, flaky_reason, pass_phase, na_reason, blocked_reason;
    for (size_t i = 0; i < results.size(); ++i) {
      const CheckResult& r = results[i];
      bool covers = Covers(r, info.id);
      bool named = r.divergence.rule == info.id;
      if (!covers && !named) continue;
      v.results.push_back(static_cast<int>(i));
      bool bad = r.status == Status::kFail || r.status == Status::kFlaky;
      // A check that failed at another rule did not judge this one, unless
      // it failed without naming any (a crash, a hang, a memory error).
      bool decides = named || (covers && FindRule(r.divergence.rule) == nullptr);
      if (bad && decides) {
        std::string& reason = r.status == Status::kFail ? fail_reason : flaky_reason;
        if (reason.empty()) {
          reason = OneLine(r);
          v.phase = PhaseName(r.phase);
        }
      } else if (bad && r.phase != Phase::kCases && r.phase != Phase::kSoak) {
        // An exploration lists the rules the model applied while the
        // implementation agreed, before and besides its one divergence.
        if (pass_phase.empty()) pass_phase = PhaseName(r.phase);
      } else if (bad) {
        if (blocked_reason.empty()) {
          blocked_reason = "not reached: " + OneLine(r) + " (rule " + r.divergence.rule + ")";
        }
      } else if (r.status == Status::kPass) {
        if (pass_phase.empty()) pass_phase = PhaseName(r.phase);
      } else if (na_reason.empty()) {
        na_reason = r.detail;
      }
    }
    const bool lacks_interface =
        !traits.callback_iface && portable && NeedsCallbackInterface(info.id);
    constexpr char kLacksInterface[] = "no IMemAllocatorCallbackTemp (E_NOINTERFACE), as in Wine";
    if (lacks_interface && fail_reason.empty() && flaky_reason.empty()) {
      // What passed here was vacuous: the model skips those calls.
      v.status = Status::kNotApplicable;
      v.reason = kLacksInterface;
    } else if (!fail_reason.empty()) {
      v.status = Status::kFail;
      v.reason = fail_reason;
    } else if (!flaky_reason.empty()) {
      v.status = Status::kFlaky;
      v.reason = flaky_reason;
    } else if (!pass_phase.empty()) {
      v.status = Status::kPass;
      v.phase = pass_phase;
    } else {
      v.status = Status::kNotApplicable;
      if (!info.checkable) {
        v.reason = "not checkable (SPEC.md says why)";
      } else if (lacks_interface) {
        v.reason = kLacksInterface;
      } else if (!blocked_reason.empty()) {
        v.reason = blocked_reason;
      } else if (!na_reason.empty()) {
        v.reason = na_reason;
      } else {
        v.reason = "no check that ran reached it (phases: see the header)";
      }
    }
    if (expect != nullptr) {
      auto it = expect->find(info.id);
      v.expected_failure = it != expect->end();
      if (v.expected_failure) v.expected_reason = it->second;
      bool failed = v.status == Status::kFail || v.status == Status::kFlaky;
      v.unexpected = failed != v.expected_failure && v.status != Status::kNotApplicable;
      // An expected failure that could not be checked here is not news.
    } else {
      v.unexpected = v.status == Status::kFail || v.status == Status::kFlaky;
    }
    any_unexpected = any_unexpected || v.unexpected;
    report->rules.push_back(std::move(v));
  }
  // A check that failed without any rule of SPEC.md to pin it on still
  // fails the run.
  for (const CheckResult& r : report->results) {
    if ((r.status == Status::kFail || r.status == Status::kFlaky) && r.rules.empty() &&
        FindRule(r.divergence.rule) == nullptr) {
      any_unexpected = true;
    }
  }
  report->exit_code = any_unexpected ? 1 : 0;
}

}  // namespace dsalloc::conform
