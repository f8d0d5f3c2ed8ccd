// controls/baseclasses/media_type.cpp

#include "media_type.h"

#include <cstring>

#include "fault.h"

namespace ctl_baseclasses {

AM_MEDIA_TYPE* NewMediaTypeCopy(const AM_MEDIA_TYPE& src) {
  auto* copy = static_cast<AM_MEDIA_TYPE*>(TryAlloc(sizeof(AM_MEDIA_TYPE)));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, &src, sizeof(AM_MEDIA_TYPE));
  if (src.cbFormat != 0) {
    auto* format = static_cast<BYTE*>(TryAlloc(src.cbFormat));
    if (format == nullptr) {
      CoTaskMemFree(copy);
      return nullptr;
    }
    if (src.pbFormat != nullptr) {
      std::memcpy(format, src.pbFormat, src.cbFormat);
    } else {
      std::memset(format, 0, src.cbFormat);  // hostile: size without block
    }
    copy->pbFormat = format;
  }
  if (copy->pUnk != nullptr) copy->pUnk->AddRef();
  return copy;
}

void DeleteMediaTypeCopy(AM_MEDIA_TYPE* type) {
  if (type == nullptr) return;
  if (type->cbFormat != 0) CoTaskMemFree(type->pbFormat);
  if (type->pUnk != nullptr) type->pUnk->Release();
  CoTaskMemFree(type);
}

}  // namespace ctl_baseclasses
