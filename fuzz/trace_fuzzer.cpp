// fuzz/trace_fuzzer.cpp: the trace-format fuzz target.
//
// Target functions: spec::ParseOp, spec::ParseTrace, spec::ToString
// (spec/model/op.h) and the fuzzers' byte format (fuzz_input.h).
//
// The input is read twice. As text: ParseTrace must not crash, and every
// line ParseOp accepts must print to a line that parses back to the same
// op and prints the same again. As bytes: every op the differential
// fuzzer's decoder makes must print and parse back to itself (so each
// finding's trace replays exactly), and encode back to a record that
// decodes to it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_env.h"
#include "fuzz_input.h"
#include "spec/model/op.h"

namespace {

using dsalloc::spec::Op;

// "" when ToString / ParseOp round-trip on op.
std::string RoundTrip(const Op& op) {
  std::string line = dsalloc::spec::ToString(op);
  std::optional<Op> back = dsalloc::spec::ParseOp(line);
  if (!back) return "ToString gave a line ParseOp rejects: " + line + "\n";
  if (!(*back == op)) return "ParseOp(ToString(op)) != op for: " + line + "\n";
  if (dsalloc::spec::ToString(*back) != line) {
    return "ToString(ParseOp(line)) != line for: " + line + "\n";
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dsalloc;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int bad_line = 0;
  (void)spec::ParseTrace(text, &bad_line);
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::optional<Op> op = spec::ParseOp(line);
    if (!op) continue;
    if (std::string why = RoundTrip(*op); !why.empty()) {
      fuzz::Finding("trace", "parsed from: " + std::string(line) + "\n" + why, {*op});
      return 0;
    }
  }
  for (const Op& op : fuzz::Decode(data, size)) {
    std::string why = RoundTrip(op);
    bool exact = true;
    uint8_t record[fuzz::kRecordSize];
    fuzz::EncodeRecord(op, record, &exact);
    if (why.empty() && !exact) why = "the decoded op does not encode back to itself\n";
    if (!why.empty()) {
      fuzz::Finding("trace", "decoded from the input's records\n" + why, {op});
      return 0;
    }
  }
  return 0;
}
