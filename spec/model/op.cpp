// spec/model/op.cpp: the vocabulary's tables (op.h, vocabulary.h) and, for
// now, the bridge between the Op's own fields and its typed call (calls.h).

#include "spec/model/op.h"

#include <charconv>
#include <cstring>

namespace dsalloc::spec {
namespace {

constexpr IID kIidOther = {
    0x0badf00d, 0x1234, 0x5678, {0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78}};
constexpr CLSID kClsidOther = {
    0x0badcafe, 0x4321, 0x8765, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};

// Media type table (op.h MakeMediaType).
BYTE kFormat2[8] = {1, 2, 3, 4, 5, 6, 7, 8};

}  // namespace

namespace fields {
void PutWord(std::string& out, std::string_view word) {
  out += ' ';
  out += word;
}
void PutNum(std::string& out, int64_t v) {
  out += ' ';
  out += std::to_string(v);
}
void PutHex(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  out += "0x";
  out.append(buf, r.ptr);
}
}  // namespace fields

const IID& ToIID(Iid iid) {
  switch (iid) {
    case Iid::kIUnknown:
      return IID_IUnknown;
    case Iid::kIMemAllocator:
      return IID_IMemAllocator;
    case Iid::kIMemAllocatorCallbackTemp:
      return IID_IMemAllocatorCallbackTemp;
    case Iid::kIMemAllocatorNotifyCallbackTemp:
      return IID_IMemAllocatorNotifyCallbackTemp;
    case Iid::kIMediaSample:
      return IID_IMediaSample;
    case Iid::kIMediaSample2:
      return IID_IMediaSample2;
    case Iid::kIClassFactory:
      return IID_IClassFactory;
    case Iid::kIMemInputPin:
      return IID_IMemInputPin;
    case Iid::kOther:
      return kIidOther;
  }
  return kIidOther;
}

std::string_view IidName(Iid iid) { return kIidNames[static_cast<int>(iid) % kNumIids]; }

const CLSID& ToCLSID(Clsid clsid) {
  return clsid == Clsid::kMemoryAllocator ? CLSID_MemoryAllocator : kClsidOther;
}

std::string_view ReactionName(Reaction r) {
  return kReactionNames[static_cast<int>(r) % kNumReactions];
}

std::string_view OpKindName(OpKind kind) {
  return kOpTable[static_cast<int>(kind) % kNumOpKinds].name;
}

Op MakeSetProperties(LONG c, LONG size, LONG align, LONG prefix) {
  Op op;
  op.kind = OpKind::kSetProperties;
  op.props = {c, size, align, prefix};
  return op;
}

Op MakeSimple(OpKind kind) {
  Op op;
  op.kind = kind;
  return op;
}

Op MakeGetBuffer(bool nowait, uint8_t thread) {
  Op op;
  op.kind = OpKind::kGetBuffer;
  op.flags = nowait ? AM_GBF_NOWAIT : 0;
  op.thread = thread;
  return op;
}

Op MakeSampleOp(OpKind kind, int32_t sample) {
  Op op;
  op.kind = kind;
  op.sample = sample;
  if (kind == OpKind::kSetMediaType) op.value = -1;
  return op;
}

Op MakeReleaseBuffer(int32_t sample) {
  Op op;
  op.kind = OpKind::kReleaseBuffer;
  op.sample = sample;
  return op;
}

Op MakeSetNotify(int8_t callback) {
  Op op;
  op.kind = OpKind::kSetNotify;
  op.callback = callback;
  return op;
}

Op MakeReaction(int8_t callback, Reaction r, int32_t arg, bool persistent) {
  Op op;
  op.kind = OpKind::kSetReaction;
  op.callback = callback;
  op.reaction = r;
  op.arg = arg;
  op.persistent = persistent;
  return op;
}

Op MakeCallbackOp(OpKind kind, int8_t callback) {
  Op op;
  op.kind = kind;
  op.callback = callback;
  return op;
}

bool operator==(const Op& a, const Op& b) {
  return a.kind == b.kind && a.thread == b.thread && a.null_ptr1 == b.null_ptr1 &&
         a.null_ptr2 == b.null_ptr2 && a.oom == b.oom && a.sample == b.sample &&
         a.props.cBuffers == b.props.cBuffers && a.props.cbBuffer == b.props.cbBuffer &&
         a.props.cbAlign == b.props.cbAlign && a.props.cbPrefix == b.props.cbPrefix &&
         a.flags == b.flags && a.times == b.times && a.buffer_arg == b.buffer_arg &&
         a.callback == b.callback && a.reaction == b.reaction && a.arg == b.arg &&
         a.persistent == b.persistent && a.iid == b.iid && a.clsid == b.clsid &&
         a.outer == b.outer && a.t0 == b.t0 && a.t1 == b.t1 && a.value == b.value && a.cb == b.cb &&
         a.image == b.image;
}

// --- the bridge (temporary): the Op's own fields <-> its typed call --------
// Until the Op holds its call, call() builds it from the fields each kind
// uses and MakeOp writes a call back into them; ToCall(MakeOp(c)) == c.

Call Op::call() const {
  const Op& op = *this;
  switch (op.kind) {
    case OpKind::kSetProperties:
      return call::SetProperties{op.props.cBuffers, op.props.cbBuffer, op.props.cbAlign,
                                 op.props.cbPrefix, op.null_ptr1,      op.null_ptr2};
    case OpKind::kGetProperties:
      return call::GetProperties{op.null_ptr1};
    case OpKind::kCommit:
      return call::Commit{};
    case OpKind::kDecommit:
      return call::Decommit{};
    case OpKind::kGetBuffer:
      return call::GetBuffer{op.null_ptr1, op.times, op.flags};
    case OpKind::kReleaseBuffer:
      return call::ReleaseBuffer{op.buffer_arg, op.sample};
    case OpKind::kSetNotify:
      return call::SetNotify{op.callback};
    case OpKind::kGetFreeCount:
      return call::GetFreeCount{op.null_ptr1};
    case OpKind::kAddRef:
      return call::AddRef{};
    case OpKind::kRelease:
      return call::Release{};
    case OpKind::kQueryInterface:
      return call::QueryInterface{op.iid, op.null_ptr1};
    case OpKind::kSetReaction:
      return call::SetReaction{op.callback, op.reaction, op.arg, op.persistent};
    case OpKind::kSampleAddRef:
      return call::SampleAddRef{op.sample};
    case OpKind::kSampleRelease:
      return call::SampleRelease{op.sample};
    case OpKind::kSampleQueryInterface:
      return call::SampleQueryInterface{op.sample, op.iid, op.null_ptr1};
    case OpKind::kGetPointer:
      return call::GetPointer{op.sample, op.null_ptr1};
    case OpKind::kGetSize:
      return call::GetSize{op.sample};
    case OpKind::kGetTime:
      return call::GetTime{op.sample, op.null_ptr1, op.null_ptr2};
    case OpKind::kSetTime:
      return call::SetTime{op.sample, op.null_ptr1, op.null_ptr2, op.t0, op.t1};
    case OpKind::kIsSyncPoint:
      return call::IsSyncPoint{op.sample};
    case OpKind::kSetSyncPoint:
      return call::SetSyncPoint{op.sample, op.value};
    case OpKind::kIsPreroll:
      return call::IsPreroll{op.sample};
    case OpKind::kSetPreroll:
      return call::SetPreroll{op.sample, op.value};
    case OpKind::kIsDiscontinuity:
      return call::IsDiscontinuity{op.sample};
    case OpKind::kSetDiscontinuity:
      return call::SetDiscontinuity{op.sample, op.value};
    case OpKind::kGetActualDataLength:
      return call::GetActualDataLength{op.sample};
    case OpKind::kSetActualDataLength:
      return call::SetActualDataLength{op.sample, op.value};
    case OpKind::kGetMediaType:
      return call::GetMediaType{op.sample, op.null_ptr1};
    case OpKind::kSetMediaType:
      return call::SetMediaType{op.sample, op.value};
    case OpKind::kGetMediaTime:
      return call::GetMediaTime{op.sample, op.null_ptr1, op.null_ptr2};
    case OpKind::kSetMediaTime:
      return call::SetMediaTime{op.sample, op.null_ptr1, op.null_ptr2, op.t0, op.t1};
    case OpKind::kGetProperties2:
      return call::GetProperties2{op.sample, op.cb, op.null_ptr1};
    case OpKind::kSetProperties2:
      return call::SetProperties2{op.sample, op.cb, op.image, op.null_ptr1};
    case OpKind::kDllGetClassObject:
      return call::DllGetClassObject{op.clsid, op.iid, op.null_ptr1};
    case OpKind::kCreateInstance:
      return call::CreateInstance{op.outer, op.iid, op.null_ptr1};
    case OpKind::kLockServer:
      return call::LockServer{op.value};
    case OpKind::kDllCanUnloadNow:
      return call::DllCanUnloadNow{};
    case OpKind::kRepeat:
      return call::Repeat{op.value};
    case OpKind::kRepeatEnd:
      return call::RepeatEnd{};
    case OpKind::kCallbackRelease:
      return call::CallbackRelease{op.callback};
    case OpKind::kCallbackHoldAllocator:
      return call::CallbackHoldAllocator{op.callback};
    case OpKind::kCallbackReleaseAllocator:
      return call::CallbackReleaseAllocator{op.callback};
  }
  return call::Commit{};
}

Op MakeOp(const Call& c, uint8_t thread, bool oom) {
  Op op;
  op.kind = KindOf(c);
  op.thread = thread;
  op.oom = oom;
  std::visit(Overloaded{
                 [&](const call::SetProperties& x) {
                   op.props = x.Request();
                   op.null_ptr1 = x.null_pRequest;
                   op.null_ptr2 = x.null_pActual;
                 },
                 [&](const call::GetProperties& x) { op.null_ptr1 = x.null_pProps; },
                 [&](const call::GetBuffer& x) {
                   op.null_ptr1 = x.null_ppBuffer;
                   op.times = x.times;
                   op.flags = x.dwFlags;
                 },
                 [&](const call::ReleaseBuffer& x) {
                   op.buffer_arg = x.pBuffer;
                   op.sample = x.sample;
                 },
                 [&](const call::SetNotify& x) { op.callback = x.callback; },
                 [&](const call::GetFreeCount& x) { op.null_ptr1 = x.null_plBuffersFree; },
                 [&](const call::QueryInterface& x) {
                   op.iid = x.riid;
                   op.null_ptr1 = x.null_ppv;
                 },
                 [&](const call::SetReaction& x) {
                   op.callback = x.callback;
                   op.reaction = x.reaction;
                   op.arg = x.arg;
                   op.persistent = x.persistent;
                 },
                 [&](const call::SampleQueryInterface& x) {
                   op.sample = x.sample;
                   op.iid = x.riid;
                   op.null_ptr1 = x.null_ppv;
                 },
                 [&](const call::GetPointer& x) {
                   op.sample = x.sample;
                   op.null_ptr1 = x.null_ppBuffer;
                 },
                 [&](const call::GetTime& x) {
                   op.sample = x.sample;
                   op.null_ptr1 = x.null_pTimeStart;
                   op.null_ptr2 = x.null_pTimeEnd;
                 },
                 [&](const call::SetTime& x) {
                   op.sample = x.sample;
                   op.null_ptr1 = x.null_pTimeStart;
                   op.null_ptr2 = x.null_pTimeEnd;
                   op.t0 = x.tStart;
                   op.t1 = x.tEnd;
                 },
                 [&](const call::SetSyncPoint& x) {
                   op.sample = x.sample;
                   op.value = x.bIsSyncPoint;
                 },
                 [&](const call::SetPreroll& x) {
                   op.sample = x.sample;
                   op.value = x.bIsPreroll;
                 },
                 [&](const call::SetDiscontinuity& x) {
                   op.sample = x.sample;
                   op.value = x.bDiscontinuity;
                 },
                 [&](const call::SetActualDataLength& x) {
                   op.sample = x.sample;
                   op.value = x.lLen;
                 },
                 [&](const call::GetMediaType& x) {
                   op.sample = x.sample;
                   op.null_ptr1 = x.null_ppMediaType;
                 },
                 [&](const call::SetMediaType& x) {
                   op.sample = x.sample;
                   op.value = x.media_type;
                 },
                 [&](const call::GetMediaTime& x) {
                   op.sample = x.sample;
                   op.null_ptr1 = x.null_pTimeStart;
                   op.null_ptr2 = x.null_pTimeEnd;
                 },
                 [&](const call::SetMediaTime& x) {
                   op.sample = x.sample;
                   op.null_ptr1 = x.null_pTimeStart;
                   op.null_ptr2 = x.null_pTimeEnd;
                   op.t0 = x.tStart;
                   op.t1 = x.tEnd;
                 },
                 [&](const call::GetProperties2& x) {
                   op.sample = x.sample;
                   op.cb = x.cbProperties;
                   op.null_ptr1 = x.null_pbProperties;
                 },
                 [&](const call::SetProperties2& x) {
                   op.sample = x.sample;
                   op.cb = x.cbProperties;
                   op.image = x.image;
                   op.null_ptr1 = x.null_pbProperties;
                 },
                 [&](const call::DllGetClassObject& x) {
                   op.clsid = x.rclsid;
                   op.iid = x.riid;
                   op.null_ptr1 = x.null_ppv;
                 },
                 [&](const call::CreateInstance& x) {
                   op.outer = x.outer;
                   op.iid = x.riid;
                   op.null_ptr1 = x.null_ppv;
                 },
                 [&](const call::LockServer& x) { op.value = x.fLock; },
                 [&](const call::Repeat& x) { op.value = x.count; },
                 [&]<SampleCall C>(const C& x) { op.sample = x.sample; },
                 [&]<CallbackCall C>(const C& x) { op.callback = x.callback; },
                 [](const auto&) {},  // no arguments
             },
             c);
  return op;
}

std::optional<std::vector<Op>> ParseTrace(std::string_view text, int* bad_line) {
  std::vector<Op> ops;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto op = ParseOp(line);
    if (!op) {
      if (bad_line) *bad_line = line_no;
      return std::nullopt;
    }
    ops.push_back(*op);
  }
  return ops;
}

