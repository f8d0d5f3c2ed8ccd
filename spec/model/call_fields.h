// ---------------------------------------------------------------------------
// File: spec/model/call_fields.h
// ---------------------------------------------------------------------------
//
// The field kinds a call declaration (calls.h) is made of. A call lists its
// fields once, in trace order (`static constexpr auto Fields()`), and every
// generic consumer derives what it needs from that list: the trace printer
// and parser (trace_text.cpp), equality, the round-trip tests. A field kind
// names the member it stands for by a member-pointer path (`&Call::member`,
// or `&Call::image, &Sample2Image::cbData` for a nested one), so the
// declaration is the only place that says which members a call has.
//
// Each field kind has
//   void Print(std::string& out, const C& call) const;  // appends " token"
//   bool Parse(Tokens& t, C& call) const;               // false = bad line
// Fields of kind Tail (the trailing keywords: "null", and the Op-level
// "oom") are accepted in any order after the others, as traces always were.
//
// Threading: constexpr data and pure functions. Errors: Parse returns false.

#ifndef DSALLOC_SPEC_MODEL_CALL_FIELDS_H_
#define DSALLOC_SPEC_MODEL_CALL_FIELDS_H_

#include <charconv>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dsalloc::spec::fields {

// The whitespace-separated tokens of one trace line.
class Tokens {
 public:
  explicit Tokens(std::string_view line);
  bool Done() const { return pos_ >= toks_.size(); }
  std::string_view Peek() const { return Done() ? "" : toks_[pos_]; }
  std::string_view Next() { return Done() ? "" : toks_[pos_++]; }
  bool Accept(std::string_view t) {
    if (!Done() && toks_[pos_] == t) {
      ++pos_;
      return true;
    }
    return false;
  }

 private:
  std::vector<std::string_view> toks_;
  size_t pos_ = 0;
};

// Decimal or 0x-hex, optionally negative; false unless the whole token is a
// number that fits T (negative numbers wrap for unsigned T, as C casts do).
template <typename T>
bool ParseInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  int base = 10;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  uint64_t bits = neg ? (~v + 1) : v;
  *out = static_cast<T>(bits);
  if (neg) {
    if (static_cast<int64_t>(*out) > 0 || v > (uint64_t{1} << 63)) return false;
    if constexpr (sizeof(T) < 8) {
      if (v > (uint64_t{1} << (8 * sizeof(T) - 1))) return false;
    }
  } else if constexpr (sizeof(T) < 8) {
    if (v > ((uint64_t{1} << (8 * sizeof(T))) - 1)) return false;
  }
  return true;
}

void PutWord(std::string& out, std::string_view word);  // " word"
void PutNum(std::string& out, int64_t v);               // " 123"
void PutHex(std::string& out, uint64_t v);              // "0x7b" (no space)

// The member a path of member pointers reaches: At<&C::a, &A::b>(c) is c.a.b.
template <auto Member, auto... Rest, typename Object>
constexpr auto& At(Object& object) {
  if constexpr (sizeof...(Rest) == 0) {
    return object.*Member;
  } else {
    return At<Rest...>(object.*Member);
  }
}

// A number: "17" (Key: "key=17"; hex: "0x11"), within [lo, hi] when parsed.
template <auto... Path>
struct Num {
  std::string_view key = "";
  bool hex = false;
  int64_t lo = std::numeric_limits<int64_t>::min();
  int64_t hi = std::numeric_limits<int64_t>::max();

  template <typename C>
  void Print(std::string& out, const C& c) const {
    out += ' ';
    out += key;
    auto v = At<Path...>(c);
    if (hex) {
      PutHex(out, static_cast<uint64_t>(v));
    } else {
      out += std::to_string(v);
    }
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    std::string_view s = t.Next();
    if (s.substr(0, key.size()) != key) return false;
    auto& v = At<Path...>(c);
    if (!ParseInt(s.substr(key.size()), &v)) return false;
    return static_cast<int64_t>(v) >= lo && static_cast<int64_t>(v) <= hi;
  }
};

// An index that may be absent: `null_word` when negative (-1), else 0..hi.
// SetNotify's callback ("null" or 0..2), a media type id ("-" or N).
template <auto... Path>
struct Index {
  std::string_view null_word = "-";
  std::string_view key = "";
  int64_t hi = std::numeric_limits<int64_t>::max();

  template <typename C>
  void Print(std::string& out, const C& c) const {
    auto v = At<Path...>(c);
    out += ' ';
    out += key;
    if (v < 0) {
      out += null_word;
    } else {
      out += std::to_string(v);
    }
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    std::string_view s = t.Next();
    if (s.substr(0, key.size()) != key) return false;
    s.remove_prefix(key.size());
    auto& v = At<Path...>(c);
    if (s == null_word) {
      v = -1;
      return true;
    }
    return ParseInt(s, &v) && v >= 0 && static_cast<int64_t>(v) <= hi;
  }
};

