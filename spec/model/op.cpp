// spec/model/op.cpp: operation tables and the text trace format (op.h).

#include "op.h"

#include <charconv>
#include <cstring>
#include <type_traits>

namespace dsalloc::spec {
namespace {

constexpr IID kIidOther = {
    0x0badf00d, 0x1234, 0x5678, {0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78}};
constexpr CLSID kClsidOther = {
    0x0badcafe, 0x4321, 0x8765, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};

constexpr std::string_view kIidNames[kNumIids] = {"IUnknown",
                                                  "IMemAllocator",
                                                  "IMemAllocatorCallbackTemp",
                                                  "IMemAllocatorNotifyCallbackTemp",
                                                  "IMediaSample",
                                                  "IMediaSample2",
                                                  "IClassFactory",
                                                  "IMemInputPin",
                                                  "Other"};

constexpr std::string_view kReactionNames[kNumReactions] = {
    "None",          "GetFreeCount",  "GetBufferNoWait", "SetNotifyNull", "SetNotifyOther",
    "SetNotifySelf", "ReleaseSample", "Commit",          "Decommit"};

// The kind named `name` in a trace line: a sample op after "sample N", else
// an allocator or factory op (config ops have their own syntax).
std::optional<OpKind> FindOp(std::string_view name, bool sample) {
  for (const OpInfo& info : kOpTable) {
    bool in_scope = sample ? IsSampleOp(info.kind)
                           : info.group == OpGroup::kAllocator || info.group == OpGroup::kFactory;
    if (in_scope && info.name == name) return info.kind;
  }
  return std::nullopt;
}

// Media type table (op.h MakeMediaType).
BYTE kFormat2[8] = {1, 2, 3, 4, 5, 6, 7, 8};

// --- printing ---------------------------------------------------------------

void Put(std::string& out, std::string_view s) {
  out += ' ';
  out += s;
}
void PutNum(std::string& out, int64_t v) {
  out += ' ';
  out += std::to_string(v);
}
void PutHex(std::string& out, uint32_t v) {
  char buf[16];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  out += "0x";
  out.append(buf, r.ptr);
}
void PutOptNum(std::string& out, bool is_null, int64_t v) {
  if (is_null) {
    Put(out, "-");
  } else {
    PutNum(out, v);
  }
}

// --- parsing ------------------------------------------------------------------

class Tokens {
 public:
  explicit Tokens(std::string_view line) {
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) {
        ++i;
      }
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') {
        ++j;
      }
      if (j > i) toks_.push_back(line.substr(i, j - i));
      i = j;
    }
  }
  bool Done() const { return pos_ >= toks_.size(); }
  std::string_view Peek() const { return Done() ? "" : toks_[pos_]; }
  std::string_view Next() { return Done() ? "" : toks_[pos_++]; }
  bool Accept(std::string_view t) {
    if (!Done() && toks_[pos_] == t) {
      ++pos_;
      return true;
    }
    return false;
  }

 private:
  std::vector<std::string_view> toks_;
  size_t pos_ = 0;
};

template <typename T>
bool ParseInt(std::string_view s, T* out) {
  if (s.empty()) return false;
  int base = 10;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  // Two's complement wrap for the fixed-width target, as C casts do.
  uint64_t bits = neg ? (~v + 1) : v;
  *out = static_cast<T>(bits);
  // Reject values that do not round-trip through T (too wide).
  if (neg) {
    if (static_cast<int64_t>(*out) > 0 || v > (uint64_t{1} << 63)) return false;
    if constexpr (sizeof(T) < 8) {
      if (v > (uint64_t{1} << (8 * sizeof(T) - 1))) return false;
    }
  } else if constexpr (sizeof(T) < 8) {
    if (v > ((uint64_t{1} << (8 * sizeof(T))) - 1)) return false;
  }
  return true;
}

bool ParseNext(Tokens& t, int32_t* v) { return ParseInt(t.Next(), v); }
// LONG is `long` on Windows: the same width as int32_t, another type.
template <typename Long>
requires(std::is_same_v<Long, LONG> && !std::is_same_v<LONG, int32_t>) bool ParseNext(Tokens& t,
                                                                                      Long* v) {
  int32_t value = 0;
  if (!ParseNext(t, &value)) return false;
  *v = value;
  return true;
}

