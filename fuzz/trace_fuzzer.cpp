// fuzz/trace_fuzzer.cpp: the trace-format fuzz target.
//
// Target functions: spec::ParseLine, spec::ParseTrace, spec::ToString
// (spec/model/trace.h, op.h) and the fuzzers' byte format (fuzz_input.h).
//
// The input is read twice. As text: ParseTrace must not crash, and every
// line ParseLine accepts must print to a line that parses back to the same
// line and prints the same again. As bytes: every line the differential
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
#include "spec/model/trace.h"

namespace {

using dsalloc::spec::TraceLine;

// "" when ToString / ParseLine round-trip on `line`.
std::string RoundTrip(const TraceLine& line) {
  std::string text = dsalloc::spec::ToString(line);
  std::optional<TraceLine> back = dsalloc::spec::ParseLine(text);
  if (!back) return "ToString gave a line ParseLine rejects: " + text + "\n";
  if (!(*back == line)) return "ParseLine(ToString(line)) != line for: " + text + "\n";
  if (dsalloc::spec::ToString(*back) != text) {
    return "ToString(ParseLine(text)) != text for: " + text + "\n";
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
    std::optional<TraceLine> parsed = spec::ParseLine(line);
    if (!parsed) continue;
    if (std::string why = RoundTrip(*parsed); !why.empty()) {
      fuzz::Finding("trace", "parsed from: " + std::string(line) + "\n" + why, {*parsed});
      return 0;
    }
  }
  for (const TraceLine& decoded : fuzz::Decode(data, size)) {
    std::string why = RoundTrip(decoded);
    bool exact = true;
    uint8_t record[fuzz::kRecordSize];
    fuzz::EncodeRecord(decoded, record, &exact);
    if (why.empty() && !exact) why = "the decoded line does not encode back to itself\n";
    if (!why.empty()) {
      fuzz::Finding("trace", "decoded from the input's records\n" + why, {decoded});
      return 0;
    }
  }
  return 0;
}
