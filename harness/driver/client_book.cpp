// harness/driver/client_book.cpp: the client's record (client_book.h).

#include "client_book.h"

#include <utility>

namespace dsalloc::harness::driver_internal {

int ClientBook::IdOf(IMediaSample* p) {
  auto [it, inserted] = ids_.try_emplace(p, static_cast<int>(samples_.size()));
  if (inserted) samples_.push_back(SampleRec{p, 0, false});
  return it->second;
}

int ClientBook::RegisterReturnedSample(HRESULT hr, IMediaSample* got, bool in_flight) {
  if (!IsReal(got)) return -1;
  MutexLock lock(mu_);
  int id = IdOf(got);
  if (SUCCEEDED(hr)) {
    ++samples_[id].client_refs;
    samples_[id].in_flight = in_flight;
  }
  return id;
}

void ClientBook::MarkSampleCollected(int id) {
  if (id < 0) return;
  MutexLock lock(mu_);
  samples_[id].in_flight = false;
}

uint32_t ClientBook::SampleRefs(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return 0;
  return samples_[id].client_refs;
}

bool ClientBook::SampleRefsAre(const std::vector<std::pair<int, uint32_t>>& expected) const {
  MutexLock lock(mu_);
  for (const auto& [id, refs] : expected) {
    uint32_t held =
        id >= 0 && static_cast<size_t>(id) < samples_.size() ? samples_[id].client_refs : 0;
    if (held != refs) return false;
  }
  return true;
}

IMediaSample* ClientBook::SamplePointer(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  return samples_[id].pointer;
}

IMediaSample* ClientBook::HeldSample(int id) const {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  const SampleRec& rec = samples_[id];
  return rec.client_refs > 0 ? rec.pointer : nullptr;
}

std::vector<IMediaSample*> ClientBook::HeldSamples() const {
  std::vector<IMediaSample*> held;
  MutexLock lock(mu_);
  for (const SampleRec& rec : samples_) {
    if (rec.client_refs > 0) held.push_back(rec.pointer);
  }
  return held;
}

void ClientBook::AddSampleRef(int id) {
  MutexLock lock(mu_);
  ++samples_[id].client_refs;
}

void ClientBook::DropSampleRef(int id) {
  MutexLock lock(mu_);
  --samples_[id].client_refs;
}

IMediaSample* ClientBook::TakeSampleRefForReaction(int id) {
  MutexLock lock(mu_);
  if (id < 0 || static_cast<size_t>(id) >= samples_.size()) return nullptr;
  SampleRec& rec = samples_[id];
  if (rec.client_refs == 0 || rec.in_flight) return nullptr;
  --rec.client_refs;
  return rec.pointer;
}

std::vector<IMediaSample*> ClientBook::TakeAllSampleRefs() {
  std::vector<IMediaSample*> releases;
  MutexLock lock(mu_);
  for (SampleRec& rec : samples_) {
    for (; rec.client_refs > 0; --rec.client_refs) releases.push_back(rec.pointer);
  }
  return releases;
}

void ClientBook::AddAllocatorRef(IUnknown* p) {
  MutexLock lock(mu_);
  alloc_refs_.push_back(p);
}

IUnknown* ClientBook::TakeAllocatorRef() {
  MutexLock lock(mu_);
  if (alloc_refs_.empty()) return nullptr;
  IUnknown* p = alloc_refs_.back();
  alloc_refs_.pop_back();
  return p;
}

std::vector<IUnknown*> ClientBook::TakeAllAllocatorRefs() {
  MutexLock lock(mu_);
  return std::exchange(alloc_refs_, {});
}

bool ClientBook::HoldsAllocator() const {
  MutexLock lock(mu_);
  return !alloc_refs_.empty();
}

void* ClientBook::UnknownIdentity(void* p) {
  MutexLock lock(mu_);
  if (unknown_identity_ == nullptr) unknown_identity_ = p;
  return unknown_identity_;
}

void ClientBook::AddCompletion(const Completion& c) {
  MutexLock lock(mu_);
  completions_.push_back(c);
  completions_cv_.NotifyAll();
}

std::vector<Completion> ClientBook::AwaitCompletions(size_t count, std::chrono::milliseconds hang,
                                                     std::chrono::milliseconds settle) {
  MutexLock lock(mu_);
  Clock::time_point deadline = Clock::now() + hang;
  while (completions_.size() < count && lock.WaitUntil(completions_cv_, deadline)) {
  }
  if (settle.count() > 0) {
    deadline = Clock::now() + settle;  // any extra ones
    while (lock.WaitUntil(completions_cv_, deadline)) {
    }
  }
  std::vector<Completion> done = std::exchange(completions_, {});
  for (const Completion& c : done) {
    if (c.sample.valid()) samples_[c.sample.index].in_flight = false;
  }
  return done;
}

void ClientBook::AddServerLock() {
  MutexLock lock(mu_);
  ++server_locks_;
}

void ClientBook::DropServerLock() {
  MutexLock lock(mu_);
  if (server_locks_ > 0) --server_locks_;
}

uint32_t ClientBook::TakeAllServerLocks() {
  MutexLock lock(mu_);
  return std::exchange(server_locks_, 0);
}

}  // namespace dsalloc::harness::driver_internal
