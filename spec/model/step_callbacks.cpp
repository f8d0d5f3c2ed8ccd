// spec/model/step_callbacks.cpp: the model's test callbacks (step_engine.h):
// configuring a callback's reaction, the references a client or a callback
// gives back or takes (COM.CALLBACK.CLIENT, LIFE.CYCLE), and the
// allocator's references on callbacks (COM.CALLBACK.REFS).

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {

template <>
bool Engine::Apply(const call::SetReaction& c) {
  CallbackState& cb = s_.callbacks[c.callback];
  cb.reaction = c.reaction;
  cb.arg = c.arg;
  cb.persistent = c.persistent;
  return Succeed("NOTIFY.REENTRANT");
}

template <>
bool Engine::Apply(const call::CallbackRelease& c) {
  // COM.CALLBACK.CLIENT: the client drops its own reference; with none
  // left in the allocator the callback is destroyed now.
  CallbackState& cb = s_.callbacks[c.callback];
  cb.client_held = false;
  if (cb.Dead()) CallbackDestroyed(c.callback);
  return Succeed("COM.CALLBACK.CLIENT");
}

template <>
bool Engine::Apply(const call::CallbackHoldAllocator& c) {
  // LIFE.CYCLE: the callback AddRefs the allocator and keeps it.
  ++s_.callbacks[c.callback].alloc_refs;
  return Succeed("LIFE.CYCLE");
}

template <>
bool Engine::Apply(const call::CallbackReleaseAllocator& c) {
  // LIFE.CYCLE: the callback gives one back.
  // Portable: dropping the last reference but the self-reference while
  // committed is not checked (as COM.ALLOC.RELEASE: Wine destroys the
  // allocator).
  if (portable_ && s_.ExternalRefs() == 1 && s_.state != AllocState::kDecommitted) return false;
  Rule(s_.TotalRefs() == 1 ? "LIFE.DESTROY" : "LIFE.CYCLE");
  --s_.callbacks[c.callback].alloc_refs;
  ReleaseAllocatorRef(RefOwner::kCallback);
  return true;
}

// --- the allocator's references on callbacks -----------------------------------

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

// --- dispatch (step_engine.h): after every specialization above ---------------

bool Engine::ApplyCallbackCall(const Call& call) {
  return ApplyGroups<OpGroup::kConfig, OpGroup::kCallback>(call);
}

}  // namespace dsalloc::spec::step_internal
