// ---------------------------------------------------------------------------
// File: fuzz/record.h
// ---------------------------------------------------------------------------
//
// One 32-byte record of the differential fuzzer's byte format (the layout
// is in fuzz_input.h), as the decoders read it (In) and the encoders write
// it (Out). Nothing here knows a call: which bits and fields a call uses is
// written in fuzz_input.cpp for the calls with an encoding of their own, and
// derived from the call's Fields() for the others (field_codec.h).
//
// Threading: plain functions over caller-owned bytes. Errors: none.

#ifndef DSALLOC_FUZZ_RECORD_H_
#define DSALLOC_FUZZ_RECORD_H_

#include <cstdint>

namespace dsalloc::fuzz::record {

// Byte 1.
inline constexpr uint8_t kBitNull1 = 1 << 0;
inline constexpr uint8_t kBitNull2 = 1 << 1;
inline constexpr uint8_t kBitOom = 1 << 2;
inline constexpr int kThreadShift = 3;  // two bits
inline constexpr uint8_t kBitBlocking = 1 << 5;
inline constexpr uint8_t kBitBool = 1 << 6;
inline constexpr uint8_t kBitExtended = 1 << 7;
// Bytes 4-31: seven little-endian int32 fields, A .. G.
inline constexpr int kNumFields = 7;

inline int32_t ReadField(const uint8_t* r, int i) {
  uint32_t v = 0;
  for (int k = 3; k >= 0; --k) v = (v << 8) | r[4 + 4 * i + k];
  return static_cast<int32_t>(v);
}

inline void PutField(uint8_t* r, int i, int32_t value) {
  uint32_t v = static_cast<uint32_t>(value);
  for (int k = 0; k < 4; ++k) r[4 + 4 * i + k] = static_cast<uint8_t>(v >> (8 * k));
}

// A 64-bit value as two fields, low half first.
inline int64_t ReadTime(const uint8_t* r, int i) {
  uint64_t lo = static_cast<uint32_t>(ReadField(r, i));
  uint64_t hi = static_cast<uint32_t>(ReadField(r, i + 1));
  return static_cast<int64_t>(lo | (hi << 32));
}

inline void PutTime(uint8_t* r, int i, int64_t t) {
  uint64_t v = static_cast<uint64_t>(t);
  PutField(r, i, static_cast<int32_t>(static_cast<uint32_t>(v)));
  PutField(r, i + 1, static_cast<int32_t>(static_cast<uint32_t>(v >> 32)));
}

// A record as the decoders read it.
class In {
 public:
  explicit In(const uint8_t* r) : r_(r) {}
  bool Null1() const { return Has(kBitNull1); }
  bool Null2() const { return Has(kBitNull2); }
  bool Oom() const { return Has(kBitOom); }
  uint8_t Thread() const { return static_cast<uint8_t>((r_[1] >> kThreadShift) & 3); }
  bool Blocking() const { return Has(kBitBlocking); }
  bool Bool() const { return Has(kBitBool); }
  bool Has(uint8_t bit) const { return (r_[1] & bit) != 0; }
  uint8_t S() const { return r_[2]; }
  uint8_t T() const { return r_[3]; }
  int32_t Field(int i) const { return ReadField(r_, i); }
  int64_t Time(int i) const { return ReadTime(r_, i); }

 private:
  const uint8_t* r_;
};

// A record as the encoders write it: bytes 1-3 gathered here, fields stored
// at once; *exact (if given) cleared where the format approximates.
struct Out {
  uint8_t* r;
  bool* exact;
  uint8_t bits = 0;
  uint8_t s = 0;
  uint8_t t = 0;
  void Null1(bool null) { Set(kBitNull1, null); }
  void Null2(bool null) { Set(kBitNull2, null); }
  void Blocking(bool on) { Set(kBitBlocking, on); }
  void Bool(bool on) { Set(kBitBool, on); }
  void Set(uint8_t bit, bool on) {
    if (on) bits |= bit;
  }
  void Field(int i, int32_t value) { PutField(r, i, value); }
  void Time(int i, int64_t value) { PutTime(r, i, value); }
};

}  // namespace dsalloc::fuzz::record

#endif  // DSALLOC_FUZZ_RECORD_H_
