// ---------------------------------------------------------------------------
// File: src/class_factory.h
// ---------------------------------------------------------------------------
//
// ClassFactory is the IClassFactory of CLSID_MemoryAllocator (and of its
// alias CLSID_DsallocMemoryAllocator) that DllGetClassObject hands out: CreateInstance makes a new Allocator
// (no aggregation: CLASS_E_NOAGGREGATION), LockServer pins the server for
// DllCanUnloadNow.
//
// Lifetime: COM reference counted; a live factory keeps the server in use.
// Threading: thread-safe. Errors: SPEC.md's COM.* rules.

#ifndef DSALLOC_SRC_CLASS_FACTORY_H_
#define DSALLOC_SRC_CLASS_FACTORY_H_

#include <atomic>

#include <dsalloc/strmif.h>

#include "internal/server_lock.h"

namespace dsalloc {

class ClassFactory final : public IClassFactory {
 public:
  // A new factory queried for riid; ppv NULL: E_POINTER.
  static HRESULT Create(REFIID riid, void** ppv) noexcept;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override;
  ULONG STDMETHODCALLTYPE AddRef() override;
  ULONG STDMETHODCALLTYPE Release() override;

  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override;
  HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) override;

 private:
  ClassFactory() = default;
  ~ClassFactory() = default;

  internal::ServerReference server_reference_;
  std::atomic<ULONG> refs_{1};
};

}  // namespace dsalloc

#endif  // DSALLOC_SRC_CLASS_FACTORY_H_
