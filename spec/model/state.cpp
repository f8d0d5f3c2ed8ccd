// spec/model/state.cpp: State helpers — free count, hashing, invariants.

#include "state.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace dsalloc::spec {
namespace {

// FNV-1a over raw field bytes; every field is a plain integer or bool.
struct Hasher {
  uint64_t h = 1469598103934665603ull;
  template <typename T>
  void Add(const T& v) {
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));
    for (unsigned char b : bytes) {
      h ^= b;
      h *= 1099511628211ull;
    }
  }
};

}  // namespace

State Initial() { return State{}; }  // LIFE.CREATE: refs 1, props 0, D

bool State::IsFree(int index) const {
  return std::find(free_list.begin(), free_list.end(), index) != free_list.end();
}

int State::FreeCount() const {
  // ALLOC.FREECOUNT: cBuffers - allocated + free, in 32-bit two's
  // complement: a stored cBuffers near INT_MIN with samples out wraps.
  const uint32_t wrapped = static_cast<uint32_t>(props.cBuffers) -
                           static_cast<uint32_t>(samples.size()) +
                           static_cast<uint32_t>(free_list.size());
  return static_cast<int>(wrapped);
}

size_t State::Hash() const {
  Hasher h;
  h.Add(props.cBuffers);
  h.Add(props.cbBuffer);
  h.Add(props.cbAlign);
  h.Add(props.cbPrefix);
  h.Add(state);
  h.Add(changed);
  h.Add(client_refs);
  h.Add(self_refs);
  h.Add(destroyed);
  h.Add(generation);
  h.Add(samples.size());
  for (const SampleState& x : samples) {
    h.Add(x.refs);
    h.Add(x.flags);
    h.Add(x.media_time_valid);
    h.Add(x.type_flags);
    h.Add(x.stream_id);
    h.Add(x.actual);
    h.Add(x.media_type);
    h.Add(x.t_start);
    h.Add(x.t_stop);
    h.Add(x.mt_start);
    h.Add(x.mt_stop);
    h.Add(x.used);
  }
  h.Add(free_list.size());
  for (uint16_t i : free_list) h.Add(i);
  h.Add(callback);
  for (const CallbackState& c : callbacks) {
    h.Add(c.refs);
    h.Add(c.client_held);
    h.Add(c.alloc_refs);
    h.Add(c.notified);
    h.Add(c.reaction);
    h.Add(c.arg);
    h.Add(c.persistent);
  }
  h.Add(waiters.size());
  for (uint8_t w : waiters) h.Add(w);
  for (uint8_t t : traits) h.Add(t);
  h.Add(server_locks);
  return static_cast<size_t>(h.h);
}

bool operator==(const State& a, const State& b) {
  return a.props.cBuffers == b.props.cBuffers && a.props.cbBuffer == b.props.cbBuffer &&
         a.props.cbAlign == b.props.cbAlign && a.props.cbPrefix == b.props.cbPrefix &&
         a.state == b.state && a.changed == b.changed && a.client_refs == b.client_refs &&
         a.self_refs == b.self_refs && a.destroyed == b.destroyed && a.generation == b.generation &&
         a.samples == b.samples && a.free_list == b.free_list && a.callback == b.callback &&
         a.callbacks == b.callbacks && a.waiters == b.waiters && a.traits == b.traits &&
         a.server_locks == b.server_locks;
}

std::string State::CheckInvariants() const {
  std::vector<bool> seen(samples.size(), false);
  for (uint16_t i : free_list) {
    if (i >= samples.size()) return "free list names a sample that does not exist";
    if (seen[i]) return "a sample is on the free list twice";
    seen[i] = true;
    if (samples[i].refs != 0) return "a free sample has references";
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    if (!seen[i] && samples[i].refs == 0) return "a sample is neither free nor held";
  }
  if (state == AllocState::kDecommitted && free_list.size() != samples.size()) {
    return "decommitted with samples outstanding";
  }
  if (state == AllocState::kPending && free_list.size() == samples.size()) {
    return "decommit pending with every sample free";
  }
  if (!waiters.empty() && (state != AllocState::kCommitted || !free_list.empty())) {
    return "a waiter is blocked while a sample is free or not committed";
  }
  if (self_refs != (state != AllocState::kDecommitted ? 1u : 0u)) {
    return "self-reference does not match the state";
  }
  if (destroyed != (TotalRefs() == 0)) return "destroyed does not match refs";
  if (static_cast<int>(samples.size()) > kMaxModelSamples) return "too many samples";
  if (callback >= 0 && callbacks[callback].refs == 0) {
    return "installed callback holds no reference";
  }
  for (const CallbackState& c : callbacks) {
    if (c.Dead() && c.alloc_refs != 0) return "a destroyed callback still holds the allocator";
  }
  return {};
}

std::string ToString(const State& s) {
  static constexpr const char* kStates[] = {"D", "C", "P"};
  std::string out = "state=";
  out += kStates[static_cast<int>(s.state)];
  out += " props={" + std::to_string(s.props.cBuffers) + "," + std::to_string(s.props.cbBuffer) +
         "," + std::to_string(s.props.cbAlign) + "," + std::to_string(s.props.cbPrefix) + "}";
  out += s.changed ? " changed" : "";
  out += " refs=" + std::to_string(s.client_refs) + (s.self_refs ? "+self" : "");
  out += s.destroyed ? " DESTROYED" : "";
  out += " gen=" + std::to_string(s.generation) + " free=[";
  for (size_t i = 0; i < s.free_list.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(s.free_list[i]);
  }
  out += "] callback=" + std::to_string(s.callback) + " waiters=[";
  for (size_t i = 0; i < s.waiters.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(s.waiters[i]);
  }
  out += "]";
  if (s.server_locks != 0) out += " server_locks=" + std::to_string(s.server_locks);
  out += "\n";
  for (size_t i = 0; i < s.samples.size(); ++i) {
    const SampleState& x = s.samples[i];
    out += "  sample " + std::to_string(i) + ": refs=" + std::to_string(x.refs) +
           " flags=" + std::to_string(x.flags) + (x.media_time_valid ? " mt" : "") +
           " tsf=" + std::to_string(x.type_flags) + " stream=" + std::to_string(x.stream_id) +
           " actual=" + std::to_string(x.actual) + " type=" + std::to_string(x.media_type) +
           " t=" + std::to_string(x.t_start) + ".." + std::to_string(x.t_stop) +
           " mt=" + std::to_string(x.mt_start) + ".." + std::to_string(x.mt_stop) + "\n";
  }
  for (int c = 0; c < kNumCallbacks; ++c) {
    const CallbackState& cb = s.callbacks[c];
    out += "  callback " + std::to_string(c) + ": refs=" + std::to_string(cb.refs) +
           (cb.client_held ? "+client" : (cb.Dead() ? " DEAD" : "")) +
           (cb.alloc_refs != 0 ? " holds_allocator=" + std::to_string(cb.alloc_refs) : "") +
           " notified=" + std::to_string(cb.notified) +
           " react=" + std::string(ReactionName(cb.reaction)) + " " + std::to_string(cb.arg) +
           (cb.persistent ? " persistent" : "") + "\n";
  }
  return out;
}

}  // namespace dsalloc::spec
