// spec/model/outcome.cpp: comparing and printing outcomes (outcome.h).

#include "outcome.h"

#include <cstdio>

namespace dsalloc::spec {
namespace {

// Appends each part in turn. Not `"literal" + std::to_string(...)`: g++ 12
// at -O3 inlines that into a memcpy it then (wrongly) reports with
// -Wrestrict.
template <typename... Parts>
void Append(std::string& s, const Parts&... parts) {
  (s += ... += parts);
}

}  // namespace

std::string ToString(const SampleHandle& h) {
  if (!h.valid()) return "NULL";
  std::string s;
  Append(s, "(", std::to_string(h.generation), ",", std::to_string(h.index), ")");
  return s;
}

void Outcome::Reset() {
  rule = {};
  hr = S_OK;
  blocked = false;
  written = 0;
  value = 0;
  any_value = false;
  props = {0, 0, 0, 0};
  sample = {};
  start = end = 0;
  media_type = -1;
  sample2 = {};
  bytes = 0;
  generation = 0;
  reallocated = false;
  pointer_align = 1;
  pointer = 0;
  notifications.clear();
  completions.clear();
}

bool Outcome::SameObservable(const Outcome& o) const {
  if (hr != o.hr || blocked != o.blocked || written != o.written) return false;
  if (notifications != o.notifications || completions != o.completions) {
    return false;
  }
  if ((written & kOutProps) &&
      (props.cBuffers != o.props.cBuffers || props.cbBuffer != o.props.cbBuffer ||
       props.cbAlign != o.props.cbAlign || props.cbPrefix != o.props.cbPrefix)) {
    return false;
  }
  if ((written & (kOutSample | kOutPointer)) && sample != o.sample) return false;
  if ((written & kOutStart) && start != o.start) return false;
  if ((written & kOutEnd) && end != o.end) return false;
  if ((written & kOutMediaType) && media_type != o.media_type) return false;
  if ((written & kOutSample2) && (sample2 != o.sample2 || bytes != o.bytes)) {
    return false;
  }
  if (!any_value && !o.any_value && value != o.value) return false;
  return true;  // generation, reallocated, pointer_align, pointer: annotations
}

std::string HresultName(HRESULT hr) {
  switch (hr) {
    case S_OK:
      return "S_OK";
    case S_FALSE:
      return "S_FALSE";
    case E_NOINTERFACE:
      return "E_NOINTERFACE";
    case E_POINTER:
      return "E_POINTER";
    case E_FAIL:
      return "E_FAIL";
    case E_OUTOFMEMORY:
      return "E_OUTOFMEMORY";
    case E_INVALIDARG:
      return "E_INVALIDARG";
    case CLASS_E_NOAGGREGATION:
      return "CLASS_E_NOAGGREGATION";
    case CLASS_E_CLASSNOTAVAILABLE:
      return "CLASS_E_CLASSNOTAVAILABLE";
    case VFW_E_BUFFER_NOTSET:
      return "VFW_E_BUFFER_NOTSET";
    case VFW_E_BUFFER_OVERFLOW:
      return "VFW_E_BUFFER_OVERFLOW";
    case VFW_E_BADALIGN:
      return "VFW_E_BADALIGN";
    case VFW_E_ALREADY_COMMITTED:
      return "VFW_E_ALREADY_COMMITTED";
    case VFW_E_BUFFERS_OUTSTANDING:
      return "VFW_E_BUFFERS_OUTSTANDING";
    case VFW_E_NOT_COMMITTED:
      return "VFW_E_NOT_COMMITTED";
    case VFW_E_SIZENOTSET:
      return "VFW_E_SIZENOTSET";
    case VFW_E_TIMEOUT:
      return "VFW_E_TIMEOUT";
    case VFW_E_SAMPLE_TIME_NOT_SET:
      return "VFW_E_SAMPLE_TIME_NOT_SET";
    case VFW_E_MEDIA_TIME_NOT_SET:
      return "VFW_E_MEDIA_TIME_NOT_SET";
    case VFW_S_NO_STOP_TIME:
      return "VFW_S_NO_STOP_TIME";
    default:
      break;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(hr));
  return buf;
}

std::string ToString(const Outcome& o) {
  std::string s = o.blocked ? "blocked" : "hr=" + HresultName(o.hr);
  if (o.value != 0) s += " value=" + std::to_string(o.value);
  if (o.written & kOutProps) {
    s += " props={" + std::to_string(o.props.cBuffers) + "," + std::to_string(o.props.cbBuffer) +
         "," + std::to_string(o.props.cbAlign) + "," + std::to_string(o.props.cbPrefix) + "}";
  }
  if (o.written & kOutSample) s += " sample=" + ToString(o.sample);
  if (o.written & kOutInterface) s += " ppv";
  if (o.written & kOutPointer) {
    s += " pointer=" + ToString(o.sample) + "/align" + std::to_string(o.pointer_align);
  }
  if (o.written & kOutStart) s += " start=" + std::to_string(o.start);
  if (o.written & kOutEnd) s += " end=" + std::to_string(o.end);
  if (o.written & kOutMediaType) s += " type=" + std::to_string(o.media_type);
  if (o.written & kOutCount) s += " count";
  if (o.written & kOutSample2) {
    const Sample2Image& im = o.sample2;
    s += " props2[" + std::to_string(o.bytes) + "B cbData=" + std::to_string(im.cbData) +
         " tsf=" + std::to_string(im.dwTypeSpecificFlags) +
         " flags=" + std::to_string(im.dwSampleFlags) + " actual=" + std::to_string(im.lActual) +
         " start=" + std::to_string(im.tStart) + " stop=" + std::to_string(im.tStop) +
         " stream=" + std::to_string(im.dwStreamId) + " type=" + std::to_string(im.media_type) +
         " size=" + std::to_string(im.cbBuffer) + "]";
  }
  if (o.generation != 0 || o.reallocated) {
    s += " gen=" + std::to_string(o.generation) + (o.reallocated ? "(new)" : "");
  }
  for (const Notification& n : o.notifications) {
    Append(s, " notify[cb", std::to_string(n.callback), " refs=", std::to_string(n.refs_at_entry),
           " depth=", std::to_string(n.depth));
    if (n.reaction != Reaction::kNone) {
      Append(s, " ", ReactionName(n.reaction), "->", HresultName(n.reaction_hr));
      if (n.reaction == Reaction::kGetFreeCount) {
        Append(s, " ", std::to_string(n.reaction_value));
      }
      if (n.reaction_sample.valid()) Append(s, " ", ToString(n.reaction_sample));
    }
    s += "]";
  }
  for (const Completion& c : o.completions) {
    Append(s, " wake[T", std::to_string(c.thread), " ", HresultName(c.hr), " ", ToString(c.sample),
           "]");
  }
  if (!o.rule.empty()) {
    s += " rule=";
    s += o.rule;
  }
  return s;
}

}  // namespace dsalloc::spec
