// conform/soak_traffic.cpp: the soak's traffic (soak_core.h): GetBuffer and
// sample Release with the checks every sample gets on its way out and back,
// and the workers, which cycle them in epochs.

#include <thread>

#include "soak_core.h"

namespace dsalloc::conform::soak_internal {

using harness::MutexLock;

// --- Calls into the implementation -------------------------------------------

// GetBuffer with `flags`; on S_OK the sample joins t.held (bound, owner and
// buffer checks). Returns whether a sample was obtained; *hr_out the HRESULT.
bool Soak::Acquire(Traffic& t, DWORD flags, const char* hang_rule, HRESULT* hr_out) {
  // A non-NULL value that must be cleared on failure (ALLOC.GETBUFFER.CLEAR).
  IMediaSample* sample = reinterpret_cast<IMediaSample*>(&t);
  const bool blocking = (flags & AM_GBF_NOWAIT) == 0;
  HRESULT hr =
      MySlot().Watched(blocking ? kBlockingGetBuffer : "GetBuffer(AM_GBF_NOWAIT)", hang_rule,
                       [&] { return alloc_->GetBuffer(&sample, nullptr, nullptr, flags); });
  *hr_out = hr;
  if (hr != S_OK) {
    if (sample != nullptr) {
      Fail("ALLOC.GETBUFFER.CLEAR",
           "GetBuffer returned " + Hr(hr) + ": expected *ppBuffer NULL, observed it left set");
    }
    return false;
  }
  if (sample == nullptr) {
    Fail("ALLOC.GETBUFFER.POP", "GetBuffer: expected a sample with S_OK, observed NULL");
    return false;
  }
  CountOut(sample);
  Held held{sample, nullptr, 0, t.next_marker};
  t.next_marker = static_cast<BYTE>(t.next_marker * 7 + 13);
  MarkBuffer(&held);
  t.held.push_back(held);
  return true;
}

// ALLOC.BOUND as a sample goes out: never more than cBuffers out, no sample
// with two owners.
void Soak::CountOut(IMediaSample* sample) {
  int out = out_.fetch_add(1) + 1;
  if (out > cbuffers_) {
    Fail("ALLOC.BOUND", "expected at most " + std::to_string(cbuffers_) +
                            " samples out, observed " + std::to_string(out));
  }
  if (!owners_.Claim(sample)) {
    Fail("ALLOC.BOUND",
         "expected each sample to have one owner, observed GetBuffer hand out "
         "a sample another holder still holds");
  }
}

// The new holder writes its marker at both ends of the buffer; another
// holder's write shows when it is released (ReleaseHeld).
void Soak::MarkBuffer(Held* held) {
  CallSlot& slot = MySlot();
  HRESULT pointer_hr = slot.Watched("IMediaSample::GetPointer", nullptr,
                                    [&] { return held->sample->GetPointer(&held->data); });
  held->size =
      slot.Watched("IMediaSample::GetSize", nullptr, [&] { return held->sample->GetSize(); });
  if (pointer_hr != S_OK || held->data == nullptr) {
    Fail("SAMPLE.POINTER", "GetPointer: expected S_OK and a buffer, observed " + Hr(pointer_hr));
    held->data = nullptr;
  } else if (held->size != cbbuffer_) {
    Fail("SAMPLE.SIZE", "GetSize: expected " + std::to_string(cbbuffer_) + ", observed " +
                            std::to_string(held->size));
    held->data = nullptr;
  } else {
    held->data[0] = held->marker;
    held->data[held->size - 1] = held->marker;
  }
}

void Soak::ReleaseHeld(Traffic& t, size_t pos) {
  Held held = t.held[pos];
  t.held[pos] = t.held.back();
  t.held.pop_back();
  if (held.data != nullptr &&
      (held.data[0] != held.marker || held.data[held.size - 1] != held.marker)) {
    Fail("ALLOC.BOUND",
         "expected a held sample's buffer to be written only by its owner, "
         "observed its first or last byte changed (shared or overlapping buffers)");
  }
  owners_.Disclaim(held.sample);
  out_.fetch_sub(1);
  // Now and then an extra reference first: only the last Release returns
  // the sample (COM.SAMPLE.ADDREF, COM.SAMPLE.RELEASE).
  if ((t.rng & 0x300) == 0) AddRefThenRelease(held.sample);
  ULONG count =
      MySlot().Watched("IMediaSample::Release", nullptr, [&] { return held.sample->Release(); });
  ++t.releases;
  if (count != 0) {
    Fail("COM.SAMPLE.RELEASE",
         "final Release of a sample: expected 0, observed " + std::to_string(count));
  }
}

void Soak::AddRefThenRelease(IMediaSample* sample) {
  CallSlot& slot = MySlot();
  ULONG up = slot.Watched("IMediaSample::AddRef", nullptr, [&] { return sample->AddRef(); });
  ULONG down = slot.Watched("IMediaSample::Release", nullptr, [&] { return sample->Release(); });
  if (up != 2 || down != 1) {
    Fail("COM.SAMPLE.RELEASE",
         "AddRef then Release on a held sample: expected 2 then 1, "
         "observed " +
             std::to_string(up) + " then " + std::to_string(down));
  }
}

void Soak::ReleaseAll(Traffic& t) {
  while (!t.held.empty() && !abort_.load(std::memory_order_relaxed)) {
    ReleaseHeld(t, t.held.size() - 1);
  }
}

// --- Worker side ---------------------------------------------------------------

// One cycle: one GetBuffer (blocking only while holding nothing, so the
// workers cannot deadlock each other), then release some of what is held.
void Soak::Cycle(Traffic& t) {
  const uint64_t r = XorShift(t.rng);
  if (t.held.size() < static_cast<size_t>(cbuffers_)) GetOne(t, r);
  size_t n = t.held.size();
  if (n == 0) return;
  // Now and then give the CPU away while holding samples: on a loaded
  // machine the workers would otherwise run their epochs one after the
  // other, and nobody would ever wait for a sample.
  if (((r >> 40) & 15) == 0) std::this_thread::yield();
  size_t k = static_cast<size_t>((r >> 8) % (n + 1));
  if (k == 0 && n == static_cast<size_t>(cbuffers_)) k = 1;
  for (size_t i = 0; i < k; ++i) {
    ReleaseHeld(t, static_cast<size_t>((r >> (16 + (4 * i) % 44)) % t.held.size()));
  }
}

// A cycle's GetBuffer, blocking or AM_GBF_NOWAIT as `r` says: while
// committed a blocking one must succeed (ALLOC.GETBUFFER.WAIT), a NOWAIT
// one succeed or miss (ALLOC.GETBUFFER.NOWAIT).
void Soak::GetOne(Traffic& t, uint64_t r) {
  const bool blocking = t.held.empty() && (r & 3) != 0;
  HRESULT hr;
  if (blocking) {
    ++t.blocking_gets;
    if (!Acquire(t, 0, "THREAD.NOLOSTWAKE", &hr) && !stop_.load()) {
      Fail("ALLOC.GETBUFFER.WAIT",
           "blocking GetBuffer while committed: expected S_OK, "
           "observed " +
               Hr(hr));
    }
    return;
  }
  ++t.nowait_gets;
  if (Acquire(t, AM_GBF_NOWAIT, nullptr, &hr)) return;
  if (hr == VFW_E_TIMEOUT) {
    ++t.nowait_misses;
  } else if (!stop_.load()) {
    Fail("ALLOC.GETBUFFER.NOWAIT",
         "GetBuffer(AM_GBF_NOWAIT) while committed: expected "
         "S_OK or VFW_E_TIMEOUT, observed " +
             Hr(hr));
  }
}

// An epoch of traffic: `quota` cycles, started together with the other
// workers so that their traffic overlaps, then everything released.
void Soak::RunCycles(Traffic& t, long long quota) {
  awake_.fetch_add(1);
  while (awake_.load() < threads_ && !abort_.load()) std::this_thread::yield();
  for (long long i = 0; i < quota && !stop_.load(std::memory_order_relaxed); ++i) {
    Cycle(t);
    ++t.cycles;
  }
  ReleaseAll(t);
}

// The worker's part of DecommitWithWaiters: block in GetBuffer (every sample
// is in the controller's hands) until Decommit wakes it.
void Soak::WaitThroughDecommit(Traffic& t) {
  entered_wait_.fetch_add(1);
  HRESULT hr;
  if (Acquire(t, 0, "ALLOC.DECOMMIT.WAKE", &hr)) {
    Fail("ALLOC.DECOMMIT.WAKE",
         "GetBuffer blocked when Decommit ran: expected "
         "VFW_E_NOT_COMMITTED, observed S_OK with a sample");
    ReleaseAll(t);
    return;
  }
  ++t.decommit_wakes;
  if (hr != VFW_E_NOT_COMMITTED && !(options_.portable && hr == VFW_E_TIMEOUT)) {
    Fail("ALLOC.DECOMMIT.WAKE",
         "GetBuffer blocked when Decommit ran: expected "
         "VFW_E_NOT_COMMITTED, observed " +
             Hr(hr));
  }
}

bool Soak::AwaitEpoch(int index, long long* seen, EpochKind* kind, long long* quota) {
  MutexLock lock(mu_);
  while (epoch_ == *seen && !abort_.load()) lock.Wait(cv_);
  if (abort_.load()) return false;
  *seen = epoch_;
  *kind = kind_;
  *quota = quota_[static_cast<size_t>(index)];
  return true;
}

void Soak::Arrive() {
  {
    MutexLock lock(mu_);
    ++arrived_;
  }
  ctrl_cv_.NotifyAll();
}

void Soak::WorkerMain(int index) {
  tls_slot = &slots_[index];
  Traffic& t = traffic_[static_cast<size_t>(index)];
  long long seen = 0;
  for (;;) {
    EpochKind kind;
    long long quota;
    if (!AwaitEpoch(index, &seen, &kind, &quota)) return;
    if (kind == EpochKind::kExit) return;
    if (kind == EpochKind::kCycle) {
      RunCycles(t, quota);
    } else {
      WaitThroughDecommit(t);
    }
    if (abort_.load()) return;
    Arrive();
  }
}

}  // namespace dsalloc::conform::soak_internal