// "-" (NULL) or a number.
bool ParseOptTime(Tokens& t, bool* is_null, int64_t* v) {
  std::string_view s = t.Next();
  if (s == "-") {
    *is_null = true;
    *v = 0;
    return true;
  }
  *is_null = false;
  return ParseInt(s, v);
}

// "*" (valid) or "-" (NULL) out-pointer.
bool ParseOutPtr(Tokens& t, bool* is_null) {
  std::string_view s = t.Next();
  if (s == "*") {
    *is_null = false;
    return true;
  }
  if (s == "-") {
    *is_null = true;
    return true;
  }
  return false;
}

std::optional<Iid> ParseIid(std::string_view s) {
  for (int i = 0; i < kNumIids; ++i) {
    if (kIidNames[i] == s) return static_cast<Iid>(i);
  }
  return std::nullopt;
}

// Trailing flags common to many ops: "null", "oom".
bool ParseTail(Tokens& t, Op& op, bool allow_null) {
  while (!t.Done()) {
    if (allow_null && t.Accept("null")) {
      op.null_ptr1 = true;
    } else if (t.Accept("oom")) {
      op.oom = true;
    } else {
      return false;
    }
  }
  return true;
}

void PutTail(std::string& out, const Op& op, bool has_null) {
  if (has_null && op.null_ptr1) Put(out, "null");
  if (op.oom) Put(out, "oom");
}

std::optional<Op> ParseSampleOp(Tokens& t, Op op) {
  if (!ParseNext(t, &op.sample) || op.sample < 0) return std::nullopt;
  std::optional<OpKind> kind = FindOp(t.Next(), true);
  if (!kind) return std::nullopt;
  op.kind = *kind;
  bool ok = true;
  switch (op.kind) {
    case OpKind::kSampleQueryInterface: {
      auto iid = ParseIid(t.Next());
      if (!iid) return std::nullopt;
      op.iid = *iid;
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    }
    case OpKind::kGetPointer:
    case OpKind::kGetMediaType:
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    case OpKind::kGetTime:
    case OpKind::kGetMediaTime:
      ok = ParseOutPtr(t, &op.null_ptr1) && ParseOutPtr(t, &op.null_ptr2);
      break;
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime:
      ok = ParseOptTime(t, &op.null_ptr1, &op.t0) && ParseOptTime(t, &op.null_ptr2, &op.t1);
      break;
    case OpKind::kSetSyncPoint:
    case OpKind::kSetPreroll:
    case OpKind::kSetDiscontinuity:
    case OpKind::kSetActualDataLength:
      ok = ParseNext(t, &op.value);
      break;
    case OpKind::kSetMediaType: {
      std::string_view s = t.Next();
      if (s == "-") {
        op.value = -1;
      } else {
        ok = ParseInt(s, &op.value) && op.value >= 0;
      }
      op.oom = t.Accept("oom");
      break;
    }
    case OpKind::kGetProperties2:
      ok = ParseInt(t.Next(), &op.cb);
      if (ok) return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
      break;
    case OpKind::kSetProperties2: {
      ok = ParseInt(t.Next(), &op.cb);
      Sample2Image& im = op.image;
      auto field = [&](std::string_view key, auto* dst) {
        std::string_view s = t.Next();
        if (s.substr(0, key.size()) != key) return false;
        return ParseInt(s.substr(key.size()), dst);
      };
      ok = ok && field("cbData=", &im.cbData) && field("tsf=", &im.dwTypeSpecificFlags) &&
           field("flags=", &im.dwSampleFlags) && field("actual=", &im.lActual) &&
           field("start=", &im.tStart) && field("stop=", &im.tStop) &&
           field("stream=", &im.dwStreamId);
      if (!ok) return std::nullopt;
      std::string_view ty = t.Next();
      if (ty == "type=-") {
        im.media_type = -1;
      } else if (ty.substr(0, 5) == "type=") {
        if (!ParseInt(ty.substr(5), &im.media_type) || im.media_type < 0) {
          return std::nullopt;
        }
      } else {
        return std::nullopt;
      }
      std::string_view b = t.Next();
      if (b == "buffer=null") {
        im.pbBuffer = BufferPtr::kNull;
      } else if (b == "buffer=own") {
        im.pbBuffer = BufferPtr::kOwn;
      } else if (b == "buffer=other") {
        im.pbBuffer = BufferPtr::kOther;
      } else {
        return std::nullopt;
      }
      ok = field("size=", &im.cbBuffer);
      if (ok) return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
      break;
    }
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kGetSize:
    case OpKind::kIsSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kGetActualDataLength:
      break;  // no arguments
    // Not sample ops: FindOp(name, true) never returns these.
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
    case OpKind::kDllCanUnloadNow:
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      return std::nullopt;
  }
  if (!ok || !t.Done()) return std::nullopt;
  return op;
}

}  // namespace

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

