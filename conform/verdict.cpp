// conform/verdict.cpp: the rule table (verdict.h).

#include "verdict.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include "name_table.h"

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

bool Bad(const CheckResult& r) { return r.status == Status::kFail || r.status == Status::kFlaky; }

// The status words of an --expect line, as written and as read.
constexpr NameRow<Expected> kExpectedWords[] = {
    {Expected::kFail, "FAIL"}, {Expected::kFlaky, "FLAKY"}, {Expected::kSkip, "SKIP"}};

// "--expect line 3 (FLAKY): reason".
std::string Cite(const Expectation& e) {
  return "--expect line " + std::to_string(e.line) + " (" + NameOf(kExpectedWords, e.status) +
         "): " + e.reason;
}

const Expectation* Find(const std::map<std::string, Expectation>& in, const std::string& name) {
  auto it = in.find(name);
  return it == in.end() ? nullptr : &it->second;
}

// The expectation that accepts result r failing, if any: its rule's, or
// (for a case) the case's own, FAIL or FLAKY.
const Expectation* Excuse(const Expectations* expect, const Expectation* rule_exp,
                          const CheckResult& r) {
  if (rule_exp != nullptr && rule_exp->status != Expected::kSkip) return rule_exp;
  if (expect == nullptr || r.phase != Phase::kCases) return nullptr;
  const Expectation* e = Find(expect->cases, r.name);
  return e != nullptr && e->status != Expected::kSkip ? e : nullptr;
}

bool Ran(const Report& report, Phase phase) {
  return std::find(report.phases.begin(), report.phases.end(), PhaseName(phase)) !=
         report.phases.end();
}

// Whether this run ran every check that could have failed `rule`: every
// phase (the random ones may reach any rule), and every case that checks
// it (not filtered out, not skipped). Only such a run's pass of an expected
// failure is news; a partial run's pass is not evidence against the file.
bool EveryCheckRan(const Report& report, const Expectations& expect, const std::string& rule) {
  for (Phase phase : kAllPhases) {
    if (!Ran(report, phase)) return false;
  }
  for (const CaseInfo& c : Cases()) {
    if (std::find(c.checks.begin(), c.checks.end(), rule) == c.checks.end()) continue;
    const Expectation* e = Find(expect.cases, c.name);
    if (e != nullptr && e->status == Expected::kSkip) return false;
    bool ran = std::any_of(report.results.begin(), report.results.end(), [&](const CheckResult& r) {
      return r.phase == Phase::kCases && r.name == c.name;
    });
    if (!ran) return false;
  }
  return true;
}

// A case --expect lists as FAIL that ran, covers `rule` and passed.
const CheckResult* CasePassedUnexpectedly(const Report& report, const Expectations& expect,
                                          const std::string& rule, const Expectation** listed) {
  for (const CheckResult& r : report.results) {
    if (r.phase != Phase::kCases || r.status != Status::kPass || !Covers(r, rule)) continue;
    const Expectation* e = Find(expect.cases, r.name);
    if (e != nullptr && e->status == Expected::kFail) {
      *listed = e;
      return &r;
    }
  }
  return nullptr;
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
  std::map<std::string, int> seen;  // name -> line
  while (std::getline(lines, line)) {
    ++number;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string name;
    if (!(words >> name)) continue;
    const std::string where = "--expect line " + std::to_string(number) + ": ";
    std::string rest;
    std::getline(words, rest);
    rest.erase(0, rest.find_first_not_of(" \t\r"));
    rest.erase(rest.find_last_not_of(" \t\r") + 1);
    // An optional status word, then the reason. "RULE  reason" (no status)
    // is the original format: an expected failure.
    Expectation e;
    e.line = number;
    const std::string word = rest.substr(0, rest.find_first_of(" \t"));
    if (const std::optional<Expected> status = ValueNamed(kExpectedWords, word)) {
      e.status = *status;
      rest.erase(0, word.size());
      rest.erase(0, rest.find_first_not_of(" \t"));
    } else if (word == "PASS") {
      *error = where + "PASS is what every rule and case is expected to do: remove the line";
      return false;
    }
    e.reason = rest.empty() ? "(no reason given)" : rest;
    std::map<std::string, Expectation>* into = nullptr;
    if (FindRule(name) != nullptr) {
      into = &expect->rules;
    } else if (FindCase(name) != nullptr) {
      into = &expect->cases;
    } else {
      *error = where + "'" + name +
               "' is neither a rule of SPEC.md nor a case (dsalloc-conform --list shows both)";
      return false;
    }
    if (auto it = seen.find(name); it != seen.end()) {
      *error = where + name + " is already listed on line " + std::to_string(it->second);
      return false;
    }
    seen[name] = number;
    (*into)[name] = e;
  }
  return true;
}

