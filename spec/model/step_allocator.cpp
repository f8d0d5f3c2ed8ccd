// spec/model/step_allocator.cpp: the model's IMemAllocator and
// IMemAllocatorCallbackTemp calls and the allocator's IUnknown (step_engine.h),
// with the allocator's references and its destruction.

#include <climits>

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {
namespace {

bool ValidAlign(LONG a) { return a >= 1 && a <= 65536 && (a & (a - 1)) == 0; }

// (cbBuffer + cbPrefix) rounded up to cbAlign, or -1 when it does not fit
// in int32 or an input is negative (ALLOC.PROPS.ROUND).
int64_t AlignedSize(const ALLOCATOR_PROPERTIES& p) {
  if (p.cbBuffer < 0 || p.cbPrefix < 0 || p.cbAlign < 1) return -1;
  int64_t sum = int64_t{p.cbBuffer} + p.cbPrefix;
  int64_t r = (sum + p.cbAlign - 1) / p.cbAlign * p.cbAlign;
  return r > INT32_MAX ? -1 : r;
}

// Whether cbBuffer + cbPrefix (exact, 64-bit) is not a multiple of cbAlign,
// so that an implementation that rounds changes the value.
bool RoundingNeeded(const ALLOCATOR_PROPERTIES& p) {
  if (p.cbAlign < 1) return false;
  int64_t sum = int64_t{p.cbBuffer} + p.cbPrefix;
  return sum % p.cbAlign != 0;
}

}  // namespace

template <>
bool Engine::Apply(const call::SetProperties& c) {
  // GEN.BADINPUT: every NULL below gives E_POINTER under strict.
  if (c.null_pRequest || c.null_pActual) {
    if (portable_) return false;  // ALLOC.PROPS.NULL: not checked (crash)
    return Fail(E_POINTER, "ALLOC.PROPS.NULL");
  }
  const ALLOCATOR_PROPERTIES rq = c.Request();
  // ALLOC.PROPS.ZERO: *pActual zero-filled before any check.
  o_.written |= kOutProps;
  o_.props = {0, 0, 0, 0};
  bool align_ok = ValidAlign(rq.cbAlign);
  if (portable_ && !align_ok && rq.cbAlign != 0) return false;  // not checked
  bool outstanding = s_.free_list.size() != s_.samples.size();
  // Strict order (base classes): alignment, committed, pending. Portable:
  // two independent traits (SEMANTICS 2.4, 6.1): whether the alignment is
  // checked before or after the state (Wine: after), and whether in C
  // outstanding samples are checked before the committed state (Wine:
  // before). In P some sample is always outstanding, in D none is.
  // Each trait is consulted only where it changes the outcome.
  bool state_fails = s_.state != AllocState::kDecommitted;
  HRESULT hr = S_OK;
  std::string_view rule;
  if (!align_ok && !(state_fails && Alt(kTraitAlignLast))) {
    hr = VFW_E_BADALIGN;
    rule = "ALLOC.PROPS.ALIGN";
  } else if (s_.state == AllocState::kCommitted) {
    hr = outstanding && Alt(kTraitHeldCode) ? VFW_E_BUFFERS_OUTSTANDING : VFW_E_ALREADY_COMMITTED;
    rule = "ALLOC.PROPS.COMMITTED";
  } else if (s_.state == AllocState::kPending) {
    hr = VFW_E_BUFFERS_OUTSTANDING;
    rule = "ALLOC.PROPS.PENDING";
  }
  if (FAILED(hr)) {
    // ALLOC.PROPS.ZERO (portable: Wine leaves *pActual untouched).
    if (Alt(kTraitActualOnError)) o_.written &= ~kOutProps;
    return Fail(hr, rule);
  }
  // ALLOC.PROPS.ACCEPT: nothing else is validated.
  ALLOCATOR_PROPERTIES stored = rq;
  int64_t aligned = AlignedSize(rq);
  if (portable_ && aligned < 0 && RoundingNeeded(rq)) {
    // ALLOC.PROPS.ROUND (portable): rounding a negative or int32-overflowing
    // size has no common value (the base classes wrap in 32 bits, a 64-bit
    // implementation rounds or refuses, dsalloc stores the request): open.
    return false;
  }
  if (aligned >= 0 && aligned - rq.cbPrefix != rq.cbBuffer) {
    // ALLOC.PROPS.ROUND (portable: may store the request unrounded).
    if (!Alt(kTraitRounding)) stored.cbBuffer = static_cast<LONG>(aligned - rq.cbPrefix);
  }
  s_.props = stored;
  s_.changed = true;  // ALLOC.PROPS.STORE
  o_.props = stored;
  return Succeed("ALLOC.PROPS.STORE");
}

template <>
bool Engine::Apply(const call::GetProperties& c) {
  if (c.null_pProps) {
    if (portable_) return false;
    return Fail(E_POINTER, "ALLOC.GETPROPS.NULL");
  }
  o_.written |= kOutProps;
  o_.props = s_.props;
  return Succeed("ALLOC.GETPROPS");
}

template <>
bool Engine::Apply(const call::Commit&) {
  if (portable_ && oom_) return false;
  o_.hr = Commit(oom_);
  o_.generation = s_.generation;
  return true;
}

HRESULT Engine::Commit(bool oom) {
  if (s_.state == AllocState::kCommitted) {
    Rule("ALLOC.COMMIT.1");  // C: S_OK, nothing happens
    return S_OK;
  }
  if (s_.state == AllocState::kPending) {
    // ALLOC.COMMIT.2: P -> C, no reallocation, no new self-reference.
    s_.state = AllocState::kCommitted;
    Rule("ALLOC.COMMIT.2");
    return S_OK;
  }
  const ALLOCATOR_PROPERTIES& p = s_.props;
  HRESULT hr = S_OK;
  std::string_view rule;
  int64_t aligned = AlignedSize(p);
  // Only dsalloc's own limit: kMaxBuffers is strict (portable: such a Commit
  // may also succeed, SEMANTICS 2.7: the base classes have no such limit).
  bool only_count_limit = false;
  if (p.cBuffers <= 0 || p.cbBuffer <= 0) {
    hr = VFW_E_SIZENOTSET;  // ALLOC.COMMIT.SIZE
    rule = "ALLOC.COMMIT.SIZE";
  } else if (p.cbPrefix < 0 || aligned < 0 || aligned * p.cBuffers > INT32_MAX ||
             // "the memory cannot be allocated": only a Commit that
             // allocates can fail that way; reusing samples allocates nothing.
             (oom && (s_.changed || s_.samples.empty()))) {
    hr = E_OUTOFMEMORY;  // ALLOC.COMMIT.LIMIT
    rule = "ALLOC.COMMIT.LIMIT";
  } else if (p.cBuffers > kMaxBuffers) {
    hr = E_OUTOFMEMORY;  // ALLOC.COMMIT.LIMIT (kMaxBuffers)
    rule = "ALLOC.COMMIT.LIMIT";
    only_count_limit = true;
  }
  if (portable_ && only_count_limit && p.cBuffers > kMaxModelSamples) {
    // The success the portable profile allows is beyond what the model
    // holds: the Commit is outside the portable domain.
    undefined_ = true;
    return hr;
  }
  if (portable_) {
    // ALLOC.COMMIT.FAIL: any failure code of the family; Wine's Commit also
    // rejects alignments that do not divide its 4 KiB page.
    static constexpr HRESULT kCodes[] = {VFW_E_SIZENOTSET, VFW_E_BUFFER_NOTSET, VFW_E_BADALIGN,
                                         E_OUTOFMEMORY};
    if (FAILED(hr)) {
      // Answer 0 keeps the strict code; 1..3 are the other three; 4 is
      // success above kMaxBuffers (dsalloc's own limit), or E_INVALIDARG
      // for a negative count (Wine: no semaphore of that count).
      const bool negative_count = p.cBuffers < 0;
      int pick = ch_.Pick(only_count_limit || negative_count ? 5 : 4);
      if (pick == 4 && negative_count) {
        hr = E_INVALIDARG;
        rule = "ALLOC.COMMIT.FAIL";
      } else if (pick == 4) {
        hr = S_OK;
      } else if (pick > 0) {
        int k = 0;
        for (HRESULT code : kCodes) {
          if (code != hr && ++k == pick) {
            hr = code;
            break;
          }
        }
        rule = "ALLOC.COMMIT.FAIL";
      }
    } else if (p.cbAlign > 4096 && ch_.Pick(2) == 1) {
      hr = VFW_E_BADALIGN;
      rule = "ALLOC.COMMIT.FAIL";
    }
  }
  if (FAILED(hr)) {
    Rule(rule);  // ALLOC.COMMIT.ATOMIC: nothing changes
    return hr;
  }
  // ALLOC.COMMIT.REALLOC
  bool realloc = s_.changed || s_.samples.empty();
  if (!realloc && Alt(kTraitKeepSamples)) realloc = true;
  if (realloc) {
    // LIFE.FREEMEM: old samples are destroyed only here (state D, every
    // sample free) and in Destroy.
    ++s_.generation;
    // ALLOC.SAMPLE.FRESH: refs 0, all fields zero, lActual = cbBuffer.
    SampleState fresh;
    fresh.actual = p.cbBuffer;
    s_.samples.assign(static_cast<size_t>(p.cBuffers), fresh);
    // ALLOC.FREELIST.ORDER: sample 0 pushed first (back() is the head).
    s_.free_list.resize(static_cast<size_t>(p.cBuffers));
    for (int i = 0; i < p.cBuffers; ++i) s_.free_list[i] = static_cast<uint16_t>(i);
  }
  o_.reallocated = realloc;
  s_.changed = false;
  ++s_.self_refs;  // LIFE.SELFREF: AddRef at a successful Commit from D
  s_.state = AllocState::kCommitted;
  Rule("ALLOC.COMMIT.3");
  return S_OK;
}

template <>
bool Engine::Apply(const call::Decommit&) {
  o_.hr = Decommit();
  return true;
}

HRESULT Engine::Decommit() {
  if (s_.state == AllocState::kDecommitted) {
    Rule("ALLOC.DECOMMIT.1");
    return S_OK;
  }
  if (s_.state == AllocState::kPending) {
    Rule("ALLOC.DECOMMIT.4");
    return S_OK;
  }
  // ALLOC.DECOMMIT.WAKE: every blocked GetBuffer returns (NOT_COMMITTED;
  // portable: or VFW_E_TIMEOUT, Wine).
  if (!s_.waiters.empty()) {
    HRESULT wake = Alt(kTraitDecommitWake) ? VFW_E_TIMEOUT : VFW_E_NOT_COMMITTED;
    for (uint8_t t : s_.waiters) o_.completions.push_back({t, wake, SampleHandle{}});
    s_.waiters.clear();
  }
  if (s_.free_list.size() == s_.samples.size()) {
    // ALLOC.DECOMMIT.2: C with no sample out -> D; self-reference released
    // after the lock is dropped (LIFE.SELFREF).
    s_.state = AllocState::kDecommitted;
    Rule("ALLOC.DECOMMIT.2");
    ReleaseAllocatorRef(RefOwner::kSelf);
    return S_OK;
  }
  s_.state = AllocState::kPending;  // ALLOC.DECOMMIT.3, LIFE.SAMPLEALIVE
  Rule("ALLOC.DECOMMIT.3");
  return S_OK;
}

int Engine::PopFree() {
  // ALLOC.BOUND: only a free sample is handed out, and it leaves the list.
  // ALLOC.FREELIST.ORDER: LIFO head (portable: any free sample).
  size_t pos = s_.free_list.size() - 1;
  if (portable_) {
    // Answer 0 is the strict choice (the head), as everywhere. Free samples
    // never handed out in this generation are interchangeable (equal values,
    // never observed): only the one nearest the head is a distinct choice,
    // which keeps the branching small however many samples there are.
    std::vector<size_t> choices;  // free-list positions, head first
    bool unused_seen = false;
    for (size_t k = s_.free_list.size(); k-- > 0;) {
      if (!s_.samples[s_.free_list[k]].used) {
        if (unused_seen) continue;
        unused_seen = true;
      }
      choices.push_back(k);
    }
    pos = choices[static_cast<size_t>(ch_.Pick(static_cast<int>(choices.size())))];
  }
  int index = s_.free_list[pos];
  s_.free_list.erase(s_.free_list.begin() + static_cast<ptrdiff_t>(pos));
  s_.samples[index].refs = 1;
  s_.samples[index].used = true;
  return index;
}

template <>
bool Engine::Apply(const call::GetBuffer& c) {
  if (c.null_ppBuffer) {
    if (portable_) return false;  // base classes and Wine crash
    return Fail(E_POINTER, "ALLOC.GETBUFFER.NULL");
  }
  o_.written |= kOutSample;  // ALLOC.GETBUFFER.CLEAR: *ppBuffer = NULL first
  o_.sample = SampleHandle{};
  // ALLOC.GETBUFFER.FLAGS: times and flag bits other than NOWAIT ignored.
  if (s_.state != AllocState::kCommitted) {
    return Fail(VFW_E_NOT_COMMITTED, "ALLOC.GETBUFFER.NOTCOMMITTED");
  }
  if (!s_.free_list.empty()) {
    o_.sample = s_.Handle(PopFree());  // ALLOC.GETBUFFER.POP
    return Succeed("ALLOC.GETBUFFER.POP");
  }
  if (c.NoWait()) {
    // ALLOC.GETBUFFER.NOWAIT: no trace left behind.
    return Fail(VFW_E_TIMEOUT, "ALLOC.GETBUFFER.NOWAIT");
  }
  // ALLOC.GETBUFFER.WAIT: block, FIFO among waiters.
  o_.written = 0;
  o_.blocked = true;
  s_.waiters.push_back(thread_);
  Rule("ALLOC.GETBUFFER.WAIT");
  return true;
}

template <>
bool Engine::Apply(const call::ReleaseBuffer& c) {
  if (c.pBuffer == BufferArg::kNull) {
    if (portable_) return false;  // Wine crashes
    return Fail(E_POINTER, "ALLOC.RELEASEBUFFER.NULL");
  }
  // ALLOC.RELEASEBUFFER.MISUSE: direct calls by a client. The strict profile
  // rejects every one (only a sample whose count reached 0 may call);
  // neither the base classes nor Wine check, so portable does not either.
  if (portable_) return false;
  return Fail(E_INVALIDARG, "ALLOC.RELEASEBUFFER.MISUSE");
}

template <>
bool Engine::Apply(const call::SetNotify& c) {
  if (portable_ && Alt(kTraitCallbackIface)) return false;
  SetNotify(c.callback);
  return Succeed(c.callback >= 0 ? "ALLOC.SETNOTIFY.1" : "ALLOC.SETNOTIFY.NULL");
}

void Engine::SetNotify(int8_t cb) {
  // ALLOC.SETNOTIFY.1: AddRef the new one, swap under the lock, Release the
  // old one after unlocking. SetNotify(same) is safe (ALLOC.SETNOTIFY.SAME):
  // the AddRef comes first, so the count never reaches 0 in between, even
  // when the allocator holds the only reference. ALLOC.SETNOTIFY.NULL: the
  // old one is released; if that was its last reference it is destroyed
  // (COM.CALLBACK.CLIENT).
  int fresh = -1;
  if (cb >= 0) {
    ++s_.callbacks[cb].refs;
    holders_.push_back({cb, 1});
    fresh = static_cast<int>(holders_.size()) - 1;
  }
  int old = installed_;
  installed_ = fresh;
  s_.callback = cb;
  if (old >= 0) DropHolder(old);
}

template <>
bool Engine::Apply(const call::GetFreeCount& c) {
  if (portable_ && Alt(kTraitCallbackIface)) return false;
  if (c.null_plBuffersFree) {
    if (portable_) return false;  // base classes crash
    return Fail(E_POINTER, "ALLOC.FREECOUNT.NULL");
  }
  o_.written |= kOutCount;
  o_.value = s_.FreeCount();
  return Succeed("ALLOC.FREECOUNT");
}

// --- IUnknown -----------------------------------------------------------------

template <>
bool Engine::Apply(const call::AddRef&) {
  ++s_.client_refs;
  o_.value = s_.TotalRefs();  // COM.ALLOC.ADDREF
  o_.any_value = portable_;
  return Succeed("COM.ALLOC.ADDREF");
}

template <>
bool Engine::Apply(const call::Release&) {
  // Portable: dropping the last client reference while committed is
  // not checked (Wine destroys the allocator, the base classes do not).
  // A callback's reference keeps it alive like any other (LIFE.CYCLE).
  if (portable_ && s_.ExternalRefs() == 1 && s_.state != AllocState::kDecommitted) {
    return false;
  }
  o_.value = s_.TotalRefs() - 1;  // COM.ALLOC.RELEASE
  o_.any_value = portable_;
  Rule(s_.TotalRefs() == 1 ? "LIFE.DESTROY" : "COM.ALLOC.RELEASE");
  ReleaseAllocatorRef(RefOwner::kClient);
  return true;
}

template <>
bool Engine::Apply(const call::QueryInterface& c) {
  if (c.null_ppv) {
    if (portable_) return false;
    return Fail(E_POINTER, "COM.ALLOC.QI.NULL");
  }
  o_.written |= kOutInterface;
  bool hit = c.riid == Iid::kIUnknown || c.riid == Iid::kIMemAllocator;
  if (c.riid == Iid::kIMemAllocatorCallbackTemp) {
    // COM.ALLOC.QI.CALLBACK (portable: Wine has no such interface).
    hit = !Alt(kTraitCallbackIface);
    if (!hit) return Fail(E_NOINTERFACE, "COM.ALLOC.QI.CALLBACK");
  }
  if (!hit) return Fail(E_NOINTERFACE, "COM.ALLOC.QI.MISS");
  ++s_.client_refs;
  return Succeed(c.riid == Iid::kIMemAllocatorCallbackTemp ? "COM.ALLOC.QI.CALLBACK"
                                                           : "COM.ALLOC.QI");
}

// --- the allocator's references ------------------------------------------------

void Engine::ReleaseAllocatorRef(RefOwner owner) {
  if (owner == RefOwner::kSelf) {
    --s_.self_refs;
  } else if (owner == RefOwner::kClient) {
    --s_.client_refs;
  } else if (portable_ && s_.ExternalRefs() == 0 && s_.state != AllocState::kDecommitted) {
    // A callback's last reference dropped while committed: not checked
    // under portable (COM.ALLOC.RELEASE). The count was taken off already.
    undefined_ = true;
  }
  if (s_.TotalRefs() == 0) Destroy();
}

void Engine::Destroy() {
  // LIFE.DESTROY: samples and memory destroyed, the callback Released
  // (GEN.NOLEAK: no reference the allocator took survives it).
  s_.destroyed = true;
  s_.samples.clear();
  s_.free_list.clear();
  if (installed_ >= 0) {
    int holder = installed_;
    installed_ = -1;
    s_.callback = -1;
    DropHolder(holder);  // may destroy the callback (COM.CALLBACK.CLIENT)
  }
}

// --- dispatch (step_engine.h): after every specialization above ---------------

bool Engine::ApplyAllocatorCall(const Call& call) { return ApplyGroups<OpGroup::kAllocator>(call); }

}  // namespace dsalloc::spec::step_internal