std::string ToString(const Op& op) {
  std::string out;
  if (op.thread != 0) {
    out += '@';
    out += std::to_string(op.thread);
    out += ' ';
  }
  if (IsSampleOp(op.kind)) {
    out += "sample ";
    out += std::to_string(op.sample);
    Put(out, OpKindName(op.kind));
  } else if (GroupOf(op.kind) == OpGroup::kConfig) {
    out += "callback ";
    out += std::to_string(op.callback);
    Put(out, "react");
    Put(out, ReactionName(op.reaction));
    if (op.reaction == Reaction::kSetNotifyOther || op.reaction == Reaction::kReleaseSample) {
      PutNum(out, op.arg);
    }
    if (op.persistent) Put(out, "persistent");
    return out;
  } else if (GroupOf(op.kind) == OpGroup::kCallback) {
    out += "callback ";
    out += std::to_string(op.callback);
    Put(out, OpKindName(op.kind));
    return out;
  } else if (op.kind == OpKind::kRepeat) {
    out += "Repeat";
    PutNum(out, op.value);
    Put(out, "{");
    return out;
  } else {
    out += OpKindName(op.kind);
  }
  switch (op.kind) {
    case OpKind::kSetProperties:
      PutNum(out, op.props.cBuffers);
      PutNum(out, op.props.cbBuffer);
      PutNum(out, op.props.cbAlign);
      PutNum(out, op.props.cbPrefix);
      if (op.null_ptr1) Put(out, "nullrequest");
      if (op.null_ptr2) Put(out, "nullactual");
      break;
    case OpKind::kGetProperties:
    case OpKind::kGetFreeCount:
    case OpKind::kGetPointer:
    case OpKind::kGetMediaType:
      PutTail(out, op, true);
      break;
    case OpKind::kCommit:
      PutTail(out, op, false);
      break;
    case OpKind::kGetBuffer: {
      if (op.flags & AM_GBF_NOWAIT) Put(out, "nowait");
      DWORD rest = op.flags & ~static_cast<DWORD>(AM_GBF_NOWAIT);
      if (rest) {
        out += " flags=";
        PutHex(out, rest);
      }
      if (op.times) Put(out, "times");
      PutTail(out, op, true);
      break;
    }
    case OpKind::kReleaseBuffer:
      if (op.buffer_arg == BufferArg::kNull) {
        Put(out, "null");
      } else if (op.buffer_arg == BufferArg::kForeign) {
        Put(out, "foreign");
      } else {
        PutNum(out, op.sample);
      }
      break;
    case OpKind::kSetNotify:
      if (op.callback < 0) {
        Put(out, "null");
      } else {
        PutNum(out, op.callback);
      }
      break;
    case OpKind::kQueryInterface:
    case OpKind::kSampleQueryInterface:
      Put(out, IidName(op.iid));
      PutTail(out, op, true);
      break;
    case OpKind::kGetTime:
    case OpKind::kGetMediaTime:
      Put(out, op.null_ptr1 ? "-" : "*");
      Put(out, op.null_ptr2 ? "-" : "*");
      break;
    case OpKind::kSetTime:
    case OpKind::kSetMediaTime:
      PutOptNum(out, op.null_ptr1, op.t0);
      PutOptNum(out, op.null_ptr2, op.t1);
      break;
    case OpKind::kSetSyncPoint:
    case OpKind::kSetPreroll:
    case OpKind::kSetDiscontinuity:
    case OpKind::kSetActualDataLength:
    case OpKind::kLockServer:
      PutNum(out, op.value);
      break;
    case OpKind::kSetMediaType:
      PutOptNum(out, op.value < 0, op.value);
      PutTail(out, op, false);
      break;
    case OpKind::kGetProperties2:
      PutNum(out, op.cb);
      PutTail(out, op, true);
      break;
    case OpKind::kSetProperties2: {
      const Sample2Image& im = op.image;
      PutNum(out, op.cb);
      out += " cbData=" + std::to_string(im.cbData);
      out += " tsf=" + std::to_string(im.dwTypeSpecificFlags);
      out += " flags=";
      PutHex(out, im.dwSampleFlags);
      out += " actual=" + std::to_string(im.lActual);
      out += " start=" + std::to_string(im.tStart);
      out += " stop=" + std::to_string(im.tStop);
      out += " stream=" + std::to_string(im.dwStreamId);
      out += im.media_type < 0 ? std::string(" type=-") : " type=" + std::to_string(im.media_type);
      out += im.pbBuffer == BufferPtr::kNull  ? " buffer=null"
             : im.pbBuffer == BufferPtr::kOwn ? " buffer=own"
                                              : " buffer=other";
      out += " size=" + std::to_string(im.cbBuffer);
      PutTail(out, op, true);
      break;
    }
    case OpKind::kDllGetClassObject:
      Put(out, op.clsid == Clsid::kMemoryAllocator ? "MemoryAllocator" : "Other");
      Put(out, IidName(op.iid));
      PutTail(out, op, true);
      break;
    case OpKind::kCreateInstance:
      Put(out, IidName(op.iid));
      if (op.outer) Put(out, "outer");
      PutTail(out, op, true);
      break;
    case OpKind::kDecommit:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kSampleAddRef:
    case OpKind::kSampleRelease:
    case OpKind::kGetSize:
    case OpKind::kIsSyncPoint:
    case OpKind::kIsPreroll:
    case OpKind::kIsDiscontinuity:
    case OpKind::kGetActualDataLength:
    case OpKind::kDllCanUnloadNow:
      break;  // no arguments
    case OpKind::kSetReaction:
    case OpKind::kRepeat:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      break;  // printed above
    case OpKind::kRepeatEnd:
      break;  // the name alone: "}"
  }
  return out;
}

