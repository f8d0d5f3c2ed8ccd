// ---------------------------------------------------------------------------
// File: tests/com_test.cpp
// ---------------------------------------------------------------------------
//
// COM rules of every object (allocator, sample, class factory):
// QueryInterface identity from every interface, misses store NULL and return
// E_NOINTERFACE, NULL out-pointers give E_POINTER, AddRef/Release return the
// new count; the in-process server's DllGetClassObject, CreateInstance,
// LockServer and DllCanUnloadNow.

#include <dsalloc/dsalloc.h>
#include <gtest/gtest.h>

#include "tests/support/fixture.h"

namespace dsalloc::testing {
namespace {

const IID kAllocatorHits[] = {IID_IUnknown, IID_IMemAllocator, IID_IMemAllocatorCallbackTemp};
const IID kSampleHits[] = {IID_IUnknown, IID_IMediaSample, IID_IMediaSample2};
// {6B9A3F4E-1D2C-4B5A-9E8F-7A6B5C4D3E2F}: an IID nobody implements.
constexpr IID kRandomIid = {
    0x6b9a3f4e, 0x1d2c, 0x4b5a, {0x9e, 0x8f, 0x7a, 0x6b, 0x5c, 0x4d, 0x3e, 0x2f}};
const IID kAllocatorMisses[] = {
    IID_IMediaSample,  IID_IMediaSample2, IID_IMemAllocatorNotifyCallbackTemp,
    IID_IClassFactory, IID_IMemInputPin,  GUID_NULL,
    kRandomIid};
const IID kSampleMisses[] = {IID_IMemAllocator,
                             IID_IMemAllocatorCallbackTemp,
                             IID_IMemAllocatorNotifyCallbackTemp,
                             IID_IClassFactory,
                             IID_IMemInputPin,
                             GUID_NULL,
                             kRandomIid};

void* const kGarbage = reinterpret_cast<void*>(0x1234);

using AllocatorQueryInterface = AllocatorTest;
using AllocatorRefCount = AllocatorTest;
using SampleQueryInterface = OneSampleTest<64>;
using SampleRefCount = AllocatorTest;

// QI of `from` for every hit IID returns `identity`, AddRef'd once.
void ExpectHitsFrom(IUnknown* from, IUnknown* identity, const IID* hits, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    ULONG before = RefCount(identity);
    void* p = kGarbage;
    EXPECT_HR(S_OK, from->QueryInterface(hits[i], &p)) << "hit " << i;
    EXPECT_EQ(static_cast<void*>(identity), p) << "hit " << i;
    EXPECT_EQ(before + 1, RefCount(identity)) << "hit " << i;
    if (p != nullptr && p != kGarbage) static_cast<IUnknown*>(p)->Release();
  }
}

void ExpectMissesFrom(IUnknown* from, IUnknown* identity, const IID* misses, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    ULONG before = RefCount(identity);
    void* p = kGarbage;
    EXPECT_HR(E_NOINTERFACE, from->QueryInterface(misses[i], &p)) << "miss " << i;
    EXPECT_EQ(nullptr, p) << "miss " << i;
    EXPECT_EQ(before, RefCount(identity)) << "miss " << i;
  }
}

// checks: COM.ALLOC.QI, COM.ALLOC.QI.CALLBACK, COM.ALLOC.IDENTITY
TEST_F(AllocatorQueryInterface, EveryHitFromEveryInterfaceGivesOnePointer) {
  ComPtr<IUnknown> unk;
  ASSERT_HR(S_OK, alloc_->QueryInterface(IID_IUnknown, unk.put_void()));
  ComPtr<IMemAllocator> mem;
  ASSERT_HR(S_OK, alloc_->QueryInterface(IID_IMemAllocator, mem.put_void()));
  EXPECT_EQ(static_cast<void*>(unk.get()), static_cast<void*>(mem.get()));
  EXPECT_EQ(static_cast<void*>(unk.get()), static_cast<void*>(alloc_.get()));
  IUnknown* froms[] = {unk.get(), mem.get(), alloc_.get()};
  for (IUnknown* from : froms) {
    ExpectHitsFrom(from, unk.get(), kAllocatorHits, std::size(kAllocatorHits));
  }
}

// checks: COM.ALLOC.QI.MISS
TEST_F(AllocatorQueryInterface, MissesStoreNullAndKeepTheCount) {
  ComPtr<IUnknown> unk;
  ASSERT_HR(S_OK, alloc_->QueryInterface(IID_IUnknown, unk.put_void()));
  ComPtr<IMemAllocator> mem;
  ASSERT_HR(S_OK, alloc_->QueryInterface(IID_IMemAllocator, mem.put_void()));
  IUnknown* froms[] = {unk.get(), mem.get(), alloc_.get()};
  for (IUnknown* from : froms) {
    ExpectMissesFrom(from, unk.get(), kAllocatorMisses, std::size(kAllocatorMisses));
  }
}

