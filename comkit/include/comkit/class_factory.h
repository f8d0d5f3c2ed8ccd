// ---------------------------------------------------------------------------
// File: comkit/include/comkit/class_factory.h
// ---------------------------------------------------------------------------
//
// The IClassFactory that every server and test double outside the product
// writes: one class, made by a function
//
//   HRESULT Create(REFIID riid, void** ppv);  // a new object queried for riid
//
// and two lifetimes:
//
//   ServerClassFactory<Create, Server>  a heap object for a real in-process
//       server's DllGetClassObject (New()). It counts as one of the server's
//       live objects while it exists and forwards LockServer, through
//       Server's static ObjectCreated(), ObjectDestroyed(), Lock() and
//       Unlock(). Deleted at its last Release; a Release beyond that
//       returns 0 and does nothing.
//   StaticClassFactory<Create>  one static object for a test double handed
//       to harness::Implementation::get_class_object (GetClassObject):
//       AddRef and Release do nothing, LockServer is S_OK and ignored.
//
// Both: QueryInterface answers IID_IUnknown and IID_IClassFactory;
// CreateInstance gives E_POINTER for a NULL ppv, clears *ppv, refuses an
// outer unknown (CLASS_E_NOAGGREGATION), then returns Create's result.
// The product's own factory (src/class_factory.*) does not use this.
//
// Threading: thread-safe (an atomic count), as far as Create and Server are.

#ifndef DSALLOC_COMKIT_CLASS_FACTORY_H_
#define DSALLOC_COMKIT_CLASS_FACTORY_H_

#include <atomic>
#include <new>

#include <dsalloc/strmif.h>

namespace comkit {

using CreateFunction = HRESULT (*)(REFIID riid, void** ppv);

// What both lifetimes share: identity and CreateInstance.
template <CreateFunction kCreate>
class ClassFactoryBase : public IClassFactory {
 public:
  ClassFactoryBase(const ClassFactoryBase&) = delete;
  ClassFactoryBase& operator=(const ClassFactoryBase&) = delete;

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    if (IsEqualIID(riid, IID_IUnknown) || IsEqualIID(riid, IID_IClassFactory)) {
      *ppv = static_cast<IClassFactory*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown* outer, REFIID riid, void** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (outer != nullptr) return CLASS_E_NOAGGREGATION;
    return kCreate(riid, ppv);
  }

 protected:
  ClassFactoryBase() = default;
  ~ClassFactoryBase() = default;
};

template <CreateFunction kCreate, typename Server>
class ServerClassFactory final : public ClassFactoryBase<kCreate> {
 public:
  // A new factory with one reference, or NULL when out of memory.
  static IClassFactory* New() { return new (std::nothrow) ServerClassFactory(); }

  ULONG STDMETHODCALLTYPE AddRef() override {
    return refs_.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  ULONG STDMETHODCALLTYPE Release() override {
    ULONG old = refs_.load(std::memory_order_acquire);
    do {
      if (old == 0) return 0;
    } while (!refs_.compare_exchange_weak(old, old - 1, std::memory_order_acq_rel,
                                          std::memory_order_acquire));
    if (old == 1) delete this;
    return old - 1;
  }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL lock) override {
    if (lock) {
      Server::Lock();
    } else {
      Server::Unlock();
    }
    return S_OK;
  }

 private:
  ServerClassFactory() { Server::ObjectCreated(); }
  ~ServerClassFactory() { Server::ObjectDestroyed(); }
  std::atomic<ULONG> refs_{1};
};

template <CreateFunction kCreate>
class StaticClassFactory final : public ClassFactoryBase<kCreate> {
 public:
  // DllGetClassObject for CLSID_MemoryAllocator, served by the one static
  // factory.
  static HRESULT STDAPICALLTYPE GetClassObject(REFCLSID clsid, REFIID riid, LPVOID* ppv) {
    static StaticClassFactory factory;
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (!IsEqualCLSID(clsid, CLSID_MemoryAllocator)) return CLASS_E_CLASSNOTAVAILABLE;
    return factory.QueryInterface(riid, ppv);
  }

  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE LockServer(BOOL) override { return S_OK; }

 private:
  StaticClassFactory() = default;
};

}  // namespace comkit

#endif  // DSALLOC_COMKIT_CLASS_FACTORY_H_
