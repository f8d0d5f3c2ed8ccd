// Uses an installed dsalloc through its public headers only.
#include <cstdio>

#include <dsalloc/dsalloc.h>

int main() {
  IMemAllocator* allocator = nullptr;
  if (FAILED(
          DsallocCreateMemoryAllocator(IID_IMemAllocator, reinterpret_cast<void**>(&allocator)))) {
    return 1;
  }
  ALLOCATOR_PROPERTIES request = {2, 100, 1, 0}, actual = {};
  IMediaSample* sample = nullptr;
  bool ok = SUCCEEDED(allocator->SetProperties(&request, &actual)) &&
            SUCCEEDED(allocator->Commit()) &&
            allocator->GetBuffer(&sample, nullptr, nullptr, 0) == S_OK && sample->GetSize() == 100;
  if (sample != nullptr) sample->Release();
  allocator->Decommit();
  allocator->Release();
  std::printf("installed dsalloc consumer: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