// checks: COM.ALLOC.QI.NULL, GEN.BADINPUT
TEST_F(AllocatorQueryInterface, NullOutPointerGivesEPointer) {
  for (const IID& iid : kAllocatorHits) {
    EXPECT_HR(E_POINTER, alloc_->QueryInterface(iid, nullptr));
  }
  EXPECT_HR(E_POINTER, alloc_->QueryInterface(kRandomIid, nullptr));
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: COM.ALLOC.QI, COM.ALLOC.IDENTITY
TEST_F(AllocatorQueryInterface, AnswersTheSameInEveryState) {
  Commit(1, 16);
  ComPtr<IMediaSample> held = Get();
  ASSERT_HR(S_OK, alloc_->Decommit());  // P
  ExpectHitsFrom(alloc_.get(), alloc_.get(), kAllocatorHits, std::size(kAllocatorHits));
  ExpectMissesFrom(alloc_.get(), alloc_.get(), kAllocatorMisses, std::size(kAllocatorMisses));
}

// checks: COM.ALLOC.ADDREF, COM.ALLOC.RELEASE, LIFE.CREATE
TEST_F(AllocatorRefCount, AddRefAndReleaseReturnTheNewCount) {
  EXPECT_EQ(1u, RefCount(alloc_.get()));
  EXPECT_EQ(2u, alloc_->AddRef());
  EXPECT_EQ(3u, alloc_->AddRef());
  EXPECT_EQ(2u, alloc_->Release());
  EXPECT_EQ(1u, alloc_->Release());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: COM.ALLOC.ADDREF, COM.ALLOC.RELEASE, LIFE.SELFREF
TEST_F(AllocatorRefCount, CountIncludesTheSelfReferenceWhileCommitted) {
  Commit(1, 16);
  EXPECT_EQ(3u, alloc_->AddRef());  // client + self + this one
  EXPECT_EQ(2u, alloc_->Release());
  ASSERT_HR(S_OK, alloc_->Decommit());
  EXPECT_EQ(1u, RefCount(alloc_.get()));
}

// checks: COM.ALLOC.RELEASE, LIFE.DESTROY, FACTORY.UNLOAD
TEST(AllocatorRelease, LastReleaseReturnsZeroAndDestroys) {
  ASSERT_HR(S_OK, ServerCanUnloadNow());
  IMemAllocator* a = nullptr;
  ASSERT_HR(S_OK, CreateAllocator(IID_IMemAllocator, reinterpret_cast<void**>(&a)));
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  EXPECT_EQ(0u, a->Release());
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

// checks: COM.SAMPLE.QI, COM.SAMPLE.IDENTITY
TEST_F(SampleQueryInterface, EveryHitFromEveryInterfaceGivesTheSamplePointer) {
  IMediaSample* s = sample_.get();
  ComPtr<IUnknown> unk;
  ASSERT_HR(S_OK, s->QueryInterface(IID_IUnknown, unk.put_void()));
  ComPtr<IMediaSample2> s2;
  ASSERT_HR(S_OK, s->QueryInterface(IID_IMediaSample2, s2.put_void()));
  EXPECT_EQ(static_cast<void*>(s), static_cast<void*>(unk.get()));
  EXPECT_EQ(static_cast<void*>(s), static_cast<void*>(s2.get()));
  IUnknown* froms[] = {unk.get(), s, s2.get()};
  for (IUnknown* from : froms) {
    ExpectHitsFrom(from, s, kSampleHits, std::size(kSampleHits));
  }
}

// checks: COM.SAMPLE.QI.MISS
TEST_F(SampleQueryInterface, MissesStoreNullAndDoNotDelegateToTheAllocator) {
  ComPtr<IMediaSample2> s2;
  ASSERT_HR(S_OK, sample_->QueryInterface(IID_IMediaSample2, s2.put_void()));
  IUnknown* froms[] = {sample_.get(), s2.get()};
  for (IUnknown* from : froms) {
    ExpectMissesFrom(from, sample_.get(), kSampleMisses, std::size(kSampleMisses));
  }
}

// checks: COM.SAMPLE.QI.NULL, GEN.BADINPUT
TEST_F(SampleQueryInterface, NullOutPointerGivesEPointer) {
  for (const IID& iid : kSampleHits) {
    EXPECT_HR(E_POINTER, sample_->QueryInterface(iid, nullptr));
  }
  EXPECT_EQ(1u, RefCount(sample_.get()));
}

// checks: COM.SAMPLE.ADDREF, COM.SAMPLE.RELEASE, ALLOC.GETBUFFER.POP
TEST_F(SampleRefCount, StartsAtOneAndReturnsTheNewCount) {
  Commit(1, 64);
  IMediaSample* s = nullptr;
  ASSERT_HR(S_OK, alloc_->GetBuffer(&s, nullptr, nullptr, 0));
  EXPECT_EQ(2u, s->AddRef());
  EXPECT_EQ(3u, s->AddRef());
  EXPECT_EQ(2u, s->Release());
  EXPECT_EQ(1u, s->Release());
  EXPECT_EQ(0, FreeCount());
  EXPECT_EQ(0u, s->Release());  // recycled
  EXPECT_EQ(1, FreeCount());
}

// --- Class factory and server ------------------------------------------------

class ClassFactoryTest : public ServerIdleTest {
 protected:
  HRESULT GetClassObject(REFCLSID clsid, REFIID riid, void** ppv) {
    return CurrentServer().get_class_object(clsid, riid, ppv);
  }
};
using DllGetClassObjectTest = ClassFactoryTest;
using ClassFactoryCreateInstance = ClassFactoryTest;
using ClassFactoryLockServer = ClassFactoryTest;
using DllCanUnloadNowTest = ClassFactoryTest;

// checks: FACTORY.GETCLASS
TEST_F(DllGetClassObjectTest, GivesAFactoryForIClassFactoryAndIUnknown) {
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  ASSERT_TRUE(factory);
  ComPtr<IUnknown> unk;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IUnknown, unk.put_void()));
  ASSERT_TRUE(unk);
  // The factory obeys the COM rules too.
  ComPtr<IUnknown> factory_unk;
  ASSERT_HR(S_OK, factory->QueryInterface(IID_IUnknown, factory_unk.put_void()));
  ComPtr<IClassFactory> again;
  ASSERT_HR(S_OK, factory->QueryInterface(IID_IClassFactory, again.put_void()));
  EXPECT_EQ(static_cast<void*>(factory.get()), static_cast<void*>(again.get()));
  void* p = kGarbage;
  EXPECT_HR(E_NOINTERFACE, factory->QueryInterface(IID_IMemAllocator, &p));
  EXPECT_EQ(nullptr, p);
  EXPECT_HR(E_POINTER, factory->QueryInterface(IID_IUnknown, nullptr));
  ULONG n = factory->AddRef();
  EXPECT_GE(n, 2u);
  EXPECT_EQ(n - 1, factory->Release());
}

// checks: FACTORY.GETCLASS
TEST_F(DllGetClassObjectTest, OtherInterfaceGivesENoInterfaceAndNull) {
  void* p = kGarbage;
  EXPECT_HR(E_NOINTERFACE, GetClassObject(CLSID_MemoryAllocator, IID_IMemAllocator, &p));
  EXPECT_EQ(nullptr, p);
}

// checks: FACTORY.GETCLASS
// dsalloc's own CLSID names the same class (a program creates dsalloc by
// name on Windows without replacing the system's allocator).
TEST_F(DllGetClassObjectTest, DsallocClsidServesTheSameClass) {
  if (CurrentServer().get_class_object != &::DllGetClassObject) {
    GTEST_SKIP() << CurrentServer().name << " is not the embedded dsalloc: its own CLSID only";
  }
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK,
            GetClassObject(CLSID_DsallocMemoryAllocator, IID_IClassFactory, factory.put_void()));
  ComPtr<IMemAllocatorCallbackTemp> allocator;
  ASSERT_HR(S_OK,
            factory->CreateInstance(nullptr, IID_IMemAllocatorCallbackTemp, allocator.put_void()));
  EXPECT_EQ(1u, RefCount(allocator.get()));
  void* p = kGarbage;
  EXPECT_HR(E_NOINTERFACE, GetClassObject(CLSID_DsallocMemoryAllocator, IID_IMemAllocator, &p));
  EXPECT_EQ(nullptr, p);
}

