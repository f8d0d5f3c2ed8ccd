// harness/driver/driver_touch.cpp: Options::touch_buffers (driver.h). Every
// access goes through a volatile pointer, so the compiler keeps each write
// and each read; a read that differs from what was written judges nothing
// (another thread or the server may write the buffer too): the point is the
// access, which ASan checks against the heap's state.

#include <cstdint>
#include <vector>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {
namespace {

// Writes a pattern over [p, p + size), then reads every byte back.
void TouchBytes(BYTE* p, LONG size, uint8_t seed) {
  volatile BYTE* bytes = p;
  for (LONG i = 0; i < size; ++i) bytes[i] = static_cast<BYTE>(seed + static_cast<uint8_t>(i));
  volatile BYTE sink = 0;
  for (LONG i = 0; i < size; ++i) sink = bytes[i];
  static_cast<void>(sink);
}

}  // namespace

void Core::TouchHeldBuffers() {
  if (!options_.touch_buffers) return;
  uint8_t seed = 0xA5;
  for (IMediaSample* sample : book_.HeldSamples()) {
    BYTE* pointer = nullptr;
    if (FAILED(sample->GetPointer(&pointer)) || pointer == nullptr) continue;
    const LONG size = sample->GetSize();
    if (size > 0) TouchBytes(pointer, size, seed);
    seed = static_cast<uint8_t>(seed + 0x3B);
  }
}

}  // namespace dsalloc::harness::driver_internal