std::optional<Op> ParseOp(std::string_view line) {
  Tokens t(line);
  Op op;
  if (!t.Peek().empty() && t.Peek()[0] == '@') {
    int32_t th = 0;
    if (!ParseInt(t.Next().substr(1), &th) || th <= 0 || th >= kMaxThreads) {
      return std::nullopt;
    }
    op.thread = static_cast<uint8_t>(th);
  }
  std::string_view head = t.Next();
  if (head == "sample") return ParseSampleOp(t, op);
  if (head == "Repeat" || head == "}") {
    if (head == "Repeat") {
      op.kind = OpKind::kRepeat;
      if (!ParseNext(t, &op.value) || op.value < 1 || op.value > kMaxRepeat) return std::nullopt;
      if (!t.Accept("{")) return std::nullopt;
    } else {
      op.kind = OpKind::kRepeatEnd;
    }
    if (!t.Done()) return std::nullopt;
    return op;
  }
  if (head == "callback") {
    int32_t cb = 0;
    if (!ParseNext(t, &cb) || cb < 0 || cb >= kNumCallbacks) return std::nullopt;
    op.callback = static_cast<int8_t>(cb);
    if (!t.Accept("react")) {
      // COM.CALLBACK.CLIENT, LIFE.CYCLE: "callback N Release" ...
      std::string_view name = t.Next();
      for (const OpInfo& info : kOpTable) {
        if (info.group == OpGroup::kCallback && info.name == name) {
          op.kind = info.kind;
          return t.Done() ? std::optional<Op>(op) : std::nullopt;
        }
      }
      return std::nullopt;
    }
    op.kind = OpKind::kSetReaction;
    std::string_view r = t.Next();
    int found = -1;
    for (int i = 0; i < kNumReactions; ++i) {
      if (kReactionNames[i] == r) found = i;
    }
    if (found < 0) return std::nullopt;
    op.reaction = static_cast<Reaction>(found);
    if (op.reaction == Reaction::kSetNotifyOther || op.reaction == Reaction::kReleaseSample) {
      if (!ParseNext(t, &op.arg)) return std::nullopt;
    }
    op.persistent = t.Accept("persistent");
    if (!t.Done()) return std::nullopt;
    return op;
  }
  std::optional<OpKind> kind = FindOp(head, false);
  if (!kind) return std::nullopt;
  op.kind = *kind;
  switch (op.kind) {
    case OpKind::kSetProperties: {
      if (!ParseNext(t, &op.props.cBuffers) || !ParseNext(t, &op.props.cbBuffer) ||
          !ParseNext(t, &op.props.cbAlign) || !ParseNext(t, &op.props.cbPrefix)) {
        return std::nullopt;
      }
      op.null_ptr1 = t.Accept("nullrequest");
      op.null_ptr2 = t.Accept("nullactual");
      break;
    }
    case OpKind::kGetProperties:
    case OpKind::kGetFreeCount:
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    case OpKind::kCommit:
      return ParseTail(t, op, false) ? std::optional<Op>(op) : std::nullopt;
    case OpKind::kGetBuffer: {
      if (t.Accept("nowait")) op.flags |= AM_GBF_NOWAIT;
      std::string_view f = t.Peek();
      if (f.substr(0, 6) == "flags=") {
        t.Next();
        DWORD rest = 0;
        if (!ParseInt(f.substr(6), &rest) || rest == 0 || (rest & AM_GBF_NOWAIT)) {
          return std::nullopt;
        }
        op.flags |= rest;
      }
      op.times = t.Accept("times");
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    }
    case OpKind::kReleaseBuffer: {
      std::string_view s = t.Next();
      if (s == "null") {
        op.buffer_arg = BufferArg::kNull;
      } else if (s == "foreign") {
        op.buffer_arg = BufferArg::kForeign;
      } else if (!ParseInt(s, &op.sample) || op.sample < 0) {
        return std::nullopt;
      }
      break;
    }
    case OpKind::kSetNotify: {
      std::string_view s = t.Next();
      int32_t cb = 0;
      if (s == "null") {
        op.callback = -1;
      } else if (ParseInt(s, &cb) && cb >= 0 && cb < kNumCallbacks) {
        op.callback = static_cast<int8_t>(cb);
      } else {
        return std::nullopt;
      }
      break;
    }
    case OpKind::kQueryInterface: {
      auto iid = ParseIid(t.Next());
      if (!iid) return std::nullopt;
      op.iid = *iid;
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    }
    case OpKind::kDllGetClassObject: {
      std::string_view c = t.Next();
      if (c == "MemoryAllocator") {
        op.clsid = Clsid::kMemoryAllocator;
      } else if (c == "Other") {
        op.clsid = Clsid::kOther;
      } else {
        return std::nullopt;
      }
      auto iid = ParseIid(t.Next());
      if (!iid) return std::nullopt;
      op.iid = *iid;
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    }
    case OpKind::kCreateInstance: {
      auto iid = ParseIid(t.Next());
      if (!iid) return std::nullopt;
      op.iid = *iid;
      op.outer = t.Accept("outer");
      return ParseTail(t, op, true) ? std::optional<Op>(op) : std::nullopt;
    }
    case OpKind::kLockServer:
      if (!ParseNext(t, &op.value)) return std::nullopt;
      break;
    case OpKind::kDecommit:
    case OpKind::kAddRef:
    case OpKind::kRelease:
    case OpKind::kDllCanUnloadNow:
      break;  // no arguments
    // Not allocator or factory ops: FindOp(head, false) never returns these.
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
    case OpKind::kRepeat:
    case OpKind::kRepeatEnd:
    case OpKind::kCallbackRelease:
    case OpKind::kCallbackHoldAllocator:
    case OpKind::kCallbackReleaseAllocator:
      return std::nullopt;
  }
  if (!t.Done()) return std::nullopt;
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