// checks: FACTORY.GETCLASS.CLSID
TEST_F(DllGetClassObjectTest, UnknownClassGivesClassNotAvailable) {
  const CLSID others[] = {GUID_NULL, IID_IMemAllocator, kRandomIid};
  for (const CLSID& clsid : others) {
    void* p = kGarbage;
    EXPECT_HR(CLASS_E_CLASSNOTAVAILABLE, GetClassObject(clsid, IID_IClassFactory, &p));
    EXPECT_EQ(nullptr, p);
  }
}

// checks: FACTORY.GETCLASS.NULL
TEST_F(DllGetClassObjectTest, NullOutPointerGivesEPointer) {
  EXPECT_HR(E_POINTER, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, nullptr));
}

// checks: FACTORY.CREATE, LIFE.CREATE
TEST_F(ClassFactoryCreateInstance, CreatesAFreshAllocatorForEveryHit) {
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  for (const IID& iid : kAllocatorHits) {
    ComPtr<IUnknown> obj;
    ASSERT_HR(S_OK, factory->CreateInstance(nullptr, iid, obj.put_void()));
    ASSERT_TRUE(obj);
    EXPECT_EQ(1u, RefCount(obj.get()));
    ComPtr<IMemAllocatorCallbackTemp> a;
    ASSERT_HR(S_OK, obj->QueryInterface(IID_IMemAllocatorCallbackTemp, a.put_void()));
    ALLOCATOR_PROPERTIES p = Props(-1, -1, -1, -1);
    EXPECT_HR(S_OK, a->GetProperties(&p));
    EXPECT_EQ(Props(0, 0, 0, 0), p);
    LONG free_count = -1;
    EXPECT_HR(S_OK, a->GetFreeCount(&free_count));
    EXPECT_EQ(0, free_count);
    IMediaSample* s = reinterpret_cast<IMediaSample*>(kGarbage);
    EXPECT_HR(VFW_E_NOT_COMMITTED, a->GetBuffer(&s, nullptr, nullptr, 0));
    EXPECT_EQ(nullptr, s);
  }
}

