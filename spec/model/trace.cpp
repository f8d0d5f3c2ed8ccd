// spec/model/trace.cpp: a trace's lines, printed and parsed (trace.h).

#include "spec/model/trace.h"

#include <utility>

namespace dsalloc::spec {
namespace {

template <typename Bound>
std::string PrintBound(const Bound& b) {
  std::string out(Bound::kName);
  std::apply([&](const auto&... f) { (f.Print(out, b), ...); }, Bound::Fields());
  return out;
}

// The whole line is the bound: its name, its fields, nothing after.
template <typename Bound>
std::optional<Bound> ParseBound(std::string_view line) {
  fields::Tokens t(line);
  if (!t.Accept(Bound::kName)) return std::nullopt;
  Bound b{};
  auto parse = [&](const auto&... f) { return (f.Parse(t, b) && ...); };
  if (!std::apply(parse, Bound::Fields()) || !t.Done()) return std::nullopt;
  return b;
}

// Each line of `text` that is not blank or a comment, parsed by `parse`.
template <typename T, typename Parse>
std::optional<std::vector<T>> ParseLines(std::string_view text, int* bad_line, Parse parse) {
  std::vector<T> lines;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::optional<T> parsed = parse(line);
    if (!parsed) {
      if (bad_line != nullptr) *bad_line = line_no;
      return std::nullopt;
    }
    lines.push_back(std::move(*parsed));
  }
  return lines;
}

}  // namespace

std::string ToString(const TraceLine& line) {
  if (const auto* op = std::get_if<Op>(&line)) return ToString(*op);
  if (const auto* open = std::get_if<RepeatOpen>(&line)) return PrintBound(*open);
  return PrintBound(std::get<RepeatClose>(line));
}

std::optional<TraceLine> ParseLine(std::string_view line) {
  // A bound is tried only where the line starts with its name: most lines
  // are ops, and each try splits the line into tokens again.
  const size_t first = line.find_first_not_of(" \t\r");
  const std::string_view head = first == std::string_view::npos ? "" : line.substr(first);
  if (head.starts_with(RepeatOpen::kName)) {
    if (std::optional<RepeatOpen> open = ParseBound<RepeatOpen>(line)) return *open;
  } else if (head.starts_with(RepeatClose::kName)) {
    if (std::optional<RepeatClose> close = ParseBound<RepeatClose>(line)) return *close;
  }
  if (std::optional<Op> op = ParseOp(line)) return *op;
  return std::nullopt;
}

std::optional<Trace> ParseTrace(std::string_view text, int* bad_line) {
  return ParseLines<TraceLine>(text, bad_line, ParseLine);
}

std::optional<std::vector<Op>> ParseOps(std::string_view text, int* bad_line) {
  return ParseLines<Op>(text, bad_line, ParseOp);
}

Trace TraceOf(const std::vector<Op>& ops) { return Trace(ops.begin(), ops.end()); }

}  // namespace dsalloc::spec
