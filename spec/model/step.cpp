// spec/model/step.cpp: the transition function (step.h).
//
// One engine serves both profiles. Every place where conforming
// implementations may differ asks the Chooser: under the strict profile it
// always answers 0 (dsalloc's behaviour); under the portable profile Step
// re-runs the engine over every sequence of answers (depth-first) and
// collects the distinct (outcome, next state) pairs. Implementation traits
// (state.h Trait) are fixed the first time they matter, so a portable run
// cannot mix Wine's and the base classes' answers for the same question.
//
// Each branch that a SPEC.md rule decides carries the rule ID in a comment
// and in Outcome::rule. Rules about pointers, threads and time are outside a
// sequential value model and are judged by the drivers (props, fuzz, SPIN):
// COM.ALLOC.IDENTITY, COM.SAMPLE.IDENTITY, THREAD.SAFE (the model is the
// sequential specification the linearizability check searches), THREAD.SAMPLE,
// NOTIFY.THREAD, GEN.NOHANG, GEN.NOCRASH.

#include "step.h"

#include <algorithm>
#include <climits>

namespace dsalloc::spec {
namespace {

constexpr DWORD kTimeFlags = AM_SAMPLE_TIMEVALID | AM_SAMPLE_STOPVALID;
constexpr DWORD kSample2Size = sizeof(AM_SAMPLE2_PROPERTIES);

// Byte offset just past each AM_SAMPLE2_PROPERTIES field (SEMANTICS 1.4).
constexpr DWORD kEndTypeFlags = offsetof(AM_SAMPLE2_PROPERTIES, dwSampleFlags);
constexpr DWORD kEndFlags = offsetof(AM_SAMPLE2_PROPERTIES, lActual);
constexpr DWORD kEndActual = offsetof(AM_SAMPLE2_PROPERTIES, tStart);
constexpr DWORD kEndStart = offsetof(AM_SAMPLE2_PROPERTIES, tStop);
constexpr DWORD kEndStop = offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId);
constexpr DWORD kEndStream = offsetof(AM_SAMPLE2_PROPERTIES, dwStreamId) + sizeof(DWORD);
constexpr DWORD kEndMediaType = offsetof(AM_SAMPLE2_PROPERTIES, pMediaType) + sizeof(void*);
constexpr DWORD kEndBuffer = offsetof(AM_SAMPLE2_PROPERTIES, pbBuffer) + sizeof(void*);
constexpr DWORD kEndSize = offsetof(AM_SAMPLE2_PROPERTIES, cbBuffer) + sizeof(LONG);

// Answers the engine's "which of n behaviours?" questions. Answer 0 is
// always the strict behaviour, so the first portable transition of a step
// is the strict one whenever the strict one is allowed.
class Chooser {
 public:
  explicit Chooser(bool branching) : branching_(branching) {}

  int Pick(int n) {
    if (!branching_ || n <= 1) return 0;
    if (pos_ < choices_.size()) return choices_[pos_++];
    choices_.push_back(0);
    arity_.push_back(n);
    ++pos_;
    return 0;
  }

  // Advances to the next unexplored answer sequence; false when done.
  bool Next() {
    pos_ = 0;
    while (!choices_.empty()) {
      if (choices_.back() + 1 < arity_.back()) {
        ++choices_.back();
        return true;
      }
      choices_.pop_back();
      arity_.pop_back();
    }
    return false;
  }

 private:
  bool branching_;
  size_t pos_ = 0;
  std::vector<int> choices_;
  std::vector<int> arity_;
};

class Engine {
 public:
  Engine(State& s, Outcome& o, Profile p, Chooser& ch)
      : s_(s), o_(o), portable_(p == Profile::kPortable), ch_(ch) {
    // Between ops the installed callback's reference is its holder's only use.
    if (s_.callback >= 0) {
      holders_.push_back({s_.callback, 1});
      installed_ = 0;
    }
  }

  // Returns false when the op is outside the profile's domain.
  bool Run(const Op& op) {
    bool in = RunOp(op);
    if (in && portable_) Settle();
    return in && !undefined_;
  }

 private:
  bool RunOp(const Op& op);
  // Portable, at the end of a top-level op: woken waiters re-check
  // (ALLOC.RELEASEBUFFER.HANDOFF, wake-and-recheck).
  void Settle();
  // Portable: true when the implementation takes the alternative of `t`.
  bool Alt(Trait t) {
    if (!portable_) return false;
    uint8_t& v = s_.traits[t];
    if (v == 0) v = static_cast<uint8_t>(1 + ch_.Pick(2));
    return v == 2;
  }
  void Rule(std::string_view id) { o_.rule = id; }
  // The op returns `hr` (a failure code) as `rule` decides; true: in domain.
  bool Fail(HRESULT hr, std::string_view rule) {
    o_.hr = hr;
    Rule(rule);
    return true;
  }
  // The op succeeds with `code` (S_OK unless a rule names another success
  // code, such as S_FALSE) as `rule` decides; true: in domain.
  bool Succeed(std::string_view rule, HRESULT code = S_OK) {
    o_.hr = code;
    Rule(rule);
    return true;
  }

  // Allocator.
  bool SetProperties(const Op& op);
  bool GetProperties(const Op& op);
  HRESULT Commit(bool oom);
  HRESULT Decommit();
  bool GetBuffer(const Op& op);
  bool ReleaseBufferOp(const Op& op);
  void SetNotify(int8_t cb);
  bool AllocQueryInterface(const Op& op);
  // Who gives an allocator reference back.
  enum class RefOwner : uint8_t { kClient, kSelf, kCallback };
  void ReleaseAllocatorRef(RefOwner owner);
  void Destroy();
  // Callback references (COM.CALLBACK.REFS, COM.CALLBACK.CLIENT).
  void DropHolder(int holder);
  void ReleaseCallback(int8_t cb);
  void CallbackDestroyed(int8_t cb);
  bool CallbackOp(const Op& op);
  // Pops a free sample (ALLOC.GETBUFFER.POP); returns its index.
  int PopFree();
  // Sample.
  bool SampleOp(const Op& op);
  void SampleRelease(int index, uint8_t depth);
  void ReleaseBuffer(int index, uint8_t depth);
  void Notify(int8_t cb, uint8_t depth);
  bool HandedOffInThisOp(int index) const;
  bool GetProperties2(const Op& op, SampleState& x);
  bool SetProperties2(const Op& op, SampleState& x);
  // Factory.
  bool Factory(const Op& op);

