// windows/tests/smoke_test.cpp: the allocator's main path through COM.
// CoCreateInstance(CLSID_DsallocMemoryAllocator) -> SetProperties (2 x 4096),
// Commit, SetNotify, both buffers out (a third GetBuffer(AM_GBF_NOWAIT) gets
// VFW_E_TIMEOUT), a release from another thread wakes a blocked GetBuffer and
// calls NotifyRelease once per release, GetFreeCount follows, SetNotify(NULL)
// lets the callback go, Decommit, and the last Release leaves nothing behind.

#include <atomic>
#include <thread>

// By its path from the top (the project's include path): windows/ is built
// also where the test tree, and with it the dsalloc::comkit target, is not
// (DSALLOC_BUILD_TESTS=OFF).
#include "comkit/include/comkit/notify_callback_base.h"
#include "test_support.h"

namespace dsalloc::windows_test {
namespace {

// Counts NotifyRelease calls; lives on the stack, so Release never deletes.
// Its COM identity (QueryInterface) is the one every callback outside the
// product shares.
class Counter final : public comkit::NotifyCallbackBase {
 public:
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs; }
  HRESULT STDMETHODCALLTYPE NotifyRelease() override {
    ++notifications;
    return S_OK;
  }
  std::atomic<ULONG> refs{1};
  std::atomic<int> notifications{0};
};

void Smoke() {
  Apartment apartment;
  IMemAllocatorCallbackTemp* allocator = nullptr;
  CHECK_HR(S_OK,
           CoCreateInstance(CLSID_DsallocMemoryAllocator, nullptr, CLSCTX_INPROC_SERVER,
                            IID_IMemAllocatorCallbackTemp, reinterpret_cast<void**>(&allocator)));
  if (allocator == nullptr) return;
  ALLOCATOR_PROPERTIES request = {2, 4096, 1, 0};
  ALLOCATOR_PROPERTIES actual = {};
  CHECK_HR(S_OK, allocator->SetProperties(&request, &actual));
  CHECK(actual.cBuffers == 2 && actual.cbBuffer == 4096);
  IMediaSample* sample = nullptr;
  CHECK_HR(VFW_E_NOT_COMMITTED, allocator->GetBuffer(&sample, nullptr, nullptr, 0));
  CHECK_HR(S_OK, allocator->Commit());
  Counter counter;
  CHECK_HR(S_OK, allocator->SetNotify(&counter));
  CHECK(counter.refs == 2);

  IMediaSample* first = nullptr;
  IMediaSample* second = nullptr;
  CHECK_HR(S_OK, allocator->GetBuffer(&first, nullptr, nullptr, 0));
  CHECK_HR(S_OK, allocator->GetBuffer(&second, nullptr, nullptr, 0));
  CHECK_HR(VFW_E_TIMEOUT, allocator->GetBuffer(&sample, nullptr, nullptr, AM_GBF_NOWAIT));
  LONG free_count = -1;
  CHECK_HR(S_OK, allocator->GetFreeCount(&free_count));
  CHECK(free_count == 0);
  if (first == nullptr || second == nullptr) return;
  BYTE* data = nullptr;
  CHECK_HR(S_OK, first->GetPointer(&data));
  CHECK(data != nullptr && first->GetSize() == 4096);

  // A blocked GetBuffer is woken by a release on another thread.
  IMediaSample* woken = nullptr;
  HRESULT woken_hr = E_FAIL;
  std::thread waiter([&] { woken_hr = allocator->GetBuffer(&woken, nullptr, nullptr, 0); });
  Sleep(100);
  first->Release();  // back to the allocator: ReleaseBuffer, NotifyRelease
  waiter.join();
  CHECK_HR(S_OK, woken_hr);
  CHECK(woken == first);
  CHECK(counter.notifications == 1);

  second->Release();
  CHECK(counter.notifications == 2);
  CHECK_HR(S_OK, allocator->GetFreeCount(&free_count));
  CHECK(free_count == 1);
  if (woken != nullptr) woken->Release();
  CHECK(counter.notifications == 3);

  CHECK_HR(S_OK, allocator->SetNotify(nullptr));
  CHECK(counter.refs == 1);
  CHECK_HR(S_OK, allocator->Decommit());
  CHECK(allocator->Release() == 0);
}

}  // namespace
}  // namespace dsalloc::windows_test

int main() {
  dsalloc::windows_test::Smoke();
  return dsalloc::windows_test::Finish("smoke");
}
