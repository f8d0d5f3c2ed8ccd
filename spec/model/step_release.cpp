// spec/model/step_release.cpp: a sample's way back to its allocator in the
// model (step_engine.h): the last Release recycles it, ReleaseBuffer hands
// it to a waiter or pushes it on the free list, and the installed callback
// gets NotifyRelease, running its reaction as a re-entrant client call.

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {

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

}  // namespace dsalloc::spec::step_internal