  State& s_;
  Outcome& o_;
  bool portable_;
  Chooser& ch_;
  // Set when some allowed outcome of the op is one the model does not
  // compute (portable): the op is then outside the domain.
  bool undefined_ = false;
  // The allocator's reference on a callback, as one holder per SetNotify:
  // the installed callback's reference is released when its holder's last
  // use ends. A use is the installation, plus (portable, kTraitSnapshotRef
  // alternative) each NotifyRelease in progress on it, so a callback
  // replaced while it is being notified keeps that reference until the
  // notification ends (COM.CALLBACK.REFS; the base-classes control's
  // NotifyHolder). Under strict the snapshot is a COM reference instead and
  // every holder has one use. Holders live for one op (none is in use
  // between ops).
  struct Holder {
    int8_t callback;
    int uses;
  };
  std::vector<Holder> holders_;
  int installed_ = -1;  // index into holders_, -1 = none
};

// --- allocator ----------------------------------------------------------------

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

bool Engine::SetProperties(const Op& op) {
  // GEN.BADINPUT: every NULL below gives E_POINTER under strict.
  if (op.null_ptr1 || op.null_ptr2) {
    if (portable_) return false;  // ALLOC.PROPS.NULL: not checked (crash)
    return Fail(E_POINTER, "ALLOC.PROPS.NULL");
  }
  const ALLOCATOR_PROPERTIES& rq = op.props;
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

bool Engine::GetProperties(const Op& op) {
  if (op.null_ptr1) {
    if (portable_) return false;
    return Fail(E_POINTER, "ALLOC.GETPROPS.NULL");
  }
  o_.written |= kOutProps;
  o_.props = s_.props;
  return Succeed("ALLOC.GETPROPS");
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

bool Engine::GetBuffer(const Op& op) {
  if (op.null_ptr1) {
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
  if (op.flags & AM_GBF_NOWAIT) {
    // ALLOC.GETBUFFER.NOWAIT: no trace left behind.
    return Fail(VFW_E_TIMEOUT, "ALLOC.GETBUFFER.NOWAIT");
  }
  // ALLOC.GETBUFFER.WAIT: block, FIFO among waiters.
  o_.written = 0;
  o_.blocked = true;
  s_.waiters.push_back(op.thread);
  Rule("ALLOC.GETBUFFER.WAIT");
  return true;
}

bool Engine::ReleaseBufferOp(const Op& op) {
  if (op.buffer_arg == BufferArg::kNull) {
    if (portable_) return false;  // Wine crashes
    return Fail(E_POINTER, "ALLOC.RELEASEBUFFER.NULL");
  }
  // ALLOC.RELEASEBUFFER.MISUSE: direct calls by a client. The strict profile
  // rejects every one (only a sample whose count reached 0 may call);
  // neither the base classes nor Wine check, so portable does not either.
  if (portable_) return false;
  return Fail(E_INVALIDARG, "ALLOC.RELEASEBUFFER.MISUSE");
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

void Engine::DropHolder(int holder) {
  // COM.CALLBACK.REFS: the reference goes when the holder's last use ends
  // (the installation, or a notification still running on it).
  if (--holders_[holder].uses == 0) ReleaseCallback(holders_[holder].callback);
}

void Engine::ReleaseCallback(int8_t cb) {
  CallbackState& c = s_.callbacks[cb];
  --c.refs;
  // COM.CALLBACK.CLIENT: the client no longer holds it, so the allocator's
  // Release just destroyed it (SetNotify replacing it, SetNotify(NULL), the
  // allocator's destruction, the end of a snapshot).
  if (c.Dead()) CallbackDestroyed(cb);
}

void Engine::CallbackDestroyed(int8_t cb) {
  // LIFE.CYCLE: a destroyed callback releases what it held on the
  // allocator, which may destroy the allocator in turn (LIFE.DESTROY).
  CallbackState& c = s_.callbacks[cb];
  while (c.alloc_refs > 0) {
    --c.alloc_refs;
    ReleaseAllocatorRef(RefOwner::kCallback);
  }
}

bool Engine::CallbackOp(const Op& op) {
  CallbackState& c = s_.callbacks[op.callback];
  if (op.kind == OpKind::kCallbackRelease) {
    // COM.CALLBACK.CLIENT: the client drops its own reference; with none
    // left in the allocator the callback is destroyed now.
    c.client_held = false;
    if (c.Dead()) CallbackDestroyed(op.callback);
    return Succeed("COM.CALLBACK.CLIENT");
  }
  if (op.kind == OpKind::kCallbackHoldAllocator) {
    // LIFE.CYCLE: the callback AddRefs the allocator and keeps it.
    ++c.alloc_refs;
    return Succeed("LIFE.CYCLE");
  }
  // kCallbackReleaseAllocator. LIFE.CYCLE: the callback gives one back.
  // Portable: dropping the last reference but the self-reference while
  // committed is not checked (as COM.ALLOC.RELEASE: Wine destroys the
  // allocator).
  if (portable_ && s_.ExternalRefs() == 1 && s_.state != AllocState::kDecommitted) return false;
  Rule(s_.TotalRefs() == 1 ? "LIFE.DESTROY" : "LIFE.CYCLE");
  --c.alloc_refs;
  ReleaseAllocatorRef(RefOwner::kCallback);
  return true;
}

bool Engine::AllocQueryInterface(const Op& op) {
  if (op.null_ptr1) {
    if (portable_) return false;
    return Fail(E_POINTER, "COM.ALLOC.QI.NULL");
  }
  o_.written |= kOutInterface;
  bool hit = op.iid == Iid::kIUnknown || op.iid == Iid::kIMemAllocator;
  if (op.iid == Iid::kIMemAllocatorCallbackTemp) {
    // COM.ALLOC.QI.CALLBACK (portable: Wine has no such interface).
    hit = !Alt(kTraitCallbackIface);
    if (!hit) return Fail(E_NOINTERFACE, "COM.ALLOC.QI.CALLBACK");
  }
  if (!hit) return Fail(E_NOINTERFACE, "COM.ALLOC.QI.MISS");
  ++s_.client_refs;
  return Succeed(op.iid == Iid::kIMemAllocatorCallbackTemp ? "COM.ALLOC.QI.CALLBACK"
                                                           : "COM.ALLOC.QI");
}

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

// --- release path ---------------------------------------------------------------

void Engine::SampleRelease(int index, uint8_t depth) {
  SampleState& x = s_.samples[index];
  if (--x.refs != 0) return;
  // SAMPLE.RECYCLE.1: type deleted, every flag cleared, type flags and
  // stream id zeroed (portable: Wine keeps those two), then ReleaseBuffer.
  // SAMPLE.RECYCLE.2: lActual and the stored time values are kept.
  x.media_type = -1;
  x.flags = 0;
  x.media_time_valid = false;
  // Two traits: an implementation may keep either field (Wine keeps both).
  if (x.type_flags != 0 && !Alt(kTraitRecycleExtras)) x.type_flags = 0;
  if (x.stream_id != 0 && !Alt(kTraitRecycleStream)) x.stream_id = 0;
  ReleaseBuffer(index, depth);
}

void Engine::ReleaseBuffer(int index, uint8_t depth) {
  // Under the lock. Portable: a wake-and-recheck implementation (the base
  // classes' semaphore, SEMANTICS 2.5, 6.3) puts the sample on the free list
  // and wakes the waiters, which re-check later: what runs on this thread
  // first (the NotifyRelease reaction) may take it or decommit. Thread
  // timing decides, so it is a branch, not a trait; Settle completes it.
  if (!s_.waiters.empty() && !(portable_ && ch_.Pick(2) == 1)) {
    // ALLOC.RELEASEBUFFER.HANDOFF / ALLOC.GETBUFFER.FIFO: the oldest waiter
    // gets the sample (portable: any waiter); it never touches the list, so
    // no sample is free while a thread waits (THREAD.NOLOSTWAKE).
    size_t w = portable_ ? static_cast<size_t>(ch_.Pick(static_cast<int>(s_.waiters.size()))) : 0;
    uint8_t thread = s_.waiters[w];
    s_.waiters.erase(s_.waiters.begin() + static_cast<ptrdiff_t>(w));
    s_.samples[index].refs = 1;
    s_.samples[index].used = true;
    o_.completions.push_back({thread, S_OK, s_.Handle(index)});
  } else {
    s_.free_list.push_back(static_cast<uint16_t>(index));  // ALLOC.RELEASEBUFFER.PUSH
  }
  bool completed = false;
  if (s_.state == AllocState::kPending && s_.free_list.size() == s_.samples.size()) {
    s_.state = AllocState::kDecommitted;  // ALLOC.RELEASEBUFFER.COMPLETE
    completed = true;
  }
  // NOTIFY.SNAPSHOT: read and AddRef the callback under the lock
  // (COM.CALLBACK.REFS: released right after the call). Portable: whether
  // that keep-alive is a COM reference is a trait (the base classes' fixed
  // control keeps the callback alive with its own holder, S3).
  // Either way the callback cannot be destroyed while it is being notified
  // (COM.CALLBACK.DEAD), even when a SetNotify replaces it meanwhile.
  int8_t snap = s_.callback;
  int holder = installed_;
  bool com_snap = snap >= 0 && !Alt(kTraitSnapshotRef);
  if (com_snap) {
    ++s_.callbacks[snap].refs;
  } else if (snap >= 0) {
    ++holders_[holder].uses;
  }
  // NOTIFY.AFTERFREE: the sample is already free or handed over here.
  // After unlocking (THREAD.NOLOCK): NOTIFY.ONCE, then the snapshot Release,
  // then the self-reference (NOTIFY.BEFORESELF, LIFE.SELFREF).
  if (snap >= 0) {
    Notify(snap, depth);
    if (com_snap) {
      ReleaseCallback(snap);
    } else {
      DropHolder(holder);
    }
  }
  if (completed) ReleaseAllocatorRef(RefOwner::kSelf);
}

void Engine::Settle() {
  // ALLOC.RELEASEBUFFER.HANDOFF (portable): woken waiters still blocked
  // re-check; while the allocator is committed and a sample is free, one of
  // them (any) takes one (THREAD.NOLOSTWAKE holds again at the op's end).
  // After a Decommit no waiter is left (ALLOC.DECOMMIT.WAKE woke them all).
  while (s_.state == AllocState::kCommitted && !s_.free_list.empty() && !s_.waiters.empty()) {
    size_t w = static_cast<size_t>(ch_.Pick(static_cast<int>(s_.waiters.size())));
    uint8_t thread = s_.waiters[w];
    s_.waiters.erase(s_.waiters.begin() + static_cast<ptrdiff_t>(w));
    int index = PopFree();
    o_.completions.push_back({thread, S_OK, s_.Handle(index)});
  }
}

bool Engine::HandedOffInThisOp(int index) const {
  for (const Completion& c : o_.completions) {
    if (c.sample == s_.Handle(index)) return true;
  }
  return false;
}

void Engine::Notify(int8_t cb, uint8_t depth) {
  CallbackState& c = s_.callbacks[cb];
  ++c.notified;
  size_t slot = o_.notifications.size();
  Notification n;
  n.callback = cb;
  n.refs_at_entry = c.refs;
  n.depth = depth;
  n.reaction = c.reaction;
  Reaction r = c.reaction;
  int32_t arg = c.arg;
  if (!c.persistent) c.reaction = Reaction::kNone;
  o_.notifications.push_back(n);
  // NOTIFY.REENTRANT: the reaction runs as a call from a client.
  // NOTIFY.RESULT: what NotifyRelease returns is not modelled (ignored).
  HRESULT hr = S_OK;
  int32_t value = 0;
  SampleHandle got;
  switch (r) {
    case Reaction::kNone:
      break;
    case Reaction::kGetFreeCount:
      value = s_.FreeCount();  // ALLOC.FREECOUNT
      break;
    case Reaction::kGetBufferNoWait:
      if (s_.state != AllocState::kCommitted) {
        hr = VFW_E_NOT_COMMITTED;
      } else if (s_.free_list.empty()) {
        hr = VFW_E_TIMEOUT;
      } else {
        got = s_.Handle(PopFree());
      }
      break;
    case Reaction::kSetNotifyNull:
      SetNotify(-1);
      break;
    case Reaction::kSetNotifyOther:
      SetNotify(static_cast<int8_t>(arg));
      break;
    case Reaction::kSetNotifySelf:
      SetNotify(cb);
      break;
    case Reaction::kReleaseSample:
      // A sample this op handed to a blocked GetBuffer is not the client's
      // yet: that thread has not returned (NOTIFY.REENTRANT, op.h).
      if (!s_.destroyed && arg >= 0 && arg < static_cast<int32_t>(s_.samples.size()) &&
          s_.samples[arg].refs > 0 && !HandedOffInThisOp(arg)) {
        SampleRelease(arg, static_cast<uint8_t>(depth + 1));
      } else {
        hr = S_FALSE;  // skipped: the client holds no reference
      }
      break;
    case Reaction::kCommit: {
      std::string_view keep = o_.rule;
      hr = Commit(false);
      o_.rule = keep;
      break;
    }
    case Reaction::kDecommit: {
      std::string_view keep = o_.rule;
      hr = Decommit();
      o_.rule = keep;
      break;
    }
  }
  Notification& done = o_.notifications[slot];
  done.reaction_hr = hr;
  done.reaction_value = value;
  done.reaction_sample = got;
}

// --- sample ----------------------------------------------------------------------

bool Engine::GetProperties2(const Op& op, SampleState& x) {
  if (op.cb == 0) return Succeed("SAMPLE2.GETPROPS.ZERO");
  if (op.null_ptr1) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE2.GETPROPS.NULL");
  }
  // SAMPLE2.GETPROPS.IMAGE
  DWORD bytes = std::min(op.cb, kSample2Size);
  Sample2Image& im = o_.sample2;
  im.cbData = bytes;
  if (portable_ && bytes != kSample2Size && ch_.Pick(2) == 1) {
    im.cbData = kSample2Size;  // Wine: always sizeof
  }
  im.dwTypeSpecificFlags = x.type_flags;
  im.dwSampleFlags = x.flags;
  im.lActual = x.actual;
  im.tStart = x.t_start;
  im.tStop = x.t_stop;
  im.dwStreamId = x.stream_id;
  im.media_type = x.media_type;
  im.pbBuffer = BufferPtr::kOwn;
  im.cbBuffer = s_.props.cbBuffer;
  o_.bytes = bytes;
  o_.written |= kOutSample2;
  return Succeed("SAMPLE2.GETPROPS.IMAGE");
}

bool Engine::SetProperties2(const Op& op, SampleState& x) {
  if (op.cb < sizeof(DWORD)) return Succeed("SAMPLE2.SETPROPS.SHORT");
  if (op.null_ptr1) {
    if (portable_) return false;
    return Fail(E_POINTER, "SAMPLE2.SETPROPS.NULL");
  }
  const Sample2Image& im = op.image;
  // Portable: Wine copies the raw bytes without any check; only full-size,
  // valid calls that set no media type have a common meaning (the checks
  // below take the invalid ones out of the domain).
  if (portable_ && (op.cb < kSample2Size || im.cbData != kSample2Size || im.media_type != -1 ||
                    x.media_type != -1 || (im.dwSampleFlags & AM_SAMPLE_TYPECHANGED) || op.oom)) {
    return false;
  }
  if (im.cbData > kSample2Size) return Fail(E_INVALIDARG, "SAMPLE2.SETPROPS.CBDATA");
  DWORD eff = std::min(op.cb, im.cbData);
  auto has = [eff](DWORD end) { return end <= eff; };
  std::string_view rule;
  HRESULT hr = S_OK;
  if (has(kEndFlags)) {
    // SAMPLE2.SETPROPS.FLAGS
    if ((im.dwSampleFlags & ~DWORD{0x1FF}) || (im.dwSampleFlags & 0x20)) {
      hr = E_INVALIDARG;
      rule = "SAMPLE2.SETPROPS.FLAGS";
    } else if ((im.dwSampleFlags & AM_SAMPLE_TIMEVALID) && !(x.flags & AM_SAMPLE_TIMEVALID) &&
               !has(kEndStop)) {
      hr = E_INVALIDARG;  // SAMPLE2.SETPROPS.TIMEVALID (tStop, not tStart)
      rule = "SAMPLE2.SETPROPS.TIMEVALID";
    }
  }
  if (SUCCEEDED(hr) && has(kEndBuffer) && im.pbBuffer == BufferPtr::kOther) {
    hr = E_INVALIDARG;
    rule = "SAMPLE2.SETPROPS.BUFFER";
  }
  if (SUCCEEDED(hr) && has(kEndSize) && im.cbBuffer != 0 && im.cbBuffer != s_.props.cbBuffer) {
    hr = E_INVALIDARG;
    rule = "SAMPLE2.SETPROPS.SIZE";
  }
  if (SUCCEEDED(hr) && has(kEndSize) && has(kEndActual) && im.cbBuffer < im.lActual) {
    hr = E_INVALIDARG;  // SAMPLE2.SETPROPS.ACTUAL: passed cbBuffer < lActual
    rule = "SAMPLE2.SETPROPS.ACTUAL";
  }
  bool set_type =
      has(kEndMediaType) && has(kEndFlags) && (im.dwSampleFlags & AM_SAMPLE_TYPECHANGED);
  if (SUCCEEDED(hr) && set_type) {
    if (im.media_type < 0) {
      hr = E_POINTER;
      rule = "SAMPLE2.SETPROPS.TYPE";
    } else if (op.oom) {
      hr = E_OUTOFMEMORY;
      rule = "SAMPLE2.SETPROPS.TYPE";
    }
  }
  if (FAILED(hr)) {
    // Portable: Wine validates nothing (SAMPLE2.SETPROPS.FLAGS, .BUFFER,
    // .SIZE, .ACTUAL: not checked), so only calls that pass every check
    // are in the domain.
    if (portable_) return false;
    return Fail(hr, rule);  // GEN.ATOMIC: checks before changes
  }
  // SAMPLE2.SETPROPS.ASSIGN
  if (has(kEndStream)) x.stream_id = im.dwStreamId;
  if (has(kEndFlags)) {
    x.flags = im.dwSampleFlags;
    x.type_flags = im.dwTypeSpecificFlags;
  } else if (has(kEndTypeFlags)) {
    x.type_flags = im.dwTypeSpecificFlags;
  }
  if (has(kEndActual)) x.actual = im.lActual;
  if (has(kEndStop)) x.t_stop = im.tStop;
  if (has(kEndStart)) x.t_start = im.tStart;
  if (set_type) x.media_type = im.media_type;
  // SAMPLE2.SETPROPS.TYPEFIX: TYPECHANGED iff a type is stored.
  if (x.media_type >= 0) {
    x.flags |= AM_SAMPLE_TYPECHANGED;
  } else {
    x.flags &= ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
  }
  return Succeed("SAMPLE2.SETPROPS.ASSIGN");
}

bool Engine::SampleOp(const Op& op) {
  int index = op.sample;
  SampleState& x = s_.samples[index];
  auto flag_query = [&](DWORD bit, std::string_view rule) {
    return Succeed(rule, (x.flags & bit) ? S_OK : S_FALSE);  // SAMPLE.FLAGS.GET
  };
  auto flag_set = [&](DWORD bit) {
    if (op.value != 0) {
      x.flags |= bit;  // SAMPLE.FLAGS.SET
    } else {
      x.flags &= ~bit;
    }
    return Succeed("SAMPLE.FLAGS.SET");
  };
  switch (op.kind) {
    case OpKind::kSampleAddRef:
      o_.value = ++x.refs;  // COM.SAMPLE.ADDREF
      return Succeed("COM.SAMPLE.ADDREF");
    case OpKind::kSampleRelease:
      o_.value = x.refs - 1;  // COM.SAMPLE.RELEASE
      Rule("COM.SAMPLE.RELEASE");
      SampleRelease(index, 0);
      return true;
    case OpKind::kSampleQueryInterface: {
      if (op.null_ptr1) {
        if (portable_) return false;
        return Fail(E_POINTER, "COM.SAMPLE.QI.NULL");
      }
      o_.written |= kOutInterface;
      if (op.iid == Iid::kIUnknown || op.iid == Iid::kIMediaSample ||
          op.iid == Iid::kIMediaSample2) {
        ++x.refs;
        return Succeed("COM.SAMPLE.QI");
      }
      return Fail(E_NOINTERFACE, "COM.SAMPLE.QI.MISS");
    }
    case OpKind::kGetPointer:
      if (op.null_ptr1) {
        if (portable_) return false;
        return Fail(E_POINTER, "SAMPLE.POINTER.NULL");
      }
      o_.written |= kOutPointer;
      o_.sample = s_.Handle(index);
      // ALLOC.SAMPLE.LAYOUT (portable: Wine does not align buffers).
      o_.pointer_align = portable_ ? 1u : static_cast<uint32_t>(s_.props.cbAlign);
      return Succeed("SAMPLE.POINTER");
    case OpKind::kGetSize:
      o_.value = s_.props.cbBuffer;
      return Succeed("SAMPLE.SIZE");
    case OpKind::kGetTime: {
      if (op.null_ptr1 || op.null_ptr2) {
        if (portable_) return false;
        return Fail(E_POINTER, "SAMPLE.GETTIME.NULL");
      }
      bool stop_only = (x.flags & AM_SAMPLE_STOPVALID) && !(x.flags & AM_SAMPLE_TIMEVALID);
      if ((x.flags & AM_SAMPLE_STOPVALID) && !(stop_only && Alt(kTraitStopOnlyTime))) {
        o_.written |= kOutStart | kOutEnd;  // SAMPLE.GETTIME.1
        o_.start = x.t_start;
        o_.end = x.t_stop;
        return Succeed("SAMPLE.GETTIME.1");
      }
      if (x.flags & AM_SAMPLE_TIMEVALID) {
        o_.written |= kOutStart | kOutEnd;  // SAMPLE.GETTIME.2
        o_.start = x.t_start;
        o_.end = static_cast<int64_t>(static_cast<uint64_t>(x.t_start) + 1);
        return Succeed("SAMPLE.GETTIME.2", VFW_S_NO_STOP_TIME);
      }
      return Fail(VFW_E_SAMPLE_TIME_NOT_SET, "SAMPLE.GETTIME.3");
    }
    case OpKind::kSetTime:
      if (op.null_ptr1) {
        x.flags &= ~kTimeFlags;  // SAMPLE.SETTIME.1
        return Succeed("SAMPLE.SETTIME.1");
      }
      x.t_start = op.t0;
      x.flags |= AM_SAMPLE_TIMEVALID;
      if (op.null_ptr2) {
        x.flags &= ~static_cast<DWORD>(AM_SAMPLE_STOPVALID);  // SAMPLE.SETTIME.2
        return Succeed("SAMPLE.SETTIME.2");
      }
      x.t_stop = op.t1;
      x.flags |= AM_SAMPLE_STOPVALID;  // SAMPLE.SETTIME.3
      return Succeed("SAMPLE.SETTIME.3");
    case OpKind::kIsSyncPoint:
      return flag_query(AM_SAMPLE_SPLICEPOINT, "SAMPLE.FLAGS.GET");
    case OpKind::kIsPreroll:
      return flag_query(AM_SAMPLE_PREROLL, "SAMPLE.FLAGS.GET");
    case OpKind::kIsDiscontinuity:
      return flag_query(AM_SAMPLE_DATADISCONTINUITY, "SAMPLE.FLAGS.GET");
    case OpKind::kSetSyncPoint:
      return flag_set(AM_SAMPLE_SPLICEPOINT);
    case OpKind::kSetPreroll:
      return flag_set(AM_SAMPLE_PREROLL);
    case OpKind::kSetDiscontinuity:
      return flag_set(AM_SAMPLE_DATADISCONTINUITY);
    case OpKind::kGetActualDataLength:
      o_.value = x.actual;
      return Succeed("SAMPLE.LENGTH.GET");
    case OpKind::kSetActualDataLength:
      if (op.value < 0 || op.value > s_.props.cbBuffer) {
        return Fail(VFW_E_BUFFER_OVERFLOW, "SAMPLE.LENGTH.RANGE");
      }
      x.actual = op.value;
      return Succeed("SAMPLE.LENGTH.SET");
    case OpKind::kGetMediaType:
      if (op.null_ptr1) {
        if (portable_) return false;
        return Fail(E_POINTER, "SAMPLE.GETTYPE.NULL");
      }
      o_.written |= kOutMediaType;
      o_.media_type = -1;
      if (x.media_type < 0) return Succeed("SAMPLE.GETTYPE.NONE", S_FALSE);
      if (op.oom) {
        if (portable_) return false;
        return Fail(E_OUTOFMEMORY, "SAMPLE.GETTYPE.OOM");
      }
      o_.media_type = x.media_type;
      return Succeed("SAMPLE.GETTYPE.COPY");
    case OpKind::kSetMediaType:
      if (op.value < 0) {
        x.media_type = -1;  // SAMPLE.SETTYPE.NULL
        x.flags &= ~static_cast<DWORD>(AM_SAMPLE_TYPECHANGED);
        return Succeed("SAMPLE.SETTYPE.NULL");
      }
      if (op.oom) {
        if (portable_) return false;
        return Fail(E_OUTOFMEMORY, "SAMPLE.SETTYPE.OOM");  // nothing changes
      }
      x.media_type = static_cast<int8_t>(op.value);
      x.flags |= AM_SAMPLE_TYPECHANGED;
      return Succeed("SAMPLE.SETTYPE.COPY");
    case OpKind::kGetMediaTime: {
      if (op.null_ptr1 || op.null_ptr2) {
        if (portable_) return false;
        return Fail(E_POINTER, "SAMPLE.GETMEDIATIME.NULL");
      }
      if (!x.media_time_valid) {
        return Fail(VFW_E_MEDIA_TIME_NOT_SET, "SAMPLE.GETMEDIATIME.2");
      }
      o_.written |= kOutStart | kOutEnd;
      o_.start = x.mt_start;
      o_.end = x.mt_stop;
      uint64_t span = static_cast<uint64_t>(x.mt_stop) - static_cast<uint64_t>(x.mt_start);
      int64_t sspan = static_cast<int64_t>(span);
      if ((sspan > INT32_MAX || sspan < INT32_MIN) && Alt(kTraitMediaTime32)) {
        // Base classes keep the end as a 32-bit offset (SEMANTICS 6.10).
        o_.end = static_cast<int64_t>(static_cast<uint64_t>(x.mt_start) +
                                      static_cast<uint64_t>(static_cast<int64_t>(
                                          static_cast<int32_t>(static_cast<uint32_t>(span)))));
      }
      return Succeed("SAMPLE.GETMEDIATIME.1");
    }
    case OpKind::kSetMediaTime:
      if (op.null_ptr1) {
        x.media_time_valid = false;  // SAMPLE.SETMEDIATIME.1
        return Succeed("SAMPLE.SETMEDIATIME.1");
      }
      if (op.null_ptr2) return Fail(E_POINTER, "SAMPLE.SETMEDIATIME.2");
      // SAMPLE.MEDIATIME.INDEPENDENT: media times never touch the stream
      // time fields or flags (and SetTime never touches these).
      x.mt_start = op.t0;
      x.mt_stop = op.t1;
      x.media_time_valid = true;
      return Succeed("SAMPLE.SETMEDIATIME.3");
    case OpKind::kGetProperties2:
      return GetProperties2(op, x);
    case OpKind::kSetProperties2:
      return SetProperties2(op, x);
    // Not sample ops (Run dispatches them elsewhere).
    case OpKind::kSetProperties:
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetBuffer:
    case OpKind::kReleaseBuffer:
    case OpKind::kSetNotify:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kQueryInterface:
    case OpKind::kSetReaction:
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kLockServer:
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kDllCanUnloadNow:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      return false;
  }
  return false;  // not reached: the switch lists every OpKind
}

// --- in-process server --------------------------------------------------------------

bool Engine::Factory(const Op& op) {
  switch (op.kind) {
    case OpKind::kDllGetClassObject:
      if (op.null_ptr1) {
        if (portable_) return false;
        return Fail(E_POINTER, "FACTORY.GETCLASS.NULL");
      }
      o_.written |= kOutInterface;
      if (op.clsid != Clsid::kMemoryAllocator) {
        return Fail(CLASS_E_CLASSNOTAVAILABLE, "FACTORY.GETCLASS.CLSID");
      }
      if (op.iid != Iid::kIClassFactory && op.iid != Iid::kIUnknown) {
        // Portable: DllGetClassObject's documented codes have no
        // E_NOINTERFACE, and Wine answers CLASS_E_CLASSNOTAVAILABLE.
        if (portable_ && ch_.Pick(2) == 1) {
          return Fail(CLASS_E_CLASSNOTAVAILABLE, "FACTORY.GETCLASS");
        }
        return Fail(E_NOINTERFACE, "FACTORY.GETCLASS");
      }
      return Succeed("FACTORY.GETCLASS");
    case OpKind::kCreateInstance:
      if (op.null_ptr1) {
        if (portable_) return false;
        return Fail(E_POINTER, "FACTORY.CREATE");
      }
      o_.written |= kOutInterface;
      if (op.outer) {
        // Portable: COM lets an outer unknown ask only for IUnknown; the
        // base classes' factory and Wine 8 answer any other IID E_NOINTERFACE.
        if (portable_ && op.iid != Iid::kIUnknown && ch_.Pick(2) == 1) {
          return Fail(E_NOINTERFACE, "FACTORY.AGGREGATION");
        }
        return Fail(CLASS_E_NOAGGREGATION, "FACTORY.AGGREGATION");
      }
      if (op.iid == Iid::kIUnknown || op.iid == Iid::kIMemAllocator ||
          (op.iid == Iid::kIMemAllocatorCallbackTemp && !Alt(kTraitCallbackIface))) {
        return Succeed("FACTORY.CREATE");
      }
      return Fail(E_NOINTERFACE, "FACTORY.CREATE");
    case OpKind::kLockServer:
      // FACTORY.LOCKSERVER: the count FACTORY.UNLOAD reads.
      if (op.value != 0) {
        ++s_.server_locks;
      } else if (s_.server_locks > 0) {
        --s_.server_locks;
      } else if (portable_) {
        return false;  // an unlock without a lock: not checked
      }                // strict: ignored, the count stays 0
      return Succeed("FACTORY.LOCKSERVER");
    case OpKind::kDllCanUnloadNow:
      // FACTORY.UNLOAD: the model's only object is its allocator; the
      // server lock counts too (FACTORY.LOCKSERVER).
      return Succeed("FACTORY.UNLOAD", s_.destroyed && s_.server_locks == 0 ? S_OK : S_FALSE);
    // Not factory ops (Run dispatches them elsewhere).
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kSetProperties:
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetBuffer:
    case OpKind::kReleaseBuffer:
    case OpKind::kSetNotify:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kQueryInterface:
    case OpKind::kSetReaction:
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kSampleQueryInterface:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kSetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kSetSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kSetPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kSetDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kSetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kSetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kSetMediaTime:
    case OpKind::kGetProperties2:
    case OpKind::kSetProperties2:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      return false;
  }
  return false;  // not reached: the switch lists every OpKind
}

// --- dispatch ----------------------------------------------------------------------

bool Engine::RunOp(const Op& op) {
  switch (op.kind) {
    case OpKind::kSetProperties:
      return SetProperties(op);
    case OpKind::kGetProperties:
      return GetProperties(op);
    case OpKind::kCommit:
      if (portable_ && op.oom) return false;
      o_.hr = Commit(op.oom);
      o_.generation = s_.generation;
      return true;
    case OpKind::kDecommit:
      o_.hr = Decommit();
      return true;
    case OpKind::kGetBuffer:
      return GetBuffer(op);
    case OpKind::kReleaseBuffer:
      return ReleaseBufferOp(op);
    case OpKind::kSetNotify:
      if (portable_ && Alt(kTraitCallbackIface)) return false;
      SetNotify(op.callback);
      return Succeed(op.callback >= 0 ? "ALLOC.SETNOTIFY.1" : "ALLOC.SETNOTIFY.NULL");
    case OpKind::kGetFreeCount:
      if (portable_ && Alt(kTraitCallbackIface)) return false;
      if (op.null_ptr1) {
        if (portable_) return false;  // base classes crash
        return Fail(E_POINTER, "ALLOC.FREECOUNT.NULL");
      }
      o_.written |= kOutCount;
      o_.value = s_.FreeCount();
      return Succeed("ALLOC.FREECOUNT");
    case OpKind::kAddRef:
      ++s_.client_refs;
      o_.value = s_.TotalRefs();  // COM.ALLOC.ADDREF
      o_.any_value = portable_;
      return Succeed("COM.ALLOC.ADDREF");
    case OpKind::kRelease:
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
    case OpKind::kQueryInterface:
      return AllocQueryInterface(op);
    case OpKind::kSetReaction: {
      CallbackState& c = s_.callbacks[op.callback];
      c.reaction = op.reaction;
      c.arg = op.arg;
      c.persistent = op.persistent;
      return Succeed("NOTIFY.REENTRANT");
    }
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kLockServer:
    case OpKind::kDllCanUnloadNow:
      return Factory(op);
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
      return false;  // the checker's, never a step (op.h)
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      return CallbackOp(op);
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kSampleQueryInterface:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kSetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kSetSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kSetPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kSetDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kSetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kSetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kSetMediaTime:
    case OpKind::kGetProperties2:
    case OpKind::kSetProperties2:
      return SampleOp(op);
  }
  return false;  // not reached: the switch lists every OpKind
}

bool IsAllocatorOp(OpKind k) { return GroupOf(k) == OpGroup::kAllocator; }

// The profile-independent part of the domain (step.h "Domain").
bool Structural(const State& s, const Op& op) {
  if (op.thread >= kMaxThreads) return false;
  // Repeat blocks are the checker's (harness::Lockstep), never a step.
  if (GroupOf(op.kind) == OpGroup::kControl) return false;
  if (std::find(s.waiters.begin(), s.waiters.end(), op.thread) != s.waiters.end()) {
    return false;  // a blocked thread makes no calls
  }
  if (IsAllocatorOp(op.kind) && (s.destroyed || s.client_refs == 0)) return false;
  int n = static_cast<int>(s.samples.size());
  if (IsSampleOp(op.kind) && (op.sample < 0 || op.sample >= n || s.samples[op.sample].refs == 0)) {
    return false;
  }
  switch (op.kind) {
    case OpKind::kReleaseBuffer:
      return op.buffer_arg != BufferArg::kSample || (op.sample >= 0 && op.sample < n);
    case OpKind::kSetNotify:
      // COM.CALLBACK.CLIENT: the client passes a callback it holds, or the
      // installed one after dropping its own reference (a borrowed pointer
      // the allocator's reference keeps alive: ALLOC.SETNOTIFY.SAME).
      if (op.callback < -1 || op.callback >= kNumCallbacks) return false;
      return op.callback < 0 || s.callbacks[op.callback].client_held || s.callback == op.callback;
    case OpKind::kSetReaction:
      // Configuring a callback the client still holds; a SetNotifyOther
      // target must be held too (CallbackReleaseAllocator below keeps it so).
      if (op.callback < 0 || op.callback >= kNumCallbacks) return false;
      if (!s.callbacks[op.callback].client_held) return false;
      if (op.reaction == Reaction::kSetNotifyOther) {
        return op.arg >= 0 && op.arg < kNumCallbacks && s.callbacks[op.arg].client_held;
      }
      return true;
    case OpKind::kCallbackRelease: {
      // COM.CALLBACK.CLIENT: the client's one reference, once; never while a
      // reaction still means to pass this callback to SetNotify.
      if (op.callback < 0 || op.callback >= kNumCallbacks) return false;
      if (!s.callbacks[op.callback].client_held) return false;
      for (const CallbackState& c : s.callbacks) {
        if (c.reaction == Reaction::kSetNotifyOther && c.arg == op.callback) return false;
      }
      return true;
    }
    case OpKind::kCallbackHoldAllocator:
      // LIFE.CYCLE: a live callback, given the allocator by a client that
      // holds it.
      if (op.callback < 0 || op.callback >= kNumCallbacks) return false;
      return !s.callbacks[op.callback].Dead() && !s.destroyed && s.client_refs > 0;
    case OpKind::kCallbackReleaseAllocator:
      if (op.callback < 0 || op.callback >= kNumCallbacks) return false;
      return s.callbacks[op.callback].alloc_refs > 0 && !s.destroyed;
    case OpKind::kSetMediaType:
      return op.value >= -1 && op.value < kNumMediaTypes;
    case OpKind::kSetProperties2:
      return op.image.media_type >= -1 && op.image.media_type < kNumMediaTypes;
    case OpKind::kSetProperties:
    case OpKind::kGetProperties:
    case OpKind::kCommit:
    case OpKind::kDecommit:
    case OpKind::kGetBuffer:
    case OpKind::kGetFreeCount:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kQueryInterface:
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kSampleQueryInterface:
    case OpKind::kGetPointer:
    case OpKind::kGetSize:
    case OpKind::kGetTime:
    case OpKind::kSetTime:
    case OpKind::kIsSyncPoint:
    case OpKind::kSetSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kSetPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kSetDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kSetActualDataLength:
    case OpKind::kGetMediaType:
    case OpKind::kGetMediaTime:
    case OpKind::kSetMediaTime:
    case OpKind::kGetProperties2:
    case OpKind::kDllGetClassObject:
    case OpKind::kCreateInstance:
    case OpKind::kLockServer:
    case OpKind::kDllCanUnloadNow:
      return true;
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
      return false;  // not reached: Repeat blocks return false above
  }
  return false;  // not reached: the switch lists every OpKind
}

}  // namespace

Outcome StepStrict(State& s, const Op& op) {
  Outcome o;
  Chooser ch(false);
  Engine(s, o, Profile::kStrict, ch).Run(op);
  return o;
}

Transitions Step(const State& s, const Op& op, Profile profile) {
  Transitions out;
  if (!Structural(s, op)) return out;
  if (profile == Profile::kStrict) {
    Transition t{Outcome{}, s};
    t.outcome = StepStrict(t.next, op);
    out.push_back(std::move(t));
    return out;
  }
  Chooser ch(true);
  constexpr int kMaxRuns = 1 << 14;  // bound on portable branching
  for (int run = 0; run < kMaxRuns; ++run) {
    Transition t{Outcome{}, s};
    if (Engine(t.next, t.outcome, profile, ch).Run(op)) {
      bool dup = false;
      for (const Transition& u : out) {
        if (u.next == t.next && u.outcome == t.outcome) {
          dup = true;
          break;
        }
      }
      if (!dup) out.push_back(std::move(t));
    }
    if (!ch.Next()) break;
  }
  return out;
}

bool InDomain(const State& s, const Op& op, Profile profile) {
  if (!Structural(s, op)) return false;
  if (profile == Profile::kStrict) return true;
  return !Step(s, op, profile).empty();
}

}  // namespace dsalloc::spec
