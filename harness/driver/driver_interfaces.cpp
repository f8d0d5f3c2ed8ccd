// harness/driver/driver_interfaces.cpp: what the client keeps of the
// interface pointers the implementation hands out (driver_core.h): COM's
// out-parameter rule, and the identity rules that decide whether a
// QueryInterface result is one more client reference (ClientBook).

#include <string>
#include <utility>

#include "driver_core.h"

namespace dsalloc::harness::driver_internal {

bool Core::InterfaceOutIsValid(std::string_view rule, HRESULT hr, void* p) {
  if (SUCCEEDED(hr) == (p != nullptr)) return true;
  AddViolation(rule, std::string(SUCCEEDED(hr) ? "succeeded with *ppv NULL"
                                               : "failed but left *ppv non-NULL") +
                         " (" + spec::HresultName(hr) + ")");
  return false;
}

void Core::KeepAllocatorInterface(Iid iid, void* p) {
  std::string broken;
  bool keep = true;
  switch (iid) {
    case Iid::kIUnknown: {
      // COM.ALLOC.IDENTITY: the IUnknown pointer may differ from the
      // others (portable) but never from one call to the next.
      void* identity = book_.UnknownIdentity(p);
      if (p != identity) {
        broken = "QueryInterface(IUnknown) gave " + PointerString(p) + ", earlier " +
                 PointerString(identity);
      }
      break;
    }
    case Iid::kIMemAllocator:
    case Iid::kIMemAllocatorCallbackTemp:
      // COM.ALLOC.IDENTITY: one pointer for the allocator's interfaces.
      if (p != static_cast<void*>(alloc_)) {
        broken = "QueryInterface(" + std::string(spec::IidName(iid)) + ") gave " +
                 PointerString(p) + ", the allocator is " + PointerString(alloc_);
      }
      break;
    default:
      keep = false;  // a hit the model does not count; not the client's
      break;
  }
  // The model counts a successful QueryInterface as a client reference
  // (COM.ALLOC.QI); the driver keeps it until a Release op or Teardown.
  if (keep) book_.AddAllocatorRef(static_cast<IUnknown*>(p));
  if (!broken.empty()) AddViolation("COM.ALLOC.IDENTITY", std::move(broken));
  if (!keep) static_cast<IUnknown*>(p)->Release();
}

void Core::KeepSampleInterface(const call::SampleQueryInterface& c, IMediaSample* s, void* p) {
  bool sample_iid =
      c.riid == Iid::kIUnknown || c.riid == Iid::kIMediaSample || c.riid == Iid::kIMediaSample2;
  bool same = p == static_cast<void*>(s);
  if (sample_iid && same) {
    book_.AddSampleRef(c.sample);  // COM.SAMPLE.QI: one more reference
    return;
  }
  if (sample_iid) {
    // COM.SAMPLE.IDENTITY: the three IIDs give GetBuffer's pointer.
    AddViolation("COM.SAMPLE.IDENTITY", "sample " + std::to_string(c.sample) + ": QueryInterface(" +
                                            std::string(spec::IidName(c.riid)) + ") gave " +
                                            PointerString(p) + ", GetBuffer gave " +
                                            PointerString(s));
  }
  static_cast<IUnknown*>(p)->Release();
}

}  // namespace dsalloc::harness::driver_internal
