// Property rounding and Commit's size checks, in 64-bit arithmetic.

#include "buffer_layout.h"

#include <limits>

namespace dsalloc::internal {
namespace {

constexpr int64_t kLongMax = std::numeric_limits<LONG>::max();

int64_t RoundUp(int64_t value, int64_t align) { return (value + align - 1) / align * align; }

}  // namespace

ALLOCATOR_PROPERTIES RoundedProperties(const ALLOCATOR_PROPERTIES& request) {
  ALLOCATOR_PROPERTIES actual = request;
  if (request.cbBuffer < 0 || request.cbPrefix < 0) return actual;
  int64_t span = RoundUp(int64_t{request.cbBuffer} + request.cbPrefix, request.cbAlign);
  if (span > kLongMax) return actual;
  actual.cbBuffer = static_cast<LONG>(span - request.cbPrefix);
  return actual;
}

HRESULT PlanLayout(const ALLOCATOR_PROPERTIES& props, Layout* layout) {
  // ALLOC.COMMIT.SIZE, then ALLOC.COMMIT.LIMIT (base classes' order).
  if (props.cBuffers <= 0 || props.cbBuffer <= 0 || props.cbAlign <= 0) {
    return VFW_E_SIZENOTSET;
  }
  if (props.cbPrefix < 0) return E_OUTOFMEMORY;
  int64_t stride = RoundUp(int64_t{props.cbBuffer} + props.cbPrefix, props.cbAlign);
  if (stride > kLongMax) return E_OUTOFMEMORY;
  int64_t total = stride * props.cBuffers;
  if (total > kLongMax) return E_OUTOFMEMORY;
  if (props.cBuffers > kMaxBuffers) return E_OUTOFMEMORY;  // ALLOC.COMMIT.LIMIT
  layout->stride = stride;
  layout->total = total;
  return S_OK;
}

}  // namespace dsalloc::internal
