// harness/divergence.cpp: rendering divergences for people (divergence.h).

#include "divergence.h"

namespace dsalloc::harness {

std::string_view FirstLine(std::string_view text) { return text.substr(0, text.find('\n')); }

std::string Finding::Message() const { return rule.empty() ? detail : rule + ": " + detail; }

std::string_view Finding::Summary() const { return FirstLine(detail); }

namespace {

std::string ViolationLines(const std::vector<Violation>& violations) {
  std::string out;
  for (const Violation& v : violations) out += "  violation " + v.rule + ": " + v.detail + "\n";
  return out;
}

// The report without its Repeat round.
std::string Body(const Divergence& d) {
  switch (d.stage) {
    case DivergenceStage::kNone:
      return {};
    case DivergenceStage::kCreate:
      return d.finding.Message();
    case DivergenceStage::kOp: {
      std::string out = "divergence at op " + std::to_string(d.op_number) + ": " + d.op + "\n";
      if (d.finding.found()) out += "  rule " + d.model_rule + ": " + d.finding.Message() + "\n";
      return out + ViolationLines(d.violations);
    }
    case DivergenceStage::kBuffers:
      return "divergence at op " + std::to_string(d.op_number) + ": " + d.op + "\n  " +
             d.finding.Message() + "\n";
    case DivergenceStage::kAfterOp:
      return "divergence after op " + std::to_string(d.op_number) + ": " + d.op + "\n  " +
             d.finding.Message() + "\n";
    case DivergenceStage::kTeardown:
      return "at teardown:\n" + ViolationLines(d.violations);
    case DivergenceStage::kInternal:
      return "internal: " + d.finding.Message();
  }
  return {};
}

}  // namespace

std::string Report(const Divergence& d) {
  if (d.repeat_round <= 0) return Body(d);
  return "in round " + std::to_string(d.repeat_round) + " of Repeat " +
         std::to_string(d.repeat_count) + ":\n" + Body(d);
}

}  // namespace dsalloc::harness
