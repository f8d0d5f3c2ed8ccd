// windows/tests/media_type_heap_test.cpp: an AM_MEDIA_TYPE from
// IMediaSample::GetMediaType belongs to COM's task allocator, so a Windows
// client frees it with ole32's CoTaskMemFree (format block, then struct).
//
//   dsalloc_media_type_heap_test
//     through CoCreateInstance(CLSID_DsallocMemoryAllocator): SetMediaType,
//     GetMediaType; IMalloc::DidAlloc (CoGetMalloc) owns both blocks; both
//     freed with CoTaskMemFree. Run under WINEDEBUG=warn+heap: Wine then
//     reports a block of another heap ("mismatching heap", "block region not
//     found"), and ctest fails on any "heap" line. Against the old header,
//     whose CoTaskMemAlloc was msvcrt's malloc, both checks fail.
//   dsalloc_media_type_heap_test --control
//     frees a malloc'd block with CoTaskMemFree: shows that the Wine in use
//     still reports what the first mode relies on (ctest expects "heap").

#include <cstdlib>
#include <cstring>

#include "test_support.h"

namespace dsalloc::windows_test {
namespace {

// 28 bytes standing in for a WAVEFORMATEX.
constexpr BYTE kFormat[28] = {1, 0, 2, 0, 0x44, 0xac, 0, 0, 0x10, 0xb1, 2, 0, 4, 0, 16, 0};

void FreeWithCoTaskMemFree() {
  Apartment apartment;
  IMalloc* task_allocator = nullptr;
  CHECK_HR(S_OK, CoGetMalloc(1, &task_allocator));
  IMemAllocator* allocator = nullptr;
  CHECK_HR(S_OK, CoCreateInstance(CLSID_DsallocMemoryAllocator, nullptr, CLSCTX_INPROC_SERVER,
                                  IID_IMemAllocator, reinterpret_cast<void**>(&allocator)));
  if (allocator == nullptr || task_allocator == nullptr) return;
  ALLOCATOR_PROPERTIES request = {1, 1024, 1, 0};
  ALLOCATOR_PROPERTIES actual = {};
  CHECK_HR(S_OK, allocator->SetProperties(&request, &actual));
  CHECK_HR(S_OK, allocator->Commit());
  IMediaSample* sample = nullptr;
  CHECK_HR(S_OK, allocator->GetBuffer(&sample, nullptr, nullptr, 0));
  if (sample != nullptr) {
    AM_MEDIA_TYPE type = {};
    type.majortype = MEDIATYPE_Audio;
    type.subtype = MEDIASUBTYPE_PCM;
    type.formattype = FORMAT_WaveFormatEx;
    type.cbFormat = sizeof(kFormat);
    type.pbFormat = const_cast<BYTE*>(kFormat);
    CHECK_HR(S_OK, sample->SetMediaType(&type));
    AM_MEDIA_TYPE* copy = nullptr;
    CHECK_HR(S_OK, sample->GetMediaType(&copy));
    CHECK(copy != nullptr);
    if (copy != nullptr) {
      CHECK(IsEqualGUID(copy->subtype, MEDIASUBTYPE_PCM));
      CHECK(copy->cbFormat == sizeof(kFormat) && copy->pbFormat != nullptr);
      CHECK(copy->pbFormat != kFormat);
      if (copy->pbFormat != nullptr) {
        CHECK(std::memcmp(copy->pbFormat, kFormat, sizeof(kFormat)) == 0);
        CHECK(task_allocator->DidAlloc(copy->pbFormat) == 1);
      }
      CHECK(task_allocator->DidAlloc(copy) == 1);
      CoTaskMemFree(copy->pbFormat);
      CoTaskMemFree(copy);
    }
    sample->Release();
  }
  CHECK_HR(S_OK, allocator->Decommit());
  allocator->Release();
  task_allocator->Release();
}

}  // namespace
}  // namespace dsalloc::windows_test

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--control") == 0) {
    void* block = std::malloc(64);
    CoTaskMemFree(block);  // the wrong heap on purpose
    return 0;
  }
  dsalloc::windows_test::FreeWithCoTaskMemFree();
  return dsalloc::windows_test::Finish("media type freed with CoTaskMemFree");
}