bool SkipCase(const Expectations& expect, const CaseInfo& c, Report* report) {
  const Expectation* e = Find(expect.cases, c.name);
  if (e == nullptr || e->status != Expected::kSkip) return false;
  CheckResult skipped;
  skipped.phase = Phase::kCases;
  skipped.name = c.name;
  skipped.rules = c.checks;
  skipped.status = Status::kNotApplicable;
  skipped.detail = "case " + c.name + " not run: " + Cite(*e);
  report->results.push_back(std::move(skipped));
  return true;
}

void Judge(Report* report, const ServerTraits& traits, bool portable, const Expectations* expect) {
  report->rules.clear();
  bool any_unexpected = false;
  for (const RuleInfo& info : Rules()) {
    RuleVerdict v;
    v.rule = info.id;
    v.title = info.title;
    const Expectation* rule_exp = expect != nullptr ? Find(expect->rules, info.id) : nullptr;
    const std::vector<CheckResult>& results = report->results;
    std::string fail_reason, flaky_reason, pass_phase, na_reason, blocked_reason;
    // The failures that decide this rule: whether one is listed by nothing
    // (news), and the first expectation that accepts one.
    bool unexcused = false;
    const Expectation* excused_by = nullptr;
    for (size_t i = 0; i < results.size(); ++i) {
      const CheckResult& r = results[i];
      bool covers = Covers(r, info.id);
      bool named = r.divergence.rule == info.id;
      if (!covers && !named) continue;
      v.results.push_back(static_cast<int>(i));
      bool bad = Bad(r);
      // A check that failed at another rule did not judge this one, unless
      // it failed without naming any (a crash, a hang, a memory error).
      bool decides = named || (covers && FindRule(r.divergence.rule) == nullptr);
      if (bad && decides) {
        std::string& reason = r.status == Status::kFail ? fail_reason : flaky_reason;
        if (reason.empty()) {
          reason = OneLine(r);
          v.phase = PhaseName(r.phase);
        }
        const Expectation* e = Excuse(expect, rule_exp, r);
        if (e == nullptr) unexcused = true;
        if (excused_by == nullptr) excused_by = e;
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
    if (rule_exp != nullptr && rule_exp->status == Expected::kSkip) {
      v.status = Status::kNotApplicable;
      v.phase.clear();
      v.reason = "not judged: " + Cite(*rule_exp);
    } else if (lacks_interface && fail_reason.empty() && flaky_reason.empty()) {
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
        v.reason = "not checkable: " + info.not_checkable;
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
    if (v.status == Status::kFail || v.status == Status::kFlaky) {
      v.unexpected = unexcused;
      v.expected_failure = !unexcused;
      if (v.expected_failure) v.expected_reason = Cite(*excused_by);
    } else if (v.status == Status::kPass && expect != nullptr) {
      // ExpectMark (report.h) marks a pass with expected_failure set as an
      // unexpected pass; set it only where the pass is news.
      const Expectation* listed = nullptr;
      if (rule_exp != nullptr && rule_exp->status == Expected::kFail &&
          EveryCheckRan(*report, *expect, info.id)) {
        v.expected_failure = v.unexpected = true;
        v.expected_reason = Cite(*rule_exp);
        v.reason = "passed, against " + v.expected_reason;
      } else if (rule_exp != nullptr) {
        v.reason = rule_exp->status == Expected::kFlaky
                       ? "passed; " + Cite(*rule_exp) + " (either result is accepted)"
                       : "passed, but not every check that could fail it ran (phases, cases), "
                         "so not counted against " +
                             Cite(*rule_exp);
      } else if (const CheckResult* c =
                     CasePassedUnexpectedly(*report, *expect, info.id, &listed)) {
        // A case ran as listed would have failed: its pass is news.
        v.expected_failure = v.unexpected = true;
        v.expected_reason = "case " + c->name + ": " + Cite(*listed);
        v.reason = "case " + c->name + " passed, against " + Cite(*listed);
      }
    }
    // An expected failure that could not be checked here is not news.
    any_unexpected = any_unexpected || v.unexpected;
    report->rules.push_back(std::move(v));
  }
  // A check that failed without any rule of SPEC.md to pin it on still
  // fails the run, unless --expect lists its case as failing.
  for (const CheckResult& r : report->results) {
    if (Bad(r) && r.rules.empty() && FindRule(r.divergence.rule) == nullptr &&
        Excuse(expect, nullptr, r) == nullptr) {
      any_unexpected = true;
      report->unpinned_failure = true;
    }
  }
  report->exit_code = any_unexpected ? 1 : 0;
}

}  // namespace dsalloc::conform
