// fuzz/encode_main.cpp: dsalloc-fuzz-encode, which turns traces into fuzzer
// inputs (the seed corpora).
//
//   dsalloc-fuzz-encode [--text | --concurrent] OUTDIR TRACE...
//   dsalloc-fuzz-encode --canonical [--concurrent] INPUT...
//
// Each TRACE (the one trace format, spec/model/op.h) is written to OUTDIR
// as one input named by a hash of its content (as s2n names corpus files):
// by default the differential fuzzer's records (fuzz_input.h), with --text
// the trace's op lines as printed by spec::ToString (the trace fuzzer's
// seeds), with --concurrent the concurrent fuzzer's input for a parallel
// case (concurrent_input.h; other traces are skipped). Parallel cases
// (kParallelTraceMarker) are skipped for records: their "@T" lists are not
// a sequential history. Prints one line per trace,
// marking the ones the record format could only approximate. Exit 0, or 2
// on a file it cannot read or parse.
//
// --canonical rewrites fuzzer inputs in place (differential records, or
// with --concurrent the concurrent format) so that every record selects
// its call canonically (fuzz_input.h CanonicalizeSelector): same ops, and a
// call appended to the vocabulary later leaves them as they are. Run it on
// an input before adding it to the repository's corpora or regressions.

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "concurrent_input.h"
#include "fuzz_input.h"
#include "spec/model/op.h"
#include "spec/model/trace.h"

namespace {

std::string HashName(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (uint8_t b : bytes) h = (h ^ b) * 1099511628211ull;
  char name[17];
  std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
  return name;
}

// --canonical: rewrites each input in place; exit 0, or 2 on an I/O error.
int Canonicalize(int argc, char** argv, int first, bool concurrent) {
  using namespace dsalloc;
  for (int i = first; i < argc; ++i) {
    std::vector<uint8_t> bytes;
    {
      std::ifstream in(argv[i], std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
      if (!in && !in.eof()) {
        std::fprintf(stderr, "cannot read %s\n", argv[i]);
        return 2;
      }
    }
    const size_t changed = concurrent
                               ? fuzz::CanonicalizeConcurrentSelectors(bytes.data(), bytes.size())
                               : fuzz::CanonicalizeSelectors(bytes.data(), bytes.size());
    if (changed > 0) {
      std::ofstream out(argv[i], std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
      if (!out) {
        std::fprintf(stderr, "cannot write %s\n", argv[i]);
        return 2;
      }
    }
    std::printf("%-9s %s (%zu records)\n", changed > 0 ? "rewritten" : "canonical", argv[i],
                changed);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dsalloc;
  if (argc > 1 && std::strcmp(argv[1], "--canonical") == 0) {
    const bool concurrent = argc > 2 && std::strcmp(argv[2], "--concurrent") == 0;
    return Canonicalize(argc, argv, concurrent ? 3 : 2, concurrent);
  }
  int first = 1;
  bool text = false;
  bool concurrent = false;
  if (argc > 1 && std::strcmp(argv[1], "--text") == 0) {
    text = true;
    ++first;
  } else if (argc > 1 && std::strcmp(argv[1], "--concurrent") == 0) {
    concurrent = true;
    ++first;
  }
  if (argc - first < 2) {
    std::fprintf(stderr, "usage: dsalloc-fuzz-encode [--text] OUTDIR TRACE...\n");
    return 2;
  }
  std::string out_dir = argv[first];
  for (int i = first + 1; i < argc; ++i) {
    std::ifstream in(argv[i]);
    std::stringstream content;
    content << in.rdbuf();
    int bad_line = 0;
    auto trace = spec::ParseTrace(content.str(), &bad_line);
    if (!in || !trace) {
      std::fprintf(stderr, "%s:%d: cannot read or parse\n", argv[i], bad_line);
      return 2;
    }
    bool parallel = content.str().find(spec::kParallelTraceMarker) != std::string::npos;
    if (parallel != concurrent && !text) {
      std::printf("skipped   %s (%s)\n", argv[i], parallel ? "parallel case" : "not parallel");
      continue;
    }
    bool exact = true;
    std::vector<uint8_t> bytes;
    if (text) {
      std::string lines;
      for (const spec::TraceLine& line : *trace) lines += spec::ToString(line) + "\n";
      bytes.assign(lines.begin(), lines.end());
    } else if (concurrent) {
      std::string error;
      auto c = props::parallel::CaseFromTrace(*trace, &error);
      if (!c) {
        std::fprintf(stderr, "%s: %s\n", argv[i], error.c_str());
        return 2;
      }
      bytes = fuzz::EncodeConcurrent(*c, &exact);
    } else {
      bytes = fuzz::Encode(*trace, &exact);
    }
    std::string name = out_dir + "/" + HashName(bytes);
    std::ofstream out(name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", name.c_str());
      return 2;
    }
    std::printf("%s %s -> %s\n", exact ? "exact    " : "APPROX   ", argv[i], name.c_str());
  }
  return 0;
}
