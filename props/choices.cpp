// props/choices.cpp: the helpers every source shares, and SeededChoices
// (choices.h). Nothing here may depend on the platform: only unsigned
// 64-bit arithmetic, so that a seed means the same ops everywhere.

#include "choices.h"

#include <algorithm>

namespace dsalloc::props {

size_t Choices::Index(size_t n) {
  if (n == 0) throw std::invalid_argument("Choices: pick from an empty list");
  return static_cast<size_t>(Int(0, static_cast<int64_t>(n) - 1, Range::kWhole));
}

size_t Choices::Pick(std::span<const size_t> weights) {
  uint64_t sum = 0;
  for (size_t w : weights) sum += w;
  if (sum == 0) throw std::invalid_argument("Choices: weights sum to 0");
  auto x = static_cast<uint64_t>(Int(0, static_cast<int64_t>(sum) - 1, Range::kWhole));
  // The first index whose cumulative weight exceeds x: a zero weight spans
  // no values, so it is never picked.
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;  // not reached: x < sum
}

uint64_t SeededChoices::Next() {
  // SplitMix64: Steele, Lea and Flood, "Fast splittable pseudorandom number
  // generators" (OOPSLA 2014), as Vigna publishes it (prng.di.unimi.it).
  uint64_t z = (state_ += 0x9E3779B97F4A7C15u);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
  return z ^ (z >> 31);
}

uint64_t SeededChoices::Below(uint64_t n) {
  if (n == 0) return Next();
  // Reject the lowest 2^64 mod n outputs, so every residue is equally likely.
  const uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t r = Next();
    if (r >= threshold) return r % n;
  }
}

int64_t SeededChoices::Int(int64_t lo, int64_t hi, Range range) {
  if (lo > hi) throw std::invalid_argument("SeededChoices::Int: lo > hi");
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  if (range == Range::kSized) {
    // rc::gen::detail::scaleInteger: round(span * size / 100), size clamped
    // to [0, 100], computed without overflow.
    const auto s = static_cast<uint64_t>(std::clamp(size_, 0, kNominalSize));
    const uint64_t n = kNominalSize;
    span = span / n * s + (span % n * s + n / 2) / n;
  }
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + Below(span + 1));
}

}  // namespace dsalloc::props