// checks: FACTORY.CREATE
TEST_F(ClassFactoryCreateInstance, MissGivesENoInterfaceNullAndNoLeak) {
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  for (const IID& iid : kAllocatorMisses) {
    void* p = kGarbage;
    EXPECT_HR(E_NOINTERFACE, factory->CreateInstance(nullptr, iid, &p));
    EXPECT_EQ(nullptr, p);
  }
  EXPECT_HR(E_POINTER, factory->CreateInstance(nullptr, IID_IMemAllocator, nullptr));
  factory.Reset();
  EXPECT_HR(S_OK, ServerCanUnloadNow());  // the failed instances are gone
}

// checks: FACTORY.AGGREGATION
TEST_F(ClassFactoryCreateInstance, OuterUnknownGivesNoAggregation) {
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  CountingCallback outer;  // any IUnknown will do
  for (const IID& iid : {IID_IUnknown, IID_IMemAllocator}) {
    void* p = kGarbage;
    EXPECT_HR(CLASS_E_NOAGGREGATION, factory->CreateInstance(&outer, iid, &p));
    EXPECT_EQ(nullptr, p);
  }
  EXPECT_EQ(1, outer.refs());
  EXPECT_EQ(0, outer.calls_after_final_release());
}

// checks: FACTORY.LOCKSERVER, FACTORY.UNLOAD
TEST_F(ClassFactoryLockServer, LocksKeepTheServerLoaded) {
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  EXPECT_HR(S_OK, factory->LockServer(TRUE));
  EXPECT_HR(S_OK, factory->LockServer(TRUE));
  factory.Reset();
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  EXPECT_HR(S_OK, factory->LockServer(FALSE));
  factory.Reset();
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());  // one lock left
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  EXPECT_HR(S_OK, factory->LockServer(FALSE));
  factory.Reset();
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

// checks: FACTORY.UNLOAD, LIFE.SELFREF
TEST_F(DllCanUnloadNowTest, FalseWhileAFactoryOrAnAllocatorLives) {
  ComPtr<IClassFactory> factory;
  ASSERT_HR(S_OK, GetClassObject(CLSID_MemoryAllocator, IID_IClassFactory, factory.put_void()));
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  ComPtr<IMemAllocator> a;
  ASSERT_HR(S_OK, factory->CreateInstance(nullptr, IID_IMemAllocator, a.put_void()));
  factory.Reset();
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  ASSERT_HR(S_OK, Configure(a.get(), 1, 16));
  IMemAllocator* raw = a.detach();
  EXPECT_EQ(1u, raw->Release());  // the self-reference keeps it alive
  EXPECT_HR(S_FALSE, ServerCanUnloadNow());
  EXPECT_HR(S_OK, raw->Decommit());  // drops the last reference
  EXPECT_HR(S_OK, ServerCanUnloadNow());
}

}  // namespace
}  // namespace dsalloc::testing
