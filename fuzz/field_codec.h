// ---------------------------------------------------------------------------
// File: fuzz/field_codec.h
// ---------------------------------------------------------------------------
//
// The record encoding a call's declaration implies (spec/model/calls.h
// Fields()), for every call whose place in the record fuzz_input.cpp does
// not write by hand. A new call needs nothing here: its fields find their
// places in declaration order,
//   a boolean (Word, Tail, OutPtr, Bit, OptNum's NULL) - the next of byte 1's
//       bits Null1, Null2, Bool, Blocking;
//   a small enumeration (Named; Index with a small upper bound) - byte 3,
//       then byte 2 (only for a call with no target: a sample call's or a
//       callback call's byte 2 names its target);
//   a number (Num, NumIf, RestBits, OptNum's value; Index without a small
//       bound) - the next int32 field A .. G, two for a 64-bit member;
//   a Literal - nothing.
// A Num with bounds narrower than its type is folded into them. A call whose
// fields do not fit, or that has a field kind not listed here, fails to
// compile (Fits below): it needs its own Read and Write in fuzz_input.cpp.
//
// Decode(Encode(call)) == call for every call whose values are in the
// ranges above (fuzz/format_test.cpp, EncodeInvertsDecode).
//
// Threading: pure functions. Errors: none.

#ifndef DSALLOC_FUZZ_FIELD_CODEC_H_
#define DSALLOC_FUZZ_FIELD_CODEC_H_

#include <cstdint>
#include <iterator>
#include <tuple>
#include <type_traits>

#include "fuzz/record.h"
#include "spec/model/calls.h"

