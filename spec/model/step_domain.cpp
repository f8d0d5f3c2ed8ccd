// spec/model/step_domain.cpp: the profile-independent part of the model's
// domain (step.h "Domain"): what a driver must not issue, whatever the
// profile. The profile's own part is the engine's (an Apply returning false).

#include <algorithm>

#include "spec/model/step_engine.h"

namespace dsalloc::spec::step_internal {
namespace {

// A sample of the current generation that a client holds.
bool HeldSample(const State& s, int32_t sample) {
  return sample >= 0 && sample < static_cast<int32_t>(s.samples.size()) &&
         s.samples[sample].refs > 0;
}

bool IsCallback(int32_t cb) { return cb >= 0 && cb < kNumCallbacks; }

}  // namespace

bool Structural(const State& s, const Call& call, uint8_t thread) {
  if (thread >= kMaxThreads) return false;
  const OpGroup group = GroupOf(call);
  if (std::find(s.waiters.begin(), s.waiters.end(), thread) != s.waiters.end()) {
    return false;  // a blocked thread makes no calls
  }
  if (group == OpGroup::kAllocator && (s.destroyed || s.client_refs == 0)) return false;
  return std::visit(
      Overloaded{
          [&](const call::ReleaseBuffer& c) {
            return c.pBuffer != BufferArg::kSample ||
                   (c.sample >= 0 && c.sample < static_cast<int32_t>(s.samples.size()));
          },
          [&](const call::SetNotify& c) {
            // COM.CALLBACK.CLIENT: the client passes a callback it holds, or
            // the installed one after dropping its own reference (a borrowed
            // pointer the allocator's reference keeps alive:
            // ALLOC.SETNOTIFY.SAME).
            if (c.callback < -1 || c.callback >= kNumCallbacks) return false;
            return c.callback < 0 || s.callbacks[c.callback].client_held ||
                   s.callback == c.callback;
          },
          [&](const call::SetReaction& c) {
            // Configuring a callback the client still holds; a SetNotifyOther
            // target must be held too (CallbackReleaseAllocator below keeps it
            // so).
            if (!IsCallback(c.callback) || !s.callbacks[c.callback].client_held) return false;
            if (c.reaction == Reaction::kSetNotifyOther) {
              return IsCallback(c.arg) && s.callbacks[c.arg].client_held;
            }
            return true;
          },
          [&](const call::CallbackRelease& c) {
            // COM.CALLBACK.CLIENT: the client's one reference, once; never
            // while a reaction still means to pass this callback to SetNotify.
            if (!IsCallback(c.callback) || !s.callbacks[c.callback].client_held) return false;
            for (const CallbackState& other : s.callbacks) {
              if (other.reaction == Reaction::kSetNotifyOther && other.arg == c.callback) {
                return false;
              }
            }
            return true;
          },
          [&](const call::CallbackHoldAllocator& c) {
            // LIFE.CYCLE: a live callback, given the allocator by a client
            // that holds it.
            if (!IsCallback(c.callback)) return false;
            return !s.callbacks[c.callback].Dead() && !s.destroyed && s.client_refs > 0;
          },
          [&](const call::CallbackReleaseAllocator& c) {
            if (!IsCallback(c.callback)) return false;
            return s.callbacks[c.callback].alloc_refs > 0 && !s.destroyed;
          },
          [&](const call::SetMediaType& c) {
            return HeldSample(s, c.sample) && c.media_type >= -1 && c.media_type < kNumMediaTypes;
          },
          [&](const call::SetProperties2& c) {
            return HeldSample(s, c.sample) && c.image.media_type >= -1 &&
                   c.image.media_type < kNumMediaTypes;
          },
          [&]<SampleCall C>(const C& c) { return HeldSample(s, c.sample); },
          // Every other call: the checks above are all its domain asks.
          [](const auto&) { return true; },
      },
      call);
}

}  // namespace dsalloc::spec::step_internal
