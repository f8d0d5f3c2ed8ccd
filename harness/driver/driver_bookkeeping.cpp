// harness/driver/driver_bookkeeping.cpp: the Core's record of the client's world
// (driver_core.h): observed ids, the references the client holds on samples
// and on the allocator's interfaces.
// All of it under Core::mu_, never held while calling into the
// implementation.

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

uint32_t Core::ClientSampleRefs(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return 0;
  return samples_[id].client_refs;
}

IMediaSample* Core::SamplePointer(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  return samples_[id].pointer;
}

bool Core::ClientHoldsAllocator() const {
  MutexLock lock(mu_);
  return !alloc_refs_.empty();
}

int Core::IdOf(IMediaSample* p) {
  auto [it, inserted] = ids_.try_emplace(p, static_cast<int>(samples_.size()));
  if (inserted) samples_.push_back(SampleRec{p, 0, false});
  return it->second;
}

int Core::RegisterReturnedSample(HRESULT hr, IMediaSample* got, bool in_flight) {
  if (!IsReal(got)) return -1;
  MutexLock lock(mu_);
  int id = IdOf(got);
  if (SUCCEEDED(hr)) {
    ++samples_[id].client_refs;
    samples_[id].in_flight = in_flight;
  }
  return id;
}

void Core::MarkSampleCollected(int id) {
  if (id < 0) return;
  MutexLock lock(mu_);
  samples_[id].in_flight = false;
}

IMediaSample* Core::HeldSample(int id) {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  const SampleRec& rec = samples_[id];
  return rec.client_refs > 0 ? rec.pointer : nullptr;
}

void Core::KeepAllocatorInterface(Iid iid, void* p) {
  std::string broken;
  bool keep = true;
  {
    MutexLock lock(mu_);
    switch (iid) {
      case Iid::kIUnknown:
        // COM.ALLOC.IDENTITY: the IUnknown pointer may differ from the
        // others (portable) but never from one call to the next.
        if (unknown_identity_ == nullptr) unknown_identity_ = p;
        if (p != unknown_identity_) {
          broken = "QueryInterface(IUnknown) gave " + PointerString(p) +
                   ", earlier " + PointerString(unknown_identity_);
        }
        break;
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
    if (keep) alloc_refs_.push_back(static_cast<IUnknown*>(p));
  }
  if (!broken.empty()) AddViolation("COM.ALLOC.IDENTITY", std::move(broken));
  if (!keep) static_cast<IUnknown*>(p)->Release();
}

void Core::KeepSampleInterface(const Op& op, IMediaSample* s, void* p) {
  bool sample_iid = op.iid == Iid::kIUnknown || op.iid == Iid::kIMediaSample ||
                    op.iid == Iid::kIMediaSample2;
  bool same = p == static_cast<void*>(s);
  if (sample_iid && same) {
    MutexLock lock(mu_);
    ++samples_[op.sample].client_refs;  // COM.SAMPLE.QI: one more reference
    return;
  }
  if (sample_iid) {
    // COM.SAMPLE.IDENTITY: the three IIDs give GetBuffer's pointer.
    AddViolation("COM.SAMPLE.IDENTITY",
                 "sample " + std::to_string(op.sample) + ": QueryInterface(" +
                     std::string(spec::IidName(op.iid)) + ") gave " + PointerString(p) +
                     ", GetBuffer gave " + PointerString(s));
  }
  static_cast<IUnknown*>(p)->Release();
}

}  // namespace dsalloc::harness::driver_internal
