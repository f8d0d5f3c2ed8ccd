// ---------------------------------------------------------------------------
// File: props/choices.h
// ---------------------------------------------------------------------------
//
// Where the generators' randomness comes from (STYLE.md: one generator, two
// sources of randomness). The generators (op_gen.h, parallel_gen.h) make
// every random decision through a Choices, so the same code runs
//
//   - under RapidCheck (RapidCheckChoices, rapidcheck_choices.h): each draw
//     is a RapidCheck generator, so the properties keep RapidCheck's
//     generation, sizes and shrinking;
//   - seeded (SeededChoices, below): a plain PRNG and no RapidCheck, for
//     dsalloc-conform, whose Windows build cannot link RapidCheck.
//
// One primitive, Int: an integer in [lo, hi], uniform over the part of the
// range the Range kind allows at the source's size. The two kinds are
// RapidCheck's own two, so a generator keeps the distribution it had when it
// called RapidCheck directly:
//
//   Range::kSized  rc::gen::inRange: at size s (0..100) only the first
//                  round((hi - lo) * s / 100) + 1 values, so size 0 gives lo;
//                  shrinks towards lo.
//   Range::kWhole  rc::gen::element, weightedElement, oneOf, arbitrary<bool>:
//                  the whole range at every size; not shrunk.
//
// The helpers (InRange, OneIn, Index, Bool, Element, ElementOf, Pick,
// WeightedElement) are built on Int here, once; a source implements Int
// only.
//
// Order: a generator must make its draws in an order the language fixes.
// Two draws in one function call's arguments, or in one `a + b`, are
// unsequenced in C++ (g++ and clang evaluate arguments in different orders),
// and would break SeededChoices' promise below: one draw per statement, or
// inside a braced initializer list, `&&`, `||`, `?:` (sequenced left to
// right).
//
// SeededChoices' promise: the same seed and size give the same sequence of
// Int results, hence the same ops, on every platform and compiler (Linux
// g++ and clang, Windows mingw-w64 x86_64 and i686). One exception is the
// platform's own: values the generators derive from the SDK's struct sizes
// (sizeof(AM_SAMPLE2_PROPERTIES): 64 bytes with 64-bit pointers, 48 with
// 32-bit ones) follow the pointer width. It uses only SplitMix64
// and unsigned 64-bit arithmetic written here, never <random>'s
// distributions, whose output differs between standard libraries.
// SeededChoicesTest.Golden (choices_test.cpp) pins the stream.
//
// Threading: a Choices is used by one thread at a time.

#ifndef DSALLOC_PROPS_CHOICES_H_
#define DSALLOC_PROPS_CHOICES_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace dsalloc::props {

// RapidCheck's nominal size: a kSized draw covers its whole range from here.
inline constexpr int kNominalSize = 100;

class Choices {
 public:
  enum class Range { kSized, kWhole };

  virtual ~Choices() = default;

  // Choices::Int()
  //
  // The primitive: an integer in [lo, hi], both included, uniform over the
  // values `range` allows at this source's size (see above). Requires
  // lo <= hi and hi < INT64_MAX.
  virtual int64_t Int(int64_t lo, int64_t hi, Range range) = 0;

  // rc::gen::inRange<T>(lo, hi + 1): note both bounds are included here. A
  // range of one value takes no draw.
  template <typename T>
  T InRange(T lo, T hi) {
    if (lo == hi) return lo;
    return static_cast<T>(Int(static_cast<int64_t>(lo), static_cast<int64_t>(hi), Range::kSized));
  }

  // `*rc::gen::inRange(0, n) == 0`: one in n at full size (sized, so more
  // often at small sizes, always at size 0, as RapidCheck did).
  bool OneIn(int n) { return InRange(0, n - 1) == 0; }

  // rc::gen::oneOf over n alternatives: an index below n, even odds.
  // Requires n > 0.
  size_t Index(size_t n);

  // rc::gen::arbitrary<bool>(): true or false, even odds at every size.
  bool Bool() { return Int(0, 1, Range::kWhole) == 1; }

  // rc::gen::element(...): one of `values`, each with the same odds
  // (a value listed twice is twice as likely).
  template <typename T>
  T Element(std::initializer_list<T> values) {
    return values.begin()[Index(values.size())];
  }

  // rc::gen::elementOf(values).
  template <typename T>
  T ElementOf(const std::vector<T>& values) {
    return values[Index(values.size())];
  }

  // rc::gen::weightedElement over indices: i with odds weights[i] / sum;
  // a zero weight is never picked. Requires a positive sum.
  size_t Pick(std::span<const size_t> weights);
  size_t Pick(std::initializer_list<size_t> weights) {
    return Pick(std::span<const size_t>(weights.begin(), weights.size()));
  }

  // rc::gen::weightedElement({{weight, value}, ...}).
  template <typename T>
  T WeightedElement(std::initializer_list<std::pair<size_t, T>> pairs) {
    std::vector<size_t> weights;
    weights.reserve(pairs.size());
    for (const auto& p : pairs) weights.push_back(p.first);
    return pairs.begin()[Pick(weights)].second;
  }
};

// Choices::Pick(), Index() are in choices.cpp, with SeededChoices.

// A plain, fast, portable source: SplitMix64 (Steele, Lea, Flood 2014;
// the seeding generator of xoshiro), a uniform value below n by rejection
// (no modulo bias), kSized ranges scaled exactly as RapidCheck scales them.
class SeededChoices final : public Choices {
 public:
  // `size` plays RapidCheck's size (0..100 and beyond, clamped at 100): the
  // kit's sequential phase drew at 50, its parallel phase at 30.
  explicit SeededChoices(uint64_t seed, int size = kNominalSize) : state_(seed), size_(size) {}

  int64_t Int(int64_t lo, int64_t hi, Range range) override;

  // The next raw 64-bit output (exposed for the golden test).
  uint64_t Next();

 private:
  // Uniform in [0, n); n == 0 means the whole 64 bits.
  uint64_t Below(uint64_t n);

  uint64_t state_;
  int size_;
};

}  // namespace dsalloc::props

#endif  // DSALLOC_PROPS_CHOICES_H_
