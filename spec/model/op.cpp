// spec/model/op.cpp: the vocabulary's tables (op.h, vocabulary.h) and the
// convenience constructors of ops.

#include "spec/model/op.h"

#include <array>
#include <charconv>
#include <cstring>
#include <utility>

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
  // In Iid's order (vocabulary.h).
  static const std::array<const IID*, kNumIids> kIids = {&IID_IUnknown,
                                                         &IID_IMemAllocator,
                                                         &IID_IMemAllocatorCallbackTemp,
                                                         &IID_IMemAllocatorNotifyCallbackTemp,
                                                         &IID_IMediaSample,
                                                         &IID_IMediaSample2,
                                                         &IID_IClassFactory,
                                                         &IID_IMemInputPin,
                                                         &kIidOther};
  return *kIids[static_cast<size_t>(iid) % kIids.size()];
}

std::string_view IidName(Iid iid) { return kIidNames[static_cast<int>(iid) % kNumIids]; }

const CLSID& ToCLSID(Clsid clsid) {
  return clsid == Clsid::kMemoryAllocator ? CLSID_MemoryAllocator : kClsidOther;
}

std::string_view ReactionName(Reaction r) {
  return kReactionNames[static_cast<int>(r) % kNumReactions];
}

namespace {
template <size_t... I>
constexpr std::array<Call (*)(), sizeof...(I)> MakeDefaults(std::index_sequence<I...>) {
  return {+[]() -> Call { return std::variant_alternative_t<I, Call>{}; }...};
}
constexpr auto kDefaults = MakeDefaults(std::make_index_sequence<kNumCalls>());
}  // namespace

Call DefaultCall(size_t index) { return kDefaults[index % kNumCalls](); }

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
