// ---------------------------------------------------------------------------
// File: src/internal/buffer_layout.h
// ---------------------------------------------------------------------------
//
// The arithmetic of ALLOCATOR_PROPERTIES, kept apart from the allocator so
// every overflow rule sits in one place:
//   RoundedProperties - what SetProperties stores (ALLOC.PROPS.ROUND)
//   PlanLayout        - whether Commit may allocate, and the block's shape
//                       (ALLOC.COMMIT.SIZE, ALLOC.COMMIT.LIMIT); all arithmetic in 64 bits.
//
// Threading: pure functions. Errors: PlanLayout returns the HRESULT Commit
// must return, having allocated nothing.

#ifndef DSALLOC_SRC_INTERNAL_BUFFER_LAYOUT_H_
#define DSALLOC_SRC_INTERNAL_BUFFER_LAYOUT_H_

#include <cstdint>

#include <dsalloc/strmif.h>

namespace dsalloc::internal {

// Implementation limit on cBuffers, so hostile properties cannot make the
// allocator build millions of sample objects (ALLOC.COMMIT.LIMIT).
inline constexpr LONG kMaxBuffers = 4096;

// ALLOC.PROPS.ALIGN: a power of two from 1 to 65536.
constexpr bool IsValidAlignment(LONG align) {
  return align >= 1 && align <= 65536 && (align & (align - 1)) == 0;
}

// cbBuffer rounded up so that cbBuffer + cbPrefix is a multiple of cbAlign,
// when both are non-negative and the result fits in a LONG; otherwise the
// request unchanged (Commit rejects it). Requires a valid cbAlign.
ALLOCATOR_PROPERTIES RoundedProperties(const ALLOCATOR_PROPERTIES& request);

struct Layout {
  int64_t stride = 0;  // bytes from one prefix start to the next
  int64_t total = 0;   // stride * cBuffers
};

// S_OK and the layout, or VFW_E_SIZENOTSET / E_OUTOFMEMORY.
HRESULT PlanLayout(const ALLOCATOR_PROPERTIES& props, Layout* layout);

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_BUFFER_LAYOUT_H_
