// spec/model/trace_text.cpp: the one-line trace format (op.h), printed and
// parsed from each call's field declaration (calls.h). Nothing here knows a
// call by name: a line's head ("sample N", "callback N" or none) picks the
// group, the name picks the call within it, and the call's Fields() do the
// rest.

#include <array>
#include <utility>

#include "spec/model/op.h"

namespace dsalloc::spec {
namespace {

using fields::Tokens;

template <typename F>
constexpr bool kIsTail = false;
template <auto... Path>
constexpr bool kIsTail<fields::Tail<Path...>> = true;

// The line's head a group's calls are written after.
enum class Head : uint8_t { kNone, kSample, kCallback };
constexpr Head HeadOf(OpGroup g) {
  switch (g) {
    case OpGroup::kSample:
    case OpGroup::kSample2:
      return Head::kSample;
    case OpGroup::kConfig:
    case OpGroup::kCallback:
      return Head::kCallback;
    case OpGroup::kAllocator:
    case OpGroup::kFactory:
      return Head::kNone;
  }
  return Head::kNone;
}

template <typename C>
void PrintCall(std::string& out, const C& c, bool oom) {
  constexpr Head head = HeadOf(C::kGroup);
  if constexpr (head == Head::kSample) {
    out += "sample ";
    out += std::to_string(c.sample);
    out += ' ';
  } else if constexpr (head == Head::kCallback) {
    out += "callback ";
    out += std::to_string(c.callback);
    out += ' ';
  }
  out += C::kName;
  std::apply([&](const auto&... f) { (f.Print(out, c), ...); }, C::Fields());
  if (C::kOom && oom) fields::PutWord(out, "oom");
}

template <typename F, typename C>
bool ParseInPlace(const F& field, Tokens& t, C& c) {
  if constexpr (kIsTail<F>) {
    return true;  // taken after the others
  } else {
    return field.Parse(t, c);
  }
}

template <typename F, typename C>
bool AcceptTail(const F& field, Tokens& t, C& c) {
  if constexpr (kIsTail<F>) {
    return field.Accept(t, c);
  } else {
    return false;
  }
}

// The fields after the name; then the trailing keywords in any order.
template <typename C>
bool ParseFields(Tokens& t, C& c, bool& oom) {
  constexpr auto kFields = C::Fields();
  auto in_place = [&](const auto&... f) { return (ParseInPlace(f, t, c) && ...); };
  if (!std::apply(in_place, kFields)) return false;
  auto tail = [&](const auto&... f) { return (AcceptTail(f, t, c) || ...); };
  while (!t.Done()) {
    if (std::apply(tail, kFields)) continue;
    if (C::kOom && !oom && t.Accept("oom")) {
      oom = true;
      continue;
    }
    return false;
  }
  return true;
}

using ParseFn = bool (*)(Tokens&, int32_t target, Call&, bool& oom);

template <typename C>
bool ParseAs(Tokens& t, int32_t target, Call& out, bool& oom) {
  C c{};
  if constexpr (SampleCall<C>) c.sample = target;
  if constexpr (CallbackCall<C>) c.callback = static_cast<int8_t>(target);
  if (!ParseFields(t, c, oom)) return false;
  out = c;
  return true;
}

template <size_t... I>
constexpr std::array<ParseFn, sizeof...(I)> MakeParsers(std::index_sequence<I...>) {
  return {&ParseAs<std::variant_alternative_t<I, Call>>...};
}
constexpr auto kParsers = MakeParsers(std::make_index_sequence<std::variant_size_v<Call>>());

}  // namespace

Tokens::Tokens(std::string_view line) {
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) toks_.push_back(line.substr(i, j - i));
    i = j;
  }
}

std::string ToString(const Op& op) {
  std::string out;
  if (op.thread != 0) {
    out += '@';
    out += std::to_string(op.thread);
    out += ' ';
  }
  std::visit([&](const auto& c) { PrintCall(out, c, op.oom); }, op.call);
  return out;
}

std::optional<Op> ParseOp(std::string_view line) {
  Tokens t(line);
  uint8_t thread = 0;
  if (!t.Peek().empty() && t.Peek()[0] == '@') {
    int32_t th = 0;
    if (!fields::ParseInt(t.Next().substr(1), &th) || th <= 0 || th >= kMaxThreads) {
      return std::nullopt;
    }
    thread = static_cast<uint8_t>(th);
  }
  Head head = Head::kNone;
  int32_t target = 0;
  if (t.Accept("sample")) {
    head = Head::kSample;
    if (!fields::ParseInt(t.Next(), &target) || target < 0) return std::nullopt;
  } else if (t.Accept("callback")) {
    head = Head::kCallback;
    if (!fields::ParseInt(t.Next(), &target) || target < 0 || target >= kNumCallbacks) {
      return std::nullopt;
    }
  }
  std::string_view name = t.Next();
  for (size_t i = 0; i < kNumCalls; ++i) {
    if (HeadOf(kCalls[i].group) != head || kCalls[i].name != name) continue;
    Call call;
    bool oom = false;
    if (!kParsers[i](t, target, call, oom)) return std::nullopt;
    return MakeOp(call, thread, oom);
  }
  return std::nullopt;
}

}  // namespace dsalloc::spec
