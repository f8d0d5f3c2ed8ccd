// ---------------------------------------------------------------------------
// File: src/media_type.h
// ---------------------------------------------------------------------------
//
// Deep copies of AM_MEDIA_TYPE, as the base classes make them (SEMANTICS
// 1.4): the struct is copied bytewise, a non-empty format block is copied
// into new CoTaskMemAlloc memory, and pUnk is AddRef'd. A copy is owned by
// whoever holds the pointer and is released with DestroyMediaTypeCopy.
//
// Threading: thread-compatible (no shared state). Errors: NewMediaTypeCopy
// returns nullptr when memory runs out, having allocated nothing.

#ifndef DSALLOC_SRC_MEDIA_TYPE_H_
#define DSALLOC_SRC_MEDIA_TYPE_H_

#include <dsalloc/strmif.h>

namespace dsalloc {

// A new CoTaskMemAlloc'd deep copy of *source, or nullptr on exhaustion.
AM_MEDIA_TYPE* NewMediaTypeCopy(const AM_MEDIA_TYPE& source) noexcept;

// Frees the format block, releases pUnk and frees the struct. Null is a no-op.
void DestroyMediaTypeCopy(AM_MEDIA_TYPE* copy) noexcept;

}  // namespace dsalloc

#endif  // DSALLOC_SRC_MEDIA_TYPE_H_