// A keyword that is there when the bool member is true, in its place.
template <auto... Path>
struct Word {
  std::string_view word;

  template <typename C>
  void Print(std::string& out, const C& c) const {
    if (At<Path...>(c)) PutWord(out, word);
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    At<Path...>(c) = t.Accept(word);
    return true;
  }
};

// A trailing keyword ("null"): printed as a Word, but the trailing keywords
// and the Op's "oom" may come in any order (trace_text.cpp takes them
// together, through Accept).
template <auto... Path>
struct Tail : Word<Path...> {
  template <typename C>
  bool Accept(Tokens& t, C& c) const {
    if (At<Path...>(c) || !t.Accept(this->word)) return false;
    At<Path...>(c) = true;
    return true;
  }
};

// One bit of a flags member as a keyword ("nowait" for AM_GBF_NOWAIT).
template <auto... Path>
struct Bit {
  std::string_view word;
  uint32_t bit;

  template <typename C>
  void Print(std::string& out, const C& c) const {
    if (At<Path...>(c) & bit) PutWord(out, word);
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    if (t.Accept(word)) At<Path...>(c) |= bit;
    return true;
  }
};

// The other bits of a flags member, "key=0x.." when any is set (GetBuffer's
// "flags=0x3" beside "nowait"); a token with none of them, or with one of
// `except`, is a bad line.
template <auto... Path>
struct RestBits {
  std::string_view key;
  uint32_t except;

  template <typename C>
  void Print(std::string& out, const C& c) const {
    uint32_t rest = At<Path...>(c) & ~except;
    if (rest == 0) return;
    out += ' ';
    out += key;
    PutHex(out, rest);
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    std::string_view s = t.Peek();
    if (s.substr(0, key.size()) != key) return true;
    t.Next();
    uint32_t rest = 0;
    if (!ParseInt(s.substr(key.size()), &rest) || rest == 0 || (rest & except)) return false;
    At<Path...>(c) |= rest;
    return true;
  }
};

// An out-pointer: "*" valid, "-" NULL (the member is the NULL flag).
template <auto... Path>
struct OutPtr {
  template <typename C>
  void Print(std::string& out, const C& c) const {
    PutWord(out, At<Path...>(c) ? "-" : "*");
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    std::string_view s = t.Next();
    if (s != "*" && s != "-") return false;
    At<Path...>(c) = s == "-";
    return true;
  }
};

// An in-value behind a pointer that may be NULL: "-" or a number. NullPath
// is the NULL flag, ValuePath the value (0 when NULL).
template <auto NullMember, auto ValueMember>
struct OptNum {
  template <typename C>
  void Print(std::string& out, const C& c) const {
    if (c.*NullMember) {
      PutWord(out, "-");
    } else {
      PutNum(out, c.*ValueMember);
    }
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    std::string_view s = t.Next();
    c.*NullMember = s == "-";
    if (c.*NullMember) {
      c.*ValueMember = 0;
      return true;
    }
    return ParseInt(s, &(c.*ValueMember));
  }
};

// An enum spelled by name from a table indexed by its value ("IUnknown",
// "buffer=own").
template <auto... Path>
struct Named {
  std::span<const std::string_view> names;
  std::string_view key = "";

  template <typename C>
  void Print(std::string& out, const C& c) const {
    out += ' ';
    out += key;
    out += names[static_cast<size_t>(At<Path...>(c)) % names.size()];
  }
  template <typename C>
  bool Parse(Tokens& t, C& c) const {
    std::string_view s = t.Next();
    if (s.substr(0, key.size()) != key) return false;
    s.remove_prefix(key.size());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == s) {
        using E = std::remove_reference_t<decltype(At<Path...>(c))>;
        At<Path...>(c) = static_cast<E>(i);
        return true;
      }
    }
    return false;
  }
};

// A number that is part of the call only when `present(call)` says so (a
// reaction's argument).
template <typename C, auto Member>
struct NumIf {
  bool (*present)(const C&);

  void Print(std::string& out, const C& c) const {
    if (present(c)) PutNum(out, c.*Member);
  }
  bool Parse(Tokens& t, C& c) const { return !present(c) || ParseInt(t.Next(), &(c.*Member)); }
};

// A literal token that carries no value ("{" after Repeat N).
struct Literal {
  std::string_view word;

  template <typename C>
  void Print(std::string& out, const C&) const {
    PutWord(out, word);
  }
  template <typename C>
  bool Parse(Tokens& t, C&) const {
    return t.Accept(word);
  }
};

}  // namespace dsalloc::spec::fields

#endif  // DSALLOC_SPEC_MODEL_CALL_FIELDS_H_
