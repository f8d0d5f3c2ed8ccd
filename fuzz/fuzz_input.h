// ---------------------------------------------------------------------------
// File: fuzz/fuzz_input.h
// ---------------------------------------------------------------------------
//
// The byte format of the differential fuzzer: how libFuzzer's bytes become
// a trace (spec/model/trace.h: ops and Repeat blocks' bounds), and back.
//
// Every byte string is a valid input. The bytes are cut into fixed-size
// records of kRecordSize bytes (a short last record is zero-padded), and
// every record decodes to exactly one trace line, so a mutation of one byte
// changes one line and leaves the others where they were; inserting or
// erasing a whole record inserts or erases one line. Record layout:
//
//   byte 0      line selector = byte % 39: spec::Call's alternatives up to
//               DllCanUnloadNow (in its order), 37 "Repeat N {", 38 "}";
//               or with bit 7 of byte 1: the calls from CallbackRelease on
//               (CallbackRelease + byte % their number), so inputs written
//               before those existed decode as they did
//   byte 1      bits: 0 and 1 the call's first and second NULL pointer
//               (its null_ members in declaration order), 2 oom, 3-4 calling thread
//               (0..3), 5 GetBuffer blocks (no AM_GBF_NOWAIT), 6 the op's
//               boolean (GetBuffer times, reaction persistent,
//               CreateInstance outer, Repeat N up to kMaxRepeat instead of
//               16), 7 extended op selector (above)
//   byte 2      s: small argument (sample index, callback, iid, media type)
//   byte 3      t: small argument (reaction, ReleaseBuffer kind, tables)
//   bytes 4-31  A .. G: seven little-endian int32 (sizes, values, times
//               as two int32 halves)
//
// Which of those places a call's arguments take is written by hand in
// fuzz_input.cpp for the calls whose encoding was chosen (folded sizes,
// compact times, byte 2 for an allocator call's small argument); every other
// call's places follow from its declaration (fuzz/field_codec.h: booleans
// take byte 1's bits, small enumerations bytes 3 and 2, numbers the fields
// in order), so a new call is encoded without code of its own. Byte 0's
// selector is the one decision a new call needs here: every byte pattern
// already selects a call, so a new call is appended to spec::Call and joins
// the extended selector: canonical records (below) keep their meaning.
//
// Decode is a pure function of the bytes (no model state): whether an op
// makes sense in the state it meets is the Lockstep's question
// (spec::InDomain), and ops outside the domain are skipped. Sizes are
// capped so that no Commit asks for more than kMaxCommitBytes (a fuzzer
// must not die of an allocation the input asked for), except requests whose
// size arithmetic overflows, which every conforming server refuses.
//
// Encode is the inverse for every op the format can express: Decode(
// Encode(ops)) == ops, except IMediaSample2::SetProperties times that are
// neither small nor in a table of boundary values, a stream id above 15 or
// an argument beyond the ranges above; Encode reports through `exact`
// whether it had to approximate. The seed corpora
// are traces encoded this way (dsalloc-fuzz-encode).
//
// Threading: pure functions. Errors: none (every input decodes).

#ifndef DSALLOC_FUZZ_FUZZ_INPUT_H_
#define DSALLOC_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "spec/model/op.h"
#include "spec/model/trace.h"

namespace dsalloc::fuzz {

inline constexpr size_t kRecordSize = 32;
// The largest buffer pool a decoded SetProperties may lead to. Every
// layout rule (sizes, alignment, prefix, their overflow) shows well below
// 1 MiB; a larger pool is only more memory, and under ASan each Commit and
// free of one poisons an eighth of its size in shadow (a 64 MiB cap cost
// the differential target a quarter of its time).
inline constexpr int64_t kMaxCommitBytes = int64_t{1} << 20;
// Sample indices the format names (0 .. kSampleRange-1).
inline constexpr int kSampleRange = 16;

// One record -> one line. REQUIRES: record has kRecordSize bytes.
spec::TraceLine DecodeRecord(const uint8_t* record);
// All records of the input.
spec::Trace Decode(const uint8_t* data, size_t size);

// What the differential target runs: Decode, then at most kMaxOps lines,
// and Repeat counts cut, in input order, so that the ops actually run
// stay within kMaxRunOps: enough for a bug that shows after a thousand
// get/release cycles, few enough that a mutation to a large N does not
// cost the fuzzer its throughput.
inline constexpr size_t kMaxOps = 512;
inline constexpr size_t kMaxRunOps = 2500;
spec::Trace DecodeDifferential(const uint8_t* data, size_t size);

// A record is canonical when its extended selector (byte 0 with byte 1's
// bit 7) is below the number of extended calls, as Encode writes it. A call
// appended to spec::Call joins the extended calls, so it changes the meaning
// of no canonical record; a mutated record may select it instead. This
// rewrites a record's byte 0 to its canonical value (same call, same
// meaning); true when it changed. The inputs in the repository are
// canonical (format_test.cpp); dsalloc-fuzz-encode --canonical makes them so.
bool CanonicalizeSelector(uint8_t* record);
// Every record of an input; the number of records changed.
size_t CanonicalizeSelectors(uint8_t* data, size_t size);

// One line -> one record; *exact (if given) is cleared when the record does
// not decode back to the line.
void EncodeRecord(const spec::TraceLine& line, uint8_t* record, bool* exact = nullptr);
std::vector<uint8_t> Encode(const spec::Trace& trace, bool* exact = nullptr);

}  // namespace dsalloc::fuzz

#endif  // DSALLOC_FUZZ_FUZZ_INPUT_H_
