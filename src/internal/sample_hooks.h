// ---------------------------------------------------------------------------
// File: src/internal/sample_hooks.h
// ---------------------------------------------------------------------------
//
// The points where a broken variant (variant.h) departs from the reference
// Sample. Each hook is named for its point and gives the reference answer in
// the release build (Variant::kNone), where it is a compile-time constant.
// Only sample.cpp includes this header.

#ifndef DSALLOC_SRC_INTERNAL_SAMPLE_HOOKS_H_
#define DSALLOC_SRC_INTERNAL_SAMPLE_HOOKS_H_

#include <dsalloc/strmif.h>

#include <cstring>

#include "internal/variant.h"

namespace dsalloc::internal {

struct SampleHooks {
  // Whether the last Release clears what SAMPLE.RECYCLE.1 lists: always.
  static constexpr bool RecycleClears() { return !Broken(Variant::kRecycleKeepsFlags); }

  // After GetProperties copied `written` = min(cb, sizeof) bytes of the
  // image: nothing more (SAMPLE2.GETPROPS.IMAGE).
  static void AfterPropertiesWritten(BYTE* p, DWORD cb, DWORD written) {
    if constexpr (Broken(Variant::kGetPropertiesOverrun)) {
      DWORD past = cb - written < 8 ? cb - written : 8;
      std::memset(p + written, 0, past);
    }
  }

  // The largest length SetActualDataLength accepts on a buffer of `size`
  // bytes: size itself (SAMPLE.LENGTH.RANGE).
  static constexpr LONG LongestDataLength(LONG size) {
    return Broken(Variant::kWrongHresult) ? size + 1 : size;
  }
};

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_SAMPLE_HOOKS_H_