AM_MEDIA_TYPE MakeMediaType(int id) {
  AM_MEDIA_TYPE mt;
  std::memset(&mt, 0, sizeof mt);
  // Distinct, recognisable GUIDs per id; no pUnk.
  mt.majortype = {0x73646976u + static_cast<uint32_t>(id),
                  0x0000,
                  0x0010,
                  {0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}};
  mt.subtype = {0x32595559u + static_cast<uint32_t>(id),
                0x0000,
                0x0010,
                {0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}};
  mt.bFixedSizeSamples = id == 0 ? TRUE : FALSE;
  mt.bTemporalCompression = id == 1 ? TRUE : FALSE;
  mt.lSampleSize = static_cast<ULONG>(1000 * (id + 1));
  mt.formattype = {0x05589f80u + static_cast<uint32_t>(id),
                   0xc356,
                   0x11ce,
                   {0xbf, 0x01, 0x00, 0xaa, 0x00, 0x55, 0x59, 0x5a}};
  mt.pUnk = nullptr;
  if (id == 2) {
    mt.cbFormat = sizeof kFormat2;
    mt.pbFormat = kFormat2;
  }
  return mt;
}

int MediaTypeId(const AM_MEDIA_TYPE* mt) {
  if (mt == nullptr) return -1;
  for (int id = 0; id < kNumMediaTypes; ++id) {
    AM_MEDIA_TYPE ref = MakeMediaType(id);
    if (std::memcmp(&ref.majortype, &mt->majortype, sizeof(GUID)) != 0 ||
        std::memcmp(&ref.subtype, &mt->subtype, sizeof(GUID)) != 0 ||
        std::memcmp(&ref.formattype, &mt->formattype, sizeof(GUID)) != 0 ||
        ref.bFixedSizeSamples != mt->bFixedSizeSamples ||
        ref.bTemporalCompression != mt->bTemporalCompression ||
        ref.lSampleSize != mt->lSampleSize || ref.pUnk != mt->pUnk ||
        ref.cbFormat != mt->cbFormat) {
      continue;
    }
    if (ref.cbFormat != 0 &&
        (mt->pbFormat == nullptr || std::memcmp(ref.pbFormat, mt->pbFormat, ref.cbFormat) != 0)) {
      continue;
    }
    return id;
  }
  return -2;
}

}  // namespace dsalloc::spec
