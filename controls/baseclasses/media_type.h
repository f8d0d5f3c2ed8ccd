// controls/baseclasses/media_type.h
//
// AM_MEDIA_TYPE copies with the base classes' semantics (SEMANTICS 1.4,
// [MS-MT]): a copy is a bitwise copy, plus a new CoTaskMemAlloc'd format
// block when cbFormat != 0, plus an AddRef of a non-NULL pUnk. With
// cbFormat == 0, pbFormat is copied as a plain pointer and never freed.

#ifndef DSALLOC_CONTROLS_BASECLASSES_MEDIA_TYPE_H_
#define DSALLOC_CONTROLS_BASECLASSES_MEDIA_TYPE_H_

#include <dsalloc/strmif.h>

namespace ctl_baseclasses {

// A new heap (CoTaskMemAlloc) AM_MEDIA_TYPE holding a deep copy of *src, or
// NULL when an allocation fails (nothing leaked, pUnk not AddRef'd).
AM_MEDIA_TYPE* NewMediaTypeCopy(const AM_MEDIA_TYPE& src);

// Frees the contents (format block when cbFormat != 0; Release of pUnk)
// and then the structure itself. NULL is a no-op.
void DeleteMediaTypeCopy(AM_MEDIA_TYPE* type);

}  // namespace ctl_baseclasses

#endif  // DSALLOC_CONTROLS_BASECLASSES_MEDIA_TYPE_H_