namespace dsalloc::fuzz::record {

namespace fields = spec::fields;

// A call's target (its sample or callback) is in byte 2.
template <typename C>
constexpr bool kHasTarget = spec::SampleCall<C> || spec::CallbackCall<C>;

// How many places of each kind a call's fields take.
struct Needs {
  int bits = 0;
  int smalls = 0;
  int ints = 0;
};

inline constexpr uint8_t kBoolBits[] = {kBitNull1, kBitNull2, kBitBool, kBitBlocking};
// An Index whose values (-1 .. hi) fit a byte takes a small place.
inline constexpr int64_t kSmallIndexBound = 254;

// The next free place of each kind, as fields are read or written in order.
struct Cursor {
  int bit = 0;
  int small = 0;
  int field = 0;
  uint8_t NextBit() { return kBoolBits[bit++]; }
};

template <typename C, auto... Path>
using MemberOf = std::remove_cvref_t<decltype(fields::At<Path...>(std::declval<C&>()))>;

template <typename T>
constexpr int kIntsFor = sizeof(T) == 8 ? 2 : 1;

// --- reading and writing a number in the next int32 place(s) ---------------

template <typename T>
T ReadNumber(const In& in, Cursor& at) {
  const int64_t raw = sizeof(T) == 8 ? in.Time(at.field) : in.Field(at.field);
  at.field += kIntsFor<T>;
  return static_cast<T>(raw);
}

template <typename T>
void WriteNumber(T v, Out& out, Cursor& at) {
  if constexpr (sizeof(T) == 8) {
    out.Time(at.field, static_cast<int64_t>(v));
  } else {
    out.Field(at.field, static_cast<int32_t>(v));
  }
  at.field += kIntsFor<T>;
}

inline uint8_t ReadSmall(const In& in, Cursor& at) { return at.small++ == 0 ? in.T() : in.S(); }
inline void WriteSmall(uint8_t v, Out& out, Cursor& at) { (at.small++ == 0 ? out.t : out.s) = v; }

// --- one overload set per field kind: Need, Read, Write -----------------------

template <typename C, auto... P>
constexpr Needs Need(const fields::Num<P...>&) {
  return {0, 0, kIntsFor<MemberOf<C, P...>>};
}
template <typename C, auto... P>
void Read(const fields::Num<P...>& f, const In& in, Cursor& at, C& c) {
  using T = MemberOf<C, P...>;
  T v = ReadNumber<T>(in, at);
  const auto wide = static_cast<int64_t>(v);
  if (wide < f.lo || wide > f.hi) {  // only a bounded Num folds
    const uint64_t span = static_cast<uint64_t>(f.hi - f.lo) + 1;
    v = static_cast<T>(f.lo + static_cast<int64_t>(static_cast<uint64_t>(wide - f.lo) % span));
  }
  fields::At<P...>(c) = v;
}
template <typename C, auto... P>
void Write(const fields::Num<P...>&, const C& c, Out& out, Cursor& at) {
  WriteNumber(fields::At<P...>(c), out, at);
}

template <typename C, auto... P>
constexpr Needs Need(const fields::Index<P...>& f) {
  if (f.hi <= kSmallIndexBound) return {0, 1, 0};
  return {0, 0, kIntsFor<MemberOf<C, P...>>};
}
template <typename C, auto... P>
void Read(const fields::Index<P...>& f, const In& in, Cursor& at, C& c) {
  using T = MemberOf<C, P...>;
  if (f.hi <= kSmallIndexBound) {
    fields::At<P...>(c) = static_cast<T>(ReadSmall(in, at) % (f.hi + 2) - 1);
  } else {
    const T v = ReadNumber<T>(in, at);
    fields::At<P...>(c) = v < 0 ? T{-1} : v;
  }
}
template <typename C, auto... P>
void Write(const fields::Index<P...>& f, const C& c, Out& out, Cursor& at) {
  const auto v = fields::At<P...>(c);
  if (f.hi <= kSmallIndexBound) {
    WriteSmall(static_cast<uint8_t>(v + 1), out, at);
  } else {
    WriteNumber(v, out, at);
  }
}

template <typename C, auto... P>
constexpr Needs Need(const fields::Named<P...>&) {
  return {0, 1, 0};
}
template <typename C, auto... P>
void Read(const fields::Named<P...>& f, const In& in, Cursor& at, C& c) {
  fields::At<P...>(c) = static_cast<MemberOf<C, P...>>(ReadSmall(in, at) % f.names.size());
}
template <typename C, auto... P>
void Write(const fields::Named<P...>&, const C& c, Out& out, Cursor& at) {
  WriteSmall(static_cast<uint8_t>(fields::At<P...>(c)), out, at);
}

// Word, Tail and OutPtr: a bool member, one bit.
template <typename C, template <auto...> class K, auto... P>
requires std::is_same_v<K<P...>, fields::Word<P...>> ||
    std::is_same_v<K<P...>, fields::Tail<P...>> || std::is_same_v<K<P...>, fields::OutPtr<P...>>
constexpr Needs Need(const K<P...>&) { return {1, 0, 0}; }
template <typename C, template <auto...> class K, auto... P>
requires std::is_same_v<K<P...>, fields::Word<P...>> ||
    std::is_same_v<K<P...>, fields::Tail<P...>> || std::is_same_v<K<P...>, fields::OutPtr<P...>>
void Read(const K<P...>&, const In& in, Cursor& at, C& c) {
  fields::At<P...>(c) = in.Has(at.NextBit());
}
template <typename C, template <auto...> class K, auto... P>
requires std::is_same_v<K<P...>, fields::Word<P...>> ||
    std::is_same_v<K<P...>, fields::Tail<P...>> || std::is_same_v<K<P...>, fields::OutPtr<P...>>
void Write(const K<P...>&, const C& c, Out& out, Cursor& at) {
  out.Set(at.NextBit(), fields::At<P...>(c));
}

template <typename C, auto... P>
constexpr Needs Need(const fields::Bit<P...>&) {
  return {1, 0, 0};
}
template <typename C, auto... P>
void Read(const fields::Bit<P...>& f, const In& in, Cursor& at, C& c) {
  if (in.Has(at.NextBit())) fields::At<P...>(c) |= f.bit;
}
template <typename C, auto... P>
void Write(const fields::Bit<P...>& f, const C& c, Out& out, Cursor& at) {
  out.Set(at.NextBit(), (fields::At<P...>(c) & f.bit) != 0);
}

template <typename C, auto... P>
constexpr Needs Need(const fields::RestBits<P...>&) {
  return {0, 0, 1};
}
template <typename C, auto... P>
void Read(const fields::RestBits<P...>& f, const In& in, Cursor& at, C& c) {
  fields::At<P...>(c) |= static_cast<uint32_t>(in.Field(at.field++)) & ~f.except;
}
template <typename C, auto... P>
void Write(const fields::RestBits<P...>& f, const C& c, Out& out, Cursor& at) {
  out.Field(at.field++, static_cast<int32_t>(fields::At<P...>(c) & ~f.except));
}

template <typename C, auto N, auto V>
constexpr Needs Need(const fields::OptNum<N, V>&) {
  return {1, 0, kIntsFor<MemberOf<C, V>>};
}
template <typename C, auto N, auto V>
void Read(const fields::OptNum<N, V>&, const In& in, Cursor& at, C& c) {
  c.*N = in.Has(at.NextBit());
  const auto v = ReadNumber<MemberOf<C, V>>(in, at);
  c.*V = c.*N ? 0 : v;
}
template <typename C, auto N, auto V>
void Write(const fields::OptNum<N, V>&, const C& c, Out& out, Cursor& at) {
  out.Set(at.NextBit(), c.*N);
  WriteNumber(c.*V, out, at);
}

template <typename C, auto M>
constexpr Needs Need(const fields::NumIf<C, M>&) {
  return {0, 0, kIntsFor<MemberOf<C, M>>};
}
template <typename C, auto M>
void Read(const fields::NumIf<C, M>& f, const In& in, Cursor& at, C& c) {
  const auto v = ReadNumber<MemberOf<C, M>>(in, at);
  c.*M = f.present(c) ? v : 0;
}
template <typename C, auto M>
void Write(const fields::NumIf<C, M>&, const C& c, Out& out, Cursor& at) {
  WriteNumber(c.*M, out, at);
}

template <typename C>
constexpr Needs Need(const fields::Literal&) {
  return {};
}
template <typename C>
void Read(const fields::Literal&, const In&, Cursor&, C&) {}
template <typename C>
void Write(const fields::Literal&, const C&, Out&, Cursor&) {}

// --- a whole call ----------------------------------------------------------

// True when C's fields fit the record's places.
template <typename C>
consteval bool Fits() {
  Needs total;
  std::apply(
      [&](const auto&... f) {
        ((total.bits += Need<C>(f).bits, total.smalls += Need<C>(f).smalls,
          total.ints += Need<C>(f).ints),
         ...);
      },
      C::Fields());
  return total.bits <= static_cast<int>(std::size(kBoolBits)) &&
         total.smalls <= (kHasTarget<C> ? 1 : 2) && total.ints <= kNumFields;
}

template <typename C>
void ReadFields(const In& in, C& c) {
  static_assert(Fits<C>(), "this call's fields do not fit a record: give it its own Read/Write");
  Cursor at;
  std::apply([&](const auto&... f) { (Read(f, in, at, c), ...); }, C::Fields());
}

template <typename C>
void WriteFields(const C& c, Out& out) {
  static_assert(Fits<C>(), "this call's fields do not fit a record: give it its own Read/Write");
  Cursor at;
  std::apply([&](const auto&... f) { (Write(f, c, out, at), ...); }, C::Fields());
}

}  // namespace dsalloc::fuzz::record

#endif  // DSALLOC_FUZZ_FIELD_CODEC_H_
