// spec/model/model_test.cpp: tests of the executable model itself — each
// rule family on the strict profile, the native facts of SEMANTICS §5
// replayed on the model, the portable alternatives, the trace format, and a
// small benchmark (ns per strict Step).
//
// These tags do not count for traceability (only tests/, props/, fuzz/ do).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <unordered_set>
#include <utility>
#include <variant>

#include "op.h"
#include "outcome.h"
#include "state.h"
#include "step.h"
#include "trace.h"

namespace dsalloc::spec {
namespace {

// Drives the model one trace line at a time, checking the strict profile
// gives exactly one outcome and the invariants hold after every step.
class Sim {
 public:
  explicit Sim(Profile p = Profile::kStrict) : profile_(p) {}

  Outcome Do(std::string_view line) {
    auto op = ParseOp(line);
    EXPECT_TRUE(op.has_value()) << "bad trace line: " << line;
    if (!op) return Outcome{};
    return Do(*op);
  }

  Outcome Do(const Op& op) {
    Transitions t = Step(s, op, profile_);
    EXPECT_EQ(t.size(), 1u) << ToString(op) << "\n" << ToString(s);
    if (t.empty()) return Outcome{};
    s = t[0].next;
    EXPECT_EQ(s.CheckInvariants(), "") << ToString(op) << "\n" << ToString(s);
    return t[0].outcome;
  }

  bool Allowed(std::string_view line) const { return InDomain(s, *ParseOp(line), profile_); }

  State s = Initial();

 private:
  Profile profile_;
};

// Sets up an allocator with `n` buffers of 64 bytes, committed.
Sim Committed(int n) {
  Sim m;
  m.Do("SetProperties " + std::to_string(n) + " 64 1 0");
  m.Do("Commit");
  return m;
}

// --- trace format ----------------------------------------------------------------

TEST(TraceFormat, RoundTripsExamples) {
  const char* lines[] = {
      "SetProperties 2 4096 16 0",
      "SetProperties -1 -2147483648 0 7 nullrequest nullactual",
      "GetProperties",
      "GetProperties null",
      "Commit",
      "Commit oom",
      "Decommit",
      "GetBuffer",
      "GetBuffer nowait",
      "@3 GetBuffer flags=0x3 times",
      "GetBuffer nowait flags=0xfffffffb null",
      "ReleaseBuffer 1",
      "ReleaseBuffer null",
      "ReleaseBuffer foreign",
      "SetNotify 2",
      "SetNotify null",
      "GetFreeCount",
      "GetFreeCount null",
      "AddRef",
      "Release",
      "QueryInterface IMemAllocatorCallbackTemp",
      "QueryInterface Other null",
      "callback 1 react GetBufferNoWait persistent",
      "callback 0 react SetNotifyOther 2",
      "callback 2 react ReleaseSample 1",
      "callback 2 react None",
      "callback 1 Release",
      "callback 0 HoldAllocator",
      "callback 2 ReleaseAllocator",
      "sample 1 AddRef",
      "sample 0 Release",
      "sample 1 QueryInterface IMediaSample2",
      "sample 1 QueryInterface IUnknown null",
      "sample 1 GetPointer",
      "sample 1 GetPointer null",
      "sample 1 GetSize",
      "sample 1 GetTime * *",
      "sample 1 GetTime - *",
      "sample 1 SetTime 100 -",
      "sample 1 SetTime - -",
      "sample 1 SetTime -5 9223372036854775807",
      "sample 1 SetTime - 3",
      "sample 1 IsSyncPoint",
      "sample 1 SetSyncPoint 1",
      "sample 1 SetPreroll 0",
      "sample 1 IsDiscontinuity",
      "sample 1 GetActualDataLength",
      "sample 1 SetActualDataLength -17",
      "sample 1 GetMediaType",
      "sample 1 GetMediaType null oom",
      "sample 1 SetMediaType 2",
      "sample 1 SetMediaType -",
      "sample 1 SetMediaType 1 oom",
      "sample 1 GetMediaTime * -",
      "sample 1 SetMediaTime 5 -9223372036854775808",
      "sample 1 GetProperties2 64",
      "sample 1 GetProperties2 0 null",
      ("sample 1 SetProperties2 64 cbData=64 tsf=0 flags=0x11 actual=5 start=1 stop=2 "
       "stream=0 type=- buffer=own size=0"),
      ("sample 0 SetProperties2 3 cbData=4294967295 tsf=7 flags=0x0 actual=-1 start=0 "
       "stop=0 stream=1 type=2 buffer=other size=-5 null oom"),
      "DllGetClassObject MemoryAllocator IClassFactory",
      "LockServer 1",
      "LockServer 0",
      "DllGetClassObject Other IUnknown null",
      "CreateInstance IMemAllocator outer",
      "CreateInstance IMediaSample null",
      "DllCanUnloadNow",
  };
  for (const char* line : lines) {
    auto op = ParseOp(line);
    ASSERT_TRUE(op.has_value()) << line;
    EXPECT_EQ(ToString(*op), line);
    EXPECT_EQ(ParseOp(ToString(*op)), op) << line;
  }
}

TEST(TraceFormat, RejectsMalformedLines) {
  const char* bad[] = {"",
                       "Bogus",
                       "SetProperties 1 2 3",
                       "SetProperties 1 2 3 x",
                       "GetBuffer later",
                       "ReleaseBuffer",
                       "SetNotify 3",
                       "callback 3 react None",
                       "callback 0 react Dance",
                       "sample x GetSize",
                       "sample 1 Fly",
                       "sample 1 SetTime",
                       "sample 1 GetTime * ?",
                       "@0 Commit",
                       "@9 Commit",
                       "Commit extra",
                       "sample 1 SetActualDataLength 4294967296",
                       "QueryInterface IFoo",
                       "Repeat 0 {",
                       "Repeat 100001 {",
                       "Repeat 5",
                       "Repeat {",
                       "Repeat 5 { oom",
                       "@1 Repeat 5 {",
                       "@1 }",
                       "} }"};
  for (const char* line : bad) EXPECT_FALSE(ParseLine(line).has_value()) << line;
}

// A Repeat block's bounds are lines of a trace, not ops (trace.h).
TEST(TraceFormat, RepeatBoundsAreTraceLinesNotOps) {
  for (const char* line : {"Repeat 1 {", "Repeat 100000 {", "}"}) {
    std::optional<TraceLine> parsed = ParseLine(line);
    ASSERT_TRUE(parsed.has_value()) << line;
    EXPECT_FALSE(std::holds_alternative<Op>(*parsed)) << line;
    EXPECT_EQ(ToString(*parsed), line);
    EXPECT_FALSE(ParseOp(line).has_value()) << line;
  }
  EXPECT_EQ(ParseLine("  Repeat   7  {  "), TraceLine(RepeatOpen{7}));
  // A bound is tried first: a call written without a head ("sample N",
  // "callback N") must not take either name.
  for (const CallInfo& c : kCalls) {
    if (c.group != OpGroup::kAllocator && c.group != OpGroup::kFactory) continue;
    EXPECT_NE(c.name, RepeatOpen::kName);
    EXPECT_NE(c.name, RepeatClose::kName);
  }
  int bad = 0;
  std::optional<Trace> trace = ParseTrace("Repeat 3 {\nCommit\n}\n", &bad);
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(*trace, (Trace{RepeatOpen{3}, MakeOp(call::Commit{}), RepeatClose{}}));
  EXPECT_FALSE(ParseOps("Commit\nRepeat 3 {\n", &bad).has_value());
  EXPECT_EQ(bad, 2);
}

TEST(TraceFormat, ParsesTracesWithComments) {
  int bad = 0;
  auto ops = ParseOps("# setup\nSetProperties 1 8 1 0\n\nCommit  # go\nGetBuffer\n", &bad);
  ASSERT_TRUE(ops.has_value());
  EXPECT_EQ(ops->size(), 3u);
  EXPECT_FALSE(ParseTrace("Commit\nNope\n", &bad).has_value());
  EXPECT_EQ(bad, 2);
}

// kCalls (calls.h): a trace name means one call within its syntax (after
// "sample N", "callback N", or at the head of a line), and each call, with
// its default arguments, prints its name and parses back to itself.
TEST(Calls, NamesAreUniqueWithinTheirSyntax) {
  auto head = [](OpGroup g) {
    return g == OpGroup::kSample || g == OpGroup::kSample2    ? 1
           : g == OpGroup::kCallback || g == OpGroup::kConfig ? 2
                                                              : 0;
  };
  for (size_t i = 0; i < kNumCalls; ++i) {
    const CallInfo& a = kCalls[i];
    for (size_t j = 0; j < kNumCalls; ++j) {
      if (i != j && a.name == kCalls[j].name) {
        EXPECT_NE(head(a.group), head(kCalls[j].group)) << a.name;
      }
    }
    Op op = MakeOp(DefaultCall(i));
    EXPECT_EQ(GroupOf(op.call), a.group);
    EXPECT_EQ(IsSampleCall(op.call), head(a.group) == 1);
    EXPECT_NE(ToString(op).find(a.name), std::string::npos) << ToString(op);
    auto back = ParseOp(ToString(op));
    ASSERT_TRUE(back.has_value()) << ToString(op);
    EXPECT_EQ(*back, op) << ToString(op);
  }
}

// A random call of a random type: the object it is called on, then the
// arguments whose range the trace syntax exercises (the others keep their
// defaults, which are valid arguments).
Call RandomCall(std::mt19937& rng) {
  constexpr size_t kTypes = std::variant_size_v<Call>;
  Call c = DefaultCall(rng() % kTypes);
  auto times = [&](auto& x) {
    x.null_pTimeStart = rng() & 1;
    x.null_pTimeEnd = rng() & 1;
    x.tStart = x.null_pTimeStart ? 0 : static_cast<int64_t>(rng()) - (1ll << 31);
    x.tEnd = x.null_pTimeEnd ? 0 : static_cast<int64_t>(rng()) << 20;
  };
  std::visit(
      Overloaded{
          [&]<SampleCall C>(C& x) { x.sample = static_cast<int32_t>(rng() % 5); },
          [&]<CallbackCall C>(C& x) { x.callback = static_cast<int8_t>(rng() % kNumCallbacks); },
          // Every other call names no object.
          [](auto&) {},
      },
      c);
  std::visit(Overloaded{
                 [&](call::SetProperties& x) {
                   x.cBuffers = static_cast<LONG>(rng());
                   x.cbBuffer = static_cast<LONG>(rng());
                   x.cbAlign = static_cast<LONG>(rng());
                   x.cbPrefix = static_cast<LONG>(rng());
                   x.null_pRequest = rng() & 1;
                   x.null_pActual = rng() & 1;
                 },
                 [&](call::SetTime& x) { times(x); },
                 [&](call::SetMediaTime& x) { times(x); },
                 [&](call::SetProperties2& x) {
                   x.cbProperties = rng() % 80;
                   x.image.cbData = rng() % 80;
                   x.image.dwSampleFlags = rng() % 0x400;
                   x.image.lActual = static_cast<LONG>(rng());
                   x.image.media_type = static_cast<int8_t>(static_cast<int>(rng() % 4) - 1);
                   x.image.pbBuffer = static_cast<BufferPtr>(rng() % 3);
                   x.null_pbProperties = rng() & 1;
                 },
                 [&](call::LockServer& x) { x.fLock = static_cast<int32_t>(rng() % 3) - 1; },
                 [&](call::SetReaction& x) {
                   x.reaction = static_cast<Reaction>(rng() % kNumReactions);
                   if (call::SetReaction::HasArg(x)) x.arg = static_cast<int32_t>(rng() % 3);
                   x.persistent = rng() & 1;
                 },
                 // Every other call: its defaults are valid arguments.
                 [](auto&) {},
             },
             c);
  return c;
}

TEST(TraceFormat, RoundTripsRandomOps) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    Call c = RandomCall(rng);
    // The callbacks' own calls are made on thread 0.
    OpGroup group = GroupOf(c);
    bool any_thread = group != OpGroup::kCallback;
    auto thread = static_cast<uint8_t>(any_thread ? rng() % kMaxThreads : 0);
    bool oom = std::visit([&](const auto& x) { return x.kOom && (rng() & 1); }, c);
    Op op = MakeOp(c, thread, oom);
    auto back = ParseOp(ToString(op));
    ASSERT_TRUE(back.has_value()) << ToString(op);
    EXPECT_TRUE(back->call == c) << ToString(op);
    EXPECT_EQ(back->thread, thread) << ToString(op);
    EXPECT_EQ(back->oom, oom) << ToString(op);
    EXPECT_EQ(ToString(*back), ToString(op));
  }
}

TEST(MediaTypes, TableIsRecognised) {
  for (int id = 0; id < kNumMediaTypes; ++id) {
    AM_MEDIA_TYPE mt = MakeMediaType(id);
    EXPECT_EQ(MediaTypeId(&mt), id);
  }
  EXPECT_EQ(MediaTypeId(nullptr), -1);
  AM_MEDIA_TYPE other = MakeMediaType(0);
  other.lSampleSize = 5;
  EXPECT_EQ(MediaTypeId(&other), -2);
}

// --- lifetime, COM -----------------------------------------------------------------

// checks: LIFE.CREATE, LIFE.DESTROY, ALLOC.GETPROPS, ALLOC.FREECOUNT, COM.ALLOC.ADDREF, COM.ALLOC.RELEASE, FACTORY.UNLOAD
TEST(ModelLife, FreshAllocator) {
  Sim m;
  Outcome o = m.Do("GetProperties");
  EXPECT_EQ(o.hr, S_OK);
  EXPECT_TRUE(o.written & kOutProps);
  EXPECT_EQ(o.props.cBuffers + o.props.cbBuffer + o.props.cbAlign + o.props.cbPrefix, 0);
  EXPECT_EQ(m.Do("GetFreeCount").value, 0);
  EXPECT_EQ(m.Do("AddRef").value, 2);
  EXPECT_EQ(m.Do("Release").value, 1);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);
  o = m.Do("Release");
  EXPECT_EQ(o.value, 0);
  EXPECT_EQ(o.rule, "LIFE.DESTROY");
  EXPECT_TRUE(m.s.destroyed);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_OK);
  EXPECT_FALSE(m.Allowed("GetProperties"));  // no reference left
}

// checks: LIFE.SELFREF, LIFE.SAMPLEALIVE, ALLOC.RELEASEBUFFER.COMPLETE, NOTIFY.BEFORESELF
TEST(ModelLife, SelfReferenceKeepsAllocatorAlive) {
  Sim m = Committed(2);
  EXPECT_EQ(m.Do("AddRef").value, 3);  // client 2 + self
  EXPECT_EQ(m.Do("Release").value, 2);
  EXPECT_EQ(m.Do("GetBuffer").sample.index, 1);
  m.Do("Decommit");
  EXPECT_EQ(m.s.state, AllocState::kPending);
  EXPECT_EQ(m.Do("Release").value, 1);  // the client's last reference
  EXPECT_FALSE(m.s.destroyed);
  EXPECT_EQ(m.Do("sample 1 SetActualDataLength 10").hr, S_OK);
  m.Do("callback 0 react None");
  m.s.callback = 0;  // (install without a client reference on the allocator)
  m.s.callbacks[0].refs = 1;
  Outcome o = m.Do("sample 1 Release");
  EXPECT_EQ(o.value, 0);
  ASSERT_EQ(o.notifications.size(), 1u);  // before the self-release
  EXPECT_EQ(o.notifications[0].refs_at_entry, 2u);
  EXPECT_TRUE(m.s.destroyed);
  EXPECT_EQ(m.s.callbacks[0].refs, 0u);  // LIFE.DESTROY released it
}

// checks: LIFE.SELFREF, COM.ALLOC.RELEASE
TEST(ModelLife, CommittedAllocatorIsNeverDestroyed) {
  Sim m = Committed(1);
  EXPECT_EQ(m.Do("Release").value, 1);
  EXPECT_FALSE(m.s.destroyed);
  EXPECT_EQ(m.s.self_refs, 1u);
}

// checks: COM.ALLOC.QI, COM.ALLOC.QI.MISS, COM.ALLOC.QI.NULL, COM.ALLOC.QI.CALLBACK
TEST(ModelCom, AllocatorQueryInterface) {
  Sim m;
  for (const char* hit : {"IUnknown", "IMemAllocator", "IMemAllocatorCallbackTemp"}) {
    Outcome o = m.Do(std::string("QueryInterface ") + hit);
    EXPECT_EQ(o.hr, S_OK) << hit;
    EXPECT_TRUE(o.written & kOutInterface);
  }
  EXPECT_EQ(m.s.client_refs, 4u);
  for (const char* miss : {"IMemAllocatorNotifyCallbackTemp", "IMediaSample", "IMediaSample2",
                           "IClassFactory", "IMemInputPin", "Other"}) {
    Outcome o = m.Do(std::string("QueryInterface ") + miss);
    EXPECT_EQ(o.hr, E_NOINTERFACE) << miss;
    EXPECT_TRUE(o.written & kOutInterface);  // *ppv = NULL
  }
  EXPECT_EQ(m.s.client_refs, 4u);
  Outcome o = m.Do("QueryInterface IUnknown null");
  EXPECT_EQ(o.hr, E_POINTER);
  EXPECT_EQ(o.written, 0u);
}

// checks: COM.SAMPLE.QI, COM.SAMPLE.QI.MISS, COM.SAMPLE.QI.NULL, COM.SAMPLE.ADDREF, COM.SAMPLE.RELEASE
TEST(ModelCom, SampleQueryInterfaceAndCounts) {
  Sim m = Committed(1);
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 QueryInterface IMediaSample2").hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 QueryInterface IUnknown").hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 QueryInterface IMemAllocator").hr, E_NOINTERFACE);
  EXPECT_EQ(m.Do("sample 0 QueryInterface IMediaSample null").hr, E_POINTER);
  EXPECT_EQ(m.Do("sample 0 AddRef").value, 4);
  EXPECT_EQ(m.Do("sample 0 Release").value, 3);
  EXPECT_EQ(m.Do("sample 0 Release").value, 2);
  EXPECT_EQ(m.Do("sample 0 Release").value, 1);
  EXPECT_TRUE(m.s.free_list.empty());
  EXPECT_EQ(m.Do("sample 0 Release").value, 0);
  EXPECT_EQ(m.s.free_list.size(), 1u);
  EXPECT_FALSE(m.Allowed("sample 0 GetSize"));  // no reference held
}

// --- properties -------------------------------------------------------------------

// SEMANTICS §5 items 2-14 (test_properties), replayed on the model.
// checks: ALLOC.PROPS.STORE, ALLOC.PROPS.ROUND, ALLOC.PROPS.ACCEPT, ALLOC.PROPS.ALIGN, ALLOC.PROPS.COMMITTED, ALLOC.PROPS.PENDING, ALLOC.COMMIT.SIZE, ALLOC.COMMIT.3, ALLOC.GETBUFFER.POP, SAMPLE.SIZE, ALLOC.DECOMMIT.3, ALLOC.RELEASEBUFFER.COMPLETE
TEST(ModelNative, TestProperties) {
  Sim m;
  Outcome o = m.Do("SetProperties 0 0 0 0");
  EXPECT_EQ(o.hr, VFW_E_BADALIGN);  // item 3
  struct Row {
    LONG c, size, align, prefix, actual;
    bool commits;
  } rows[] = {{0, 0, 1, 0, 0, false},   {1, 0, 1, 0, 0, false},   {1, 1, 1, 0, 1, true},
              {1, 1, 4, 0, 4, true},    {2, 1, 1, 0, 1, true},    {1, 2, 4, 0, 4, true},
              {1, 1, 16, 0, 16, true},  {1, 16, 16, 0, 16, true}, {1, 17, 16, 0, 32, true},
              {1, 32, 16, 0, 32, true}, {1, 1, 16, 1, 15, true},  {1, 15, 16, 1, 15, true},
              {1, 16, 16, 1, 31, true}, {1, 17, 16, 1, 31, true}, {1, 0, 16, 16, 0, false},
              {1, 1, 16, 16, 16, true}, {1, 16, 16, 16, 16, true}};
  for (const Row& r : rows) {
    SCOPED_TRACE(r.c * 1000000 + r.size * 1000 + r.align * 10 + r.prefix);
    Op set = MakeOp(call::SetProperties{r.c, r.size, r.align, r.prefix});
    o = m.Do(set);
    ASSERT_EQ(o.hr, S_OK);             // item 4
    EXPECT_EQ(o.props.cBuffers, r.c);  // item 6
    EXPECT_EQ(o.props.cbAlign, r.align);
    EXPECT_EQ(o.props.cbPrefix, r.prefix);
    EXPECT_EQ(o.props.cbBuffer, r.actual);                      // S2.4 table
    EXPECT_EQ(m.Do("GetProperties").props.cbBuffer, r.actual);  // item 7
    if (!r.commits) {
      EXPECT_EQ(m.Do("Commit").hr, VFW_E_SIZENOTSET);  // item 8
      continue;
    }
    EXPECT_EQ(m.Do("Commit").hr, S_OK);                // item 9
    EXPECT_EQ(m.Do(set).hr, VFW_E_ALREADY_COMMITTED);  // item 10
    o = m.Do("GetBuffer");
    EXPECT_EQ(o.hr, S_OK);  // item 11
    int idx = o.sample.index;
    EXPECT_EQ(m.Do(MakeOp(call::GetSize{idx})).value, r.actual);
    EXPECT_EQ(m.Do("Decommit").hr, S_OK);                // item 12
    EXPECT_EQ(m.Do(set).hr, VFW_E_BUFFERS_OUTSTANDING);  // item 13
    // Give back every other sample too (cBuffers 2 row holds only one).
    EXPECT_EQ(m.Do(MakeOp(call::SampleRelease{idx})).value, 0);  // item 14
    EXPECT_EQ(m.s.state, AllocState::kDecommitted);
  }
}

// checks: ALLOC.PROPS.ZERO, ALLOC.PROPS.NULL, ALLOC.PROPS.ALIGN, ALLOC.PROPS.COMMITTED, ALLOC.GETPROPS.NULL, GEN.ATOMIC, GEN.BADINPUT
TEST(ModelProps, FailuresZeroActualAndChangeNothing) {
  Sim m = Committed(2);
  m.Do("GetBuffer");
  State before = m.s;
  Outcome o = m.Do("SetProperties 4 100 3 0");
  EXPECT_EQ(o.hr, VFW_E_BADALIGN);  // alignment checked before the state
  EXPECT_TRUE(o.written & kOutProps);
  EXPECT_EQ(o.props.cbBuffer, 0);
  o = m.Do("SetProperties 4 100 131072 0");
  EXPECT_EQ(o.hr, VFW_E_BADALIGN);
  o = m.Do("SetProperties 4 100 8 0");
  EXPECT_EQ(o.hr, VFW_E_ALREADY_COMMITTED);  // also with a sample held
  EXPECT_EQ(o.props.cBuffers, 0);
  o = m.Do("SetProperties 4 100 8 0 nullactual");
  EXPECT_EQ(o.hr, E_POINTER);
  EXPECT_EQ(o.written, 0u);
  EXPECT_EQ(m.Do("SetProperties 4 100 8 0 nullrequest").hr, E_POINTER);
  EXPECT_EQ(m.Do("GetProperties null").hr, E_POINTER);
  EXPECT_EQ(m.s, before);
}

// checks: ALLOC.PROPS.ROUND, ALLOC.PROPS.ACCEPT, ALLOC.FREECOUNT
TEST(ModelProps, RoundingEdges) {
  Sim m;
  EXPECT_EQ(m.Do("SetProperties 1 2147483647 2 0").props.cbBuffer, 2147483647);  // no fit
  EXPECT_EQ(m.Do("SetProperties 1 -5 16 0").props.cbBuffer, -5);
  EXPECT_EQ(m.Do("SetProperties 1 5 16 -3").props.cbBuffer, 5);
  EXPECT_EQ(m.Do("SetProperties 3 5 65536 0").props.cbBuffer, 65536);
  EXPECT_EQ(m.Do("GetFreeCount").value, 3);
  EXPECT_TRUE(m.s.changed);
}

// --- commit / decommit ----------------------------------------------------------------

// checks: ALLOC.COMMIT.SIZE, ALLOC.COMMIT.LIMIT, ALLOC.COMMIT.ATOMIC, GEN.ATOMIC
TEST(ModelCommit, ValidationOrderAndAtomicity) {
  Sim m;
  EXPECT_EQ(m.Do("Commit").hr, VFW_E_SIZENOTSET);  // fresh
  m.Do("SetProperties 0 10 1 0");
  EXPECT_EQ(m.Do("Commit").hr, VFW_E_SIZENOTSET);
  m.Do("SetProperties 1 -1 1 -1");
  EXPECT_EQ(m.Do("Commit").hr, VFW_E_SIZENOTSET);  // SIZENOTSET before LIMIT
  m.Do("SetProperties 1 10 1 -1");
  EXPECT_EQ(m.Do("Commit").hr, E_OUTOFMEMORY);
  m.Do("SetProperties 1 2147483000 4096 1000");
  EXPECT_EQ(m.Do("Commit").hr, E_OUTOFMEMORY);
  m.Do("SetProperties 3 1073741824 1 0");
  EXPECT_EQ(m.Do("Commit").hr, E_OUTOFMEMORY);
  m.Do("SetProperties 4097 1 1 0");
  EXPECT_EQ(m.Do("Commit").hr, E_OUTOFMEMORY);
  m.Do("SetProperties 4096 1 1 0");
  EXPECT_EQ(m.Do("Commit oom").hr, E_OUTOFMEMORY);
  EXPECT_EQ(m.s.state, AllocState::kDecommitted);
  EXPECT_EQ(m.s.self_refs, 0u);
  EXPECT_EQ(m.Do("Commit").hr, S_OK);
  EXPECT_EQ(m.s.samples.size(), 4096u);
}

// checks: ALLOC.COMMIT.1, ALLOC.COMMIT.2, ALLOC.DECOMMIT.1, ALLOC.DECOMMIT.2, ALLOC.DECOMMIT.3, ALLOC.DECOMMIT.4, LIFE.SELFREF, LIFE.FREEMEM
TEST(ModelCommit, Transitions) {
  Sim m = Committed(2);
  EXPECT_EQ(m.Do("Commit").rule, "ALLOC.COMMIT.1");
  EXPECT_EQ(m.s.self_refs, 1u);
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("Decommit").rule, "ALLOC.DECOMMIT.3");
  EXPECT_EQ(m.Do("Decommit").rule, "ALLOC.DECOMMIT.4");
  EXPECT_EQ(m.Do("GetBuffer nowait").hr, VFW_E_NOT_COMMITTED);
  Outcome o = m.Do("Commit");
  EXPECT_EQ(o.rule, "ALLOC.COMMIT.2");
  EXPECT_FALSE(o.reallocated);
  EXPECT_EQ(m.s.self_refs, 1u);
  m.Do("sample 1 Release");
  EXPECT_EQ(m.s.state, AllocState::kCommitted);
  EXPECT_EQ(m.Do("Decommit").rule, "ALLOC.DECOMMIT.2");
  EXPECT_EQ(m.s.self_refs, 0u);
  EXPECT_EQ(m.Do("Decommit").rule, "ALLOC.DECOMMIT.1");
  EXPECT_EQ(m.Do("GetFreeCount").value, 2);  // samples kept in D
}

// checks: ALLOC.COMMIT.REALLOC, ALLOC.SAMPLE.FRESH, SAMPLE.RECYCLE.2
TEST(ModelCommit, ReuseKeepsSamplesUnlessPropertiesChanged) {
  Sim m = Committed(1);
  uint32_t gen = m.s.generation;
  m.Do("GetBuffer");
  m.Do("sample 0 SetActualDataLength 7");
  m.Do("sample 0 SetTime 5 6");
  m.Do("sample 0 Release");
  m.Do("Decommit");
  Outcome o = m.Do("Commit");
  EXPECT_FALSE(o.reallocated);
  EXPECT_EQ(o.generation, gen);
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 GetActualDataLength").value, 7);
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.tStart, 5);
  m.Do("sample 0 Release");
  m.Do("Decommit");
  m.Do("SetProperties 1 64 1 0");  // identical values still count as a change
  o = m.Do("Commit");
  EXPECT_TRUE(o.reallocated);
  EXPECT_EQ(o.generation, gen + 1);
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 GetActualDataLength").value, 64);
}

// An injected allocation failure fails only a Commit that allocates.
TEST(ModelCommit, OomFailsOnlyACommitThatAllocates) {
  Sim m;
  m.Do("SetProperties 1 64 1 0");
  EXPECT_EQ(m.Do("Commit oom").hr, E_OUTOFMEMORY);  // creates samples
  EXPECT_EQ(m.Do("Commit").hr, S_OK);
  m.Do("Decommit");
  EXPECT_EQ(m.Do("Commit oom").hr, S_OK);  // reuses them: nothing to allocate
  EXPECT_EQ(m.s.state, AllocState::kCommitted);
}

// A sample handed to a blocked GetBuffer during this op is not the
// client's yet, so a ReleaseSample reaction skips it (op.h).
TEST(ModelNotify, ReactionSkipsASampleOnItsWayToAWaiter) {
  Sim m = Committed(1);
  m.Do("SetNotify 0");
  m.Do("GetBuffer");
  m.Do("callback 0 react ReleaseSample 0");
  EXPECT_TRUE(m.Do("@1 GetBuffer").blocked);
  Outcome o = m.Do("sample 0 Release");
  ASSERT_EQ(o.completions.size(), 1u);
  ASSERT_EQ(o.notifications.size(), 1u);
  EXPECT_EQ(o.notifications[0].reaction_hr, S_FALSE);
  EXPECT_EQ(m.s.samples[0].refs, 1u);  // thread 1 holds it
}

// SEMANTICS §5 items 15-25 (test_commit).
// checks: ALLOC.GETBUFFER.NOTCOMMITTED, ALLOC.COMMIT.1, ALLOC.DECOMMIT.1, ALLOC.DECOMMIT.3, LIFE.SAMPLEALIVE, SAMPLE.POINTER
TEST(ModelNative, TestCommit) {
  Sim m;
  EXPECT_EQ(m.Do("SetProperties 2 65536 1 0").hr, S_OK);
  EXPECT_EQ(m.Do("GetBuffer").hr, VFW_E_NOT_COMMITTED);
  EXPECT_EQ(m.Do("Commit").hr, S_OK);
  EXPECT_EQ(m.Do("Commit").hr, S_OK);
  Outcome o = m.Do("GetBuffer");
  EXPECT_EQ(o.hr, S_OK);
  m.Do(MakeOp(call::SampleRelease{o.sample.index}));
  EXPECT_EQ(m.Do("Decommit").hr, S_OK);
  EXPECT_EQ(m.Do("Decommit").hr, S_OK);
  EXPECT_EQ(m.Do("Commit").hr, S_OK);
  o = m.Do("GetBuffer");
  EXPECT_EQ(m.Do(MakeOp(call::GetPointer{o.sample.index})).hr, S_OK);
  EXPECT_EQ(m.Do("Decommit").hr, S_OK);
  EXPECT_EQ(m.Do(MakeOp(call::GetPointer{o.sample.index})).hr, S_OK);
  EXPECT_EQ(m.Do("GetBuffer").hr, VFW_E_NOT_COMMITTED);
  m.Do(MakeOp(call::SampleRelease{o.sample.index}));
  EXPECT_EQ(m.Do("Release").value, 0);
}

// --- GetBuffer ---------------------------------------------------------------------

// checks: ALLOC.FREELIST.ORDER, ALLOC.GETBUFFER.POP, ALLOC.RELEASEBUFFER.PUSH, ALLOC.BOUND
TEST(ModelGetBuffer, FreeListIsLifo) {
  Sim m = Committed(3);
  EXPECT_EQ(m.Do("GetBuffer").sample.index, 2);
  EXPECT_EQ(m.Do("GetBuffer").sample.index, 1);
  m.Do("sample 2 Release");
  EXPECT_EQ(m.Do("GetBuffer").sample.index, 2);
  EXPECT_EQ(m.Do("GetBuffer").sample.index, 0);
  EXPECT_EQ(m.Do("GetBuffer nowait").hr, VFW_E_TIMEOUT);
  EXPECT_EQ(m.Do("GetFreeCount").value, 0);
}

// checks: ALLOC.GETBUFFER.NULL, ALLOC.GETBUFFER.CLEAR, ALLOC.GETBUFFER.NOTCOMMITTED, ALLOC.GETBUFFER.NOWAIT, ALLOC.GETBUFFER.FLAGS
TEST(ModelGetBuffer, FailuresAndFlags) {
  Sim m;
  m.Do("SetProperties 1 8 1 0");
  EXPECT_EQ(m.Do("GetBuffer null").hr, E_POINTER);
  Outcome o = m.Do("GetBuffer nowait");
  EXPECT_EQ(o.hr, VFW_E_NOT_COMMITTED);  // before NOWAIT
  EXPECT_TRUE(o.written & kOutSample);
  EXPECT_FALSE(o.sample.valid());
  m.Do("Commit");
  o = m.Do("GetBuffer flags=0xb times");
  EXPECT_EQ(o.hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 GetTime * *").hr, VFW_E_SAMPLE_TIME_NOT_SET);
  State before = m.s;
  o = m.Do("GetBuffer nowait flags=0x3");
  EXPECT_EQ(o.hr, VFW_E_TIMEOUT);
  EXPECT_EQ(m.s, before);  // no trace left behind
}

// checks: ALLOC.GETBUFFER.WAIT, ALLOC.GETBUFFER.FIFO, ALLOC.RELEASEBUFFER.HANDOFF, THREAD.NOLOSTWAKE, NOTIFY.AFTERFREE
TEST(ModelGetBuffer, BlockedWaitersAreServedInOrder) {
  Sim m = Committed(1);
  m.Do("SetNotify 0");
  m.Do("callback 0 react GetFreeCount persistent");
  m.Do("GetBuffer");
  Outcome o = m.Do("@2 GetBuffer");
  EXPECT_TRUE(o.blocked);
  EXPECT_TRUE(m.Do("@1 GetBuffer").blocked);
  EXPECT_FALSE(m.Allowed("@2 GetFreeCount"));  // a blocked thread makes no calls
  o = m.Do("sample 0 Release");
  ASSERT_EQ(o.completions.size(), 1u);
  EXPECT_EQ(o.completions[0].thread, 2);
  EXPECT_EQ(o.completions[0].hr, S_OK);
  EXPECT_EQ(o.completions[0].sample.index, 0);
  ASSERT_EQ(o.notifications.size(), 1u);  // after the hand-off
  EXPECT_EQ(o.notifications[0].reaction_value, 0);
  EXPECT_TRUE(m.s.free_list.empty());
  o = m.Do("@2 sample 0 Release");
  ASSERT_EQ(o.completions.size(), 1u);
  EXPECT_EQ(o.completions[0].thread, 1);
  EXPECT_TRUE(m.s.waiters.empty());
}

// checks: ALLOC.DECOMMIT.WAKE, ALLOC.DECOMMIT.3
TEST(ModelGetBuffer, DecommitWakesEveryWaiter) {
  Sim m = Committed(1);
  m.Do("GetBuffer");
  m.Do("@1 GetBuffer");
  m.Do("@2 GetBuffer");
  m.Do("@3 GetBuffer");
  Outcome o = m.Do("Decommit");
  ASSERT_EQ(o.completions.size(), 3u);
  for (const Completion& c : o.completions) {
    EXPECT_EQ(c.hr, VFW_E_NOT_COMMITTED);
    EXPECT_FALSE(c.sample.valid());
  }
  EXPECT_EQ(m.s.state, AllocState::kPending);
  m.Do("Commit");  // a re-Commit does not revive them
  EXPECT_TRUE(m.s.waiters.empty());
}

// --- ReleaseBuffer ----------------------------------------------------------------------

// checks: ALLOC.RELEASEBUFFER.NULL, ALLOC.RELEASEBUFFER.MISUSE, GEN.ATOMIC
TEST(ModelReleaseBuffer, MisuseIsRejected) {
  Sim m = Committed(2);
  m.Do("SetNotify 1");
  m.Do("GetBuffer");
  State before = m.s;
  EXPECT_EQ(m.Do("ReleaseBuffer null").hr, E_POINTER);
  EXPECT_EQ(m.Do("ReleaseBuffer foreign").hr, E_INVALIDARG);
  EXPECT_EQ(m.Do("ReleaseBuffer 1").hr, E_INVALIDARG);  // held
  Outcome o = m.Do("ReleaseBuffer 0");                  // free
  EXPECT_EQ(o.hr, E_INVALIDARG);
  EXPECT_TRUE(o.notifications.empty());
  EXPECT_EQ(m.s, before);
}

// --- notifications ------------------------------------------------------------------------

// checks: NOTIFY.ONCE, NOTIFY.SNAPSHOT, COM.CALLBACK.REFS, ALLOC.SETNOTIFY.1
TEST(ModelNotify, OncePerReleaseInEveryState) {
  Sim m = Committed(2);
  EXPECT_EQ(m.Do("SetNotify 0").hr, S_OK);
  EXPECT_EQ(m.s.callbacks[0].refs, 1u);
  m.Do("GetBuffer");
  m.Do("GetBuffer");
  Outcome o = m.Do("sample 1 Release");  // C
  ASSERT_EQ(o.notifications.size(), 1u);
  EXPECT_EQ(o.notifications[0].callback, 0);
  EXPECT_EQ(o.notifications[0].refs_at_entry, 2u);
  m.Do("Decommit");
  o = m.Do("sample 0 Release");  // P, completes the decommit
  EXPECT_EQ(o.notifications.size(), 1u);
  EXPECT_EQ(m.s.callbacks[0].notified, 2u);
  EXPECT_EQ(m.s.callbacks[0].refs, 1u);
  EXPECT_EQ(m.Do("SetNotify null").rule, "ALLOC.SETNOTIFY.NULL");
  EXPECT_EQ(m.s.callbacks[0].refs, 0u);
}

// checks: ALLOC.SETNOTIFY.SAME, ALLOC.SETNOTIFY.1, ALLOC.SETNOTIFY.NULL, COM.CALLBACK.REFS
TEST(ModelNotify, SetNotifyAnyStateSameAndSwap) {
  Sim m;
  m.Do("SetNotify 0");  // D, before SetProperties
  m.Do("SetNotify 0");
  EXPECT_EQ(m.s.callbacks[0].refs, 1u);
  m.Do("SetNotify 1");
  EXPECT_EQ(m.s.callbacks[0].refs, 0u);
  EXPECT_EQ(m.s.callbacks[1].refs, 1u);
  m.Do("Release");  // destruction releases the installed callback
  EXPECT_EQ(m.s.callbacks[1].refs, 0u);
}

// checks: COM.CALLBACK.CLIENT, ALLOC.SETNOTIFY.SAME, ALLOC.SETNOTIFY.NULL, LIFE.DESTROY
TEST(ModelCallbackLifetime, TheAllocatorsReleaseOfTheLastReferenceDestroysIt) {
  Sim m;
  m.Do("callback 2 Release");  // never installed: destroyed by the client
  EXPECT_TRUE(m.s.callbacks[2].Dead());
  EXPECT_FALSE(m.Allowed("SetNotify 2"));  // nothing may pass a dead callback
  EXPECT_FALSE(m.Allowed("callback 2 Release"));
  m.Do("SetNotify 0");
  EXPECT_EQ(m.Do("callback 0 Release").rule, "COM.CALLBACK.CLIENT");
  EXPECT_FALSE(m.s.callbacks[0].Dead());  // the allocator's reference
  ASSERT_TRUE(m.Allowed("SetNotify 0"));  // the installed one, borrowed
  m.Do("SetNotify 0");
  EXPECT_EQ(m.s.callbacks[0].refs, 1u);
  EXPECT_FALSE(m.s.callbacks[0].Dead());
  m.Do("SetNotify null");
  EXPECT_TRUE(m.s.callbacks[0].Dead());
  EXPECT_FALSE(m.Allowed("SetNotify 0"));
  m.Do("SetNotify 1");
  m.Do("callback 1 Release");
  m.Do("Release");  // LIFE.DESTROY releases the last reference
  EXPECT_TRUE(m.s.destroyed);
  EXPECT_TRUE(m.s.callbacks[1].Dead());
}

// checks: COM.CALLBACK.DEAD, NOTIFY.SNAPSHOT, COM.CALLBACK.REFS
TEST(ModelCallbackLifetime, NoDeathWhileNotifiedUnderEitherKeepAlive) {
  for (Profile p : {Profile::kStrict, Profile::kPortable}) {
    State s = Initial();
    for (const char* line : {"SetProperties 1 64 1 0", "Commit", "SetNotify 0",
                             "callback 0 react SetNotifyNull", "callback 0 Release", "GetBuffer"}) {
      Transitions t = Step(s, *ParseOp(line), p);
      ASSERT_FALSE(t.empty()) << line;
      s = t[0].next;
    }
    Transitions t = Step(s, *ParseOp("sample 0 Release"), p);
    ASSERT_FALSE(t.empty());
    for (const Transition& x : t) {
      ASSERT_EQ(x.outcome.notifications.size(), 1u);
      // A COM snapshot (2) or a holder (1): never 0 at entry; destroyed
      // only after the call (COM.CALLBACK.DEAD).
      EXPECT_GE(x.outcome.notifications[0].refs_at_entry, 1u);
      EXPECT_TRUE(x.next.callbacks[0].Dead());
      EXPECT_EQ(x.next.callback, -1);
    }
  }
}

// checks: LIFE.CYCLE, ALLOC.SETNOTIFY.NULL, COM.ALLOC.ADDREF, LIFE.DESTROY
TEST(ModelCallbackLifetime, TheReferenceCycleAndHowItIsBroken) {
  Sim m;
  m.Do("SetNotify 0");
  EXPECT_EQ(m.Do("callback 0 HoldAllocator").rule, "LIFE.CYCLE");
  m.Do("callback 0 Release");
  EXPECT_EQ(m.Do("AddRef").value, 3);  // client, callback, this one
  m.Do("Release");
  m.Do("SetNotify null");  // the callback dies and gives the allocator back
  EXPECT_TRUE(m.s.callbacks[0].Dead());
  EXPECT_EQ(m.s.callbacks[0].alloc_refs, 0u);
  EXPECT_EQ(m.s.TotalRefs(), 1u);
  m.Do("Release");
  EXPECT_TRUE(m.s.destroyed);

  Sim n;  // broken by the callback instead
  n.Do("SetNotify 1");
  n.Do("callback 1 HoldAllocator");
  n.Do("callback 1 Release");
  n.Do("Release");  // the client lets go of both: the cycle keeps them
  EXPECT_FALSE(n.s.destroyed);
  EXPECT_FALSE(n.Allowed("SetNotify null"));  // the client holds no allocator
  EXPECT_EQ(n.Do("callback 1 ReleaseAllocator").rule, "LIFE.DESTROY");
  EXPECT_TRUE(n.s.destroyed);
  EXPECT_TRUE(n.s.callbacks[1].Dead());
}

// checks: NOTIFY.REENTRANT, NOTIFY.SNAPSHOT, NOTIFY.AFTERFREE, THREAD.NOLOCK
TEST(ModelNotify, ReentrantReactions) {
  Sim m = Committed(2);
  m.Do("SetNotify 0");
  m.Do("GetBuffer");
  m.Do("GetBuffer");
  m.Do("callback 0 react GetBufferNoWait");
  Outcome o = m.Do("sample 1 Release");
  ASSERT_EQ(o.notifications.size(), 1u);
  EXPECT_EQ(o.notifications[0].reaction_hr, S_OK);
  EXPECT_EQ(o.notifications[0].reaction_sample.index, 1);  // the sample just freed
  EXPECT_EQ(m.s.samples[1].refs, 1u);
  m.Do("callback 0 react SetNotifyNull");
  o = m.Do("sample 1 Release");
  EXPECT_EQ(o.notifications[0].refs_at_entry, 2u);  // installed + snapshot
  EXPECT_EQ(m.s.callback, -1);
  EXPECT_EQ(m.s.callbacks[0].refs, 0u);
  m.Do("SetNotify 0");
  m.Do("callback 0 react SetNotifyOther 2");
  m.Do("GetBuffer");
  o = m.Do("sample 1 Release");
  EXPECT_EQ(m.s.callback, 2);
  EXPECT_EQ(m.s.callbacks[0].refs, 0u);
  EXPECT_EQ(m.s.callbacks[2].refs, 1u);
  m.Do("callback 2 react SetNotifySelf persistent");
  m.Do("GetBuffer");
  o = m.Do("sample 1 Release");
  EXPECT_EQ(o.notifications[0].callback, 2);
  EXPECT_EQ(m.s.callbacks[2].refs, 1u);
  EXPECT_EQ(m.s.callbacks[2].reaction, Reaction::kSetNotifySelf);  // persistent
}

// checks: NOTIFY.REENTRANT, NOTIFY.ONCE, ALLOC.RELEASEBUFFER.COMPLETE, LIFE.SELFREF
TEST(ModelNotify, NestedReleaseAndDecommitFromCallback) {
  Sim m = Committed(2);
  m.Do("SetNotify 1");
  m.Do("GetBuffer");
  m.Do("GetBuffer");
  m.Do("Decommit");
  m.Do("callback 1 react ReleaseSample 0");
  Outcome o = m.Do("sample 1 Release");
  ASSERT_EQ(o.notifications.size(), 2u);
  EXPECT_EQ(o.notifications[0].depth, 0);
  EXPECT_EQ(o.notifications[1].depth, 1);
  EXPECT_EQ(o.notifications[1].refs_at_entry, 3u);  // installed + two snapshots
  EXPECT_EQ(m.s.state, AllocState::kDecommitted);
  EXPECT_EQ(m.s.self_refs, 0u);
  EXPECT_EQ(m.s.callbacks[1].refs, 1u);
  // A callback that decommits the last free allocator of a released client.
  m.Do("Commit");
  int held = m.Do("GetBuffer").sample.index;
  m.Do("callback 1 react Decommit");
  m.Do("Release");
  o = m.Do(MakeOp(call::SampleRelease{held}));
  EXPECT_EQ(o.notifications[0].reaction_hr, S_OK);
  EXPECT_TRUE(m.s.destroyed);
  EXPECT_EQ(m.s.callbacks[1].refs, 0u);
}

// checks: NOTIFY.REENTRANT, ALLOC.COMMIT.2, ALLOC.COMMIT.3
TEST(ModelNotify, CommitFromCallbackAfterCompletion) {
  Sim m = Committed(1);
  m.Do("SetNotify 0");
  m.Do("GetBuffer");
  m.Do("Decommit");
  m.Do("callback 0 react Commit");
  Outcome o = m.Do("sample 0 Release");
  EXPECT_EQ(o.notifications[0].reaction_hr, S_OK);
  EXPECT_EQ(m.s.state, AllocState::kCommitted);
  EXPECT_EQ(m.s.self_refs, 1u);
}

// checks: ALLOC.FREECOUNT, ALLOC.FREECOUNT.NULL
TEST(ModelFreeCount, Formula) {
  Sim m;
  m.Do("SetProperties 3 8 1 0");
  EXPECT_EQ(m.Do("GetFreeCount").value, 3);
  m.Do("Commit");
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("GetFreeCount").value, 2);
  m.Do("sample 2 Release");
  m.Do("Decommit");
  m.Do("SetProperties 5 8 1 0");
  EXPECT_EQ(m.Do("GetFreeCount").value, 5);
  EXPECT_EQ(m.Do("GetFreeCount null").hr, E_POINTER);
}

// --- sample methods: SEMANTICS §5 items 26-59 --------------------------------------------

// checks: SAMPLE.GETTIME.1, SAMPLE.GETTIME.2, SAMPLE.GETTIME.3, SAMPLE.SETTIME.1, SAMPLE.SETTIME.2, SAMPLE.SETTIME.3, SAMPLE.RECYCLE.1, SAMPLE.MEDIATIME.INDEPENDENT, SAMPLE2.SETPROPS.ASSIGN
TEST(ModelNative, TestSampleTime) {
  Sim m = Committed(1);
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 QueryInterface IMediaSample2").hr, S_OK);  // 26
  Outcome o = m.Do("sample 0 GetTime * *");
  EXPECT_EQ(o.hr, VFW_E_SAMPLE_TIME_NOT_SET);  // 27
  EXPECT_EQ(o.written, 0u);
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.dwSampleFlags, 0u);  // 28
  m.Do("sample 0 SetTime - -");
  EXPECT_EQ(m.Do("sample 0 GetTime * *").hr, VFW_E_SAMPLE_TIME_NOT_SET);  // 29
  m.Do("sample 0 SetTime 291 -");
  o = m.Do("sample 0 GetTime * *");
  EXPECT_EQ(o.hr, VFW_S_NO_STOP_TIME);  // 30
  EXPECT_EQ(o.start, 0x123);
  EXPECT_EQ(o.end, 0x124);
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.dwSampleFlags,
            static_cast<DWORD>(AM_SAMPLE_TIMEVALID));
  m.Do("sample 0 SetTime - -");  // 31
  m.Do("sample 0 SetTime - 801");
  EXPECT_EQ(m.Do("sample 0 GetTime * *").hr, VFW_E_SAMPLE_TIME_NOT_SET);  // 32
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.dwSampleFlags, 0u);
  m.Do("sample 0 SetTime 291 801");
  o = m.Do("sample 0 GetTime * *");
  EXPECT_EQ(o.hr, S_OK);  // 33
  EXPECT_EQ(o.end, 0x321);
  std::string size = std::to_string(sizeof(AM_SAMPLE2_PROPERTIES));
  auto set2 = [&](const char* flags, int start, int stop) {
    return m.Do("sample 0 SetProperties2 " + size + " cbData=" + size + " tsf=0 flags=" + flags +
                " actual=64 start=" + std::to_string(start) + " stop=" + std::to_string(stop) +
                " stream=0 type=- buffer=own size=64");
  };
  EXPECT_EQ(set2("0x0", 291, 801).hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 GetTime * *").hr, VFW_E_SAMPLE_TIME_NOT_SET);  // 34
  EXPECT_EQ(set2("0x10", 291, 801).hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 GetTime * *").end, 0x124);  // 35
  EXPECT_EQ(set2("0x110", 0x1234, 0x4321).hr, S_OK);
  o = m.Do("sample 0 GetTime * *");
  EXPECT_EQ(o.hr, S_OK);  // 36
  EXPECT_EQ(o.start, 0x1234);
  EXPECT_EQ(o.end, 0x4321);
  m.Do("sample 0 Release");
  m.Do("sample 0 Release");
  o = m.Do("GetBuffer times");  // 37
  EXPECT_EQ(o.hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 GetTime * *").hr, VFW_E_SAMPLE_TIME_NOT_SET);
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.dwSampleFlags, 0u);
  m.Do("sample 0 SetMediaTime 291 801");
  EXPECT_EQ(m.Do("sample 0 GetTime * *").hr, VFW_E_SAMPLE_TIME_NOT_SET);  // 38
}

// checks: SAMPLE.GETMEDIATIME.1, SAMPLE.GETMEDIATIME.2, SAMPLE.SETMEDIATIME.1, SAMPLE.SETMEDIATIME.2, SAMPLE.SETMEDIATIME.3, SAMPLE.MEDIATIME.INDEPENDENT, SAMPLE.RECYCLE.1
TEST(ModelNative, TestMediaTime) {
  Sim m = Committed(1);
  m.Do("GetBuffer");
  Outcome o = m.Do("sample 0 GetMediaTime * *");
  EXPECT_EQ(o.hr, VFW_E_MEDIA_TIME_NOT_SET);  // 39
  EXPECT_EQ(o.written, 0u);
  m.Do("sample 0 SetMediaTime - -");
  EXPECT_EQ(m.Do("sample 0 GetMediaTime * *").hr, VFW_E_MEDIA_TIME_NOT_SET);  // 40
  EXPECT_EQ(m.Do("sample 0 SetMediaTime 291 -").hr, E_POINTER);               // 41
  m.Do("sample 0 SetMediaTime - 801");
  EXPECT_EQ(m.Do("sample 0 GetMediaTime * *").hr, VFW_E_MEDIA_TIME_NOT_SET);  // 42
  m.Do("sample 0 SetMediaTime 291 801");
  o = m.Do("sample 0 GetMediaTime * *");
  EXPECT_EQ(o.hr, S_OK);  // 43
  EXPECT_EQ(o.end, 0x321);
  m.Do("sample 0 Release");
  m.Do("GetBuffer times");
  EXPECT_EQ(m.Do("sample 0 GetMediaTime * *").hr, VFW_E_MEDIA_TIME_NOT_SET);  // 44
  m.Do("sample 0 SetTime 291 801");
  EXPECT_EQ(m.Do("sample 0 GetMediaTime * *").hr, VFW_E_MEDIA_TIME_NOT_SET);  // 45
  m.Do("sample 0 SetMediaTime 0 8589934592");  // a span beyond 32 bits
  EXPECT_EQ(m.Do("sample 0 GetMediaTime * *").end, 8589934592);
  m.Do("sample 0 Release");
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 GetMediaTime * *").hr, VFW_E_MEDIA_TIME_NOT_SET);  // 46
}

// checks: SAMPLE2.GETPROPS.IMAGE, SAMPLE.GETTYPE.NONE, SAMPLE.GETTYPE.COPY, SAMPLE.SETTYPE.NULL, SAMPLE.SETTYPE.COPY, SAMPLE.LENGTH.GET, SAMPLE.LENGTH.SET, SAMPLE.LENGTH.RANGE, SAMPLE.FLAGS.GET, SAMPLE.FLAGS.SET, SAMPLE.RECYCLE.1, SAMPLE.RECYCLE.2, ALLOC.SAMPLE.FRESH
TEST(ModelNative, TestSampleProperties) {
  Sim m;
  m.Do("SetProperties 1 65536 1 0");
  m.Do("Commit");
  m.Do("GetBuffer");
  Outcome o = m.Do("sample 0 GetProperties2 64");  // 47
  EXPECT_EQ(o.sample2.dwTypeSpecificFlags, 0u);
  EXPECT_EQ(o.sample2.lActual, 65536);
  EXPECT_EQ(o.sample2.tStart, 0);
  EXPECT_EQ(o.sample2.media_type, -1);
  EXPECT_EQ(o.sample2.pbBuffer, BufferPtr::kOwn);
  EXPECT_EQ(o.sample2.cbBuffer, 65536);
  o = m.Do("sample 0 GetMediaType");
  EXPECT_EQ(o.hr, S_FALSE);  // 48
  EXPECT_TRUE(o.written & kOutMediaType);
  EXPECT_EQ(o.media_type, -1);
  EXPECT_EQ(m.Do("sample 0 SetMediaType -").hr, S_OK);  // 49
  EXPECT_EQ(m.Do("sample 0 GetMediaType").hr, S_FALSE);
  EXPECT_EQ(m.Do("sample 0 SetMediaType 0").hr, S_OK);  // 50
  o = m.Do("sample 0 GetMediaType");
  EXPECT_EQ(o.hr, S_OK);
  EXPECT_EQ(o.media_type, 0);
  o = m.Do("sample 0 GetProperties2 64");
  EXPECT_EQ(o.sample2.dwSampleFlags, static_cast<DWORD>(AM_SAMPLE_TYPECHANGED));
  EXPECT_EQ(o.sample2.media_type, 0);
  m.Do("sample 0 SetMediaType -");  // 51
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.dwSampleFlags, 0u);
  EXPECT_EQ(m.Do("sample 0 GetActualDataLength").value, 65536);                     // 52
  EXPECT_EQ(m.Do("sample 0 SetActualDataLength 65537").hr, VFW_E_BUFFER_OVERFLOW);  // 53
  EXPECT_EQ(m.Do("sample 0 SetActualDataLength -1").hr, VFW_E_BUFFER_OVERFLOW);
  EXPECT_EQ(m.Do("sample 0 SetActualDataLength 65536").hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 SetActualDataLength 0").hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 GetActualDataLength").value, 0);
  EXPECT_EQ(m.Do("sample 0 SetProperties2 64 cbData=64 tsf=0 flags=0x0 actual=123 start=0 "
                 "stop=0 stream=0 type=- buffer=own size=65536")
                .hr,
            S_OK);  // 54
  EXPECT_EQ(m.Do("sample 0 GetActualDataLength").value, 123);
  EXPECT_EQ(m.Do("sample 0 IsPreroll").hr, S_FALSE);  // 55
  m.Do("sample 0 SetPreroll 1");
  EXPECT_EQ(m.Do("sample 0 IsPreroll").hr, S_OK);
  m.Do("sample 0 SetPreroll 0");
  EXPECT_EQ(m.Do("sample 0 IsPreroll").hr, S_FALSE);
  m.Do("sample 0 SetDiscontinuity 7");  // 56
  EXPECT_EQ(m.Do("sample 0 IsDiscontinuity").hr, S_OK);
  m.Do("sample 0 SetSyncPoint 1");  // 57
  m.Do("sample 0 SetPreroll 1");    // 58
  EXPECT_EQ(m.Do("sample 0 GetProperties2 64").sample2.dwSampleFlags, 7u);
  m.Do("sample 0 SetMediaType 2");  // 59
  m.Do(
      "sample 0 SetProperties2 64 cbData=64 tsf=9 flags=0x7 actual=123 start=0 stop=0 "
      "stream=1 type=- buffer=null size=0");
  m.Do("sample 0 Release");
  m.Do("GetBuffer");
  o = m.Do("sample 0 GetProperties2 64");
  EXPECT_EQ(o.sample2.dwTypeSpecificFlags, 0u);
  EXPECT_EQ(o.sample2.dwSampleFlags, 0u);
  EXPECT_EQ(o.sample2.lActual, 123);
  EXPECT_EQ(o.sample2.dwStreamId, 0u);
  EXPECT_EQ(o.sample2.media_type, -1);
}

// checks: SAMPLE.POINTER, SAMPLE.POINTER.NULL, SAMPLE.SIZE, ALLOC.SAMPLE.LAYOUT, SAMPLE.GETTIME.NULL, SAMPLE.GETMEDIATIME.NULL, SAMPLE.GETTYPE.NULL, SAMPLE.GETTYPE.OOM, SAMPLE.SETTYPE.OOM
TEST(ModelSample, PointerAndBadInput) {
  Sim m;
  m.Do("SetProperties 2 100 64 8");
  m.Do("Commit");
  m.Do("GetBuffer");
  Outcome o = m.Do("sample 1 GetPointer");
  EXPECT_EQ(o.sample.index, 1);
  EXPECT_EQ(o.pointer_align, 64u);
  EXPECT_EQ(m.Do("sample 1 GetSize").value, 120);
  EXPECT_EQ(m.Do("sample 1 GetPointer null").hr, E_POINTER);
  m.Do("sample 1 SetMediaType 1");
  State before = m.s;
  EXPECT_EQ(m.Do("sample 1 GetTime - *").hr, E_POINTER);
  EXPECT_EQ(m.Do("sample 1 GetMediaTime * -").hr, E_POINTER);
  EXPECT_EQ(m.Do("sample 1 GetMediaType null").hr, E_POINTER);
  o = m.Do("sample 1 GetMediaType oom");
  EXPECT_EQ(o.hr, E_OUTOFMEMORY);
  EXPECT_EQ(o.media_type, -1);
  EXPECT_EQ(m.Do("sample 1 SetMediaType 2 oom").hr, E_OUTOFMEMORY);
  EXPECT_EQ(m.s, before);
  EXPECT_EQ(m.Do("sample 1 GetMediaType").media_type, 1);
}

// checks: SAMPLE2.GETPROPS.ZERO, SAMPLE2.GETPROPS.NULL, SAMPLE2.GETPROPS.IMAGE, SAMPLE2.SETPROPS.SHORT, SAMPLE2.SETPROPS.NULL, SAMPLE2.SETPROPS.CBDATA, SAMPLE2.SETPROPS.FLAGS, SAMPLE2.SETPROPS.TIMEVALID, SAMPLE2.SETPROPS.BUFFER, SAMPLE2.SETPROPS.SIZE, SAMPLE2.SETPROPS.ACTUAL, SAMPLE2.SETPROPS.TYPE, SAMPLE2.SETPROPS.ASSIGN, SAMPLE2.SETPROPS.TYPEFIX, GEN.ATOMIC
TEST(ModelSample2, SetPropertiesChecks) {
  Sim m = Committed(1);
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 GetProperties2 0 null").hr, S_OK);
  EXPECT_EQ(m.Do("sample 0 GetProperties2 8 null").hr, E_POINTER);
  Outcome o = m.Do("sample 0 GetProperties2 12");
  EXPECT_EQ(o.bytes, 12u);
  EXPECT_EQ(o.sample2.cbData, 12u);
  State before = m.s;
  auto set2 = [&](std::string cb, std::string rest) {
    return m.Do("sample 0 SetProperties2 " + cb + " " + rest).hr;
  };
  const std::string full = "64 cbData=64 tsf=0 ";
  EXPECT_EQ(set2("3",
                 "cbData=0 tsf=0 flags=0x0 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=null size=0 null"),
            S_OK);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x0 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=null size=0 null"),
            E_POINTER);
  EXPECT_EQ(set2("64",
                 "cbData=65 tsf=0 flags=0x0 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=null size=0"),
            E_INVALIDARG);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x200 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=null size=0"),
            E_INVALIDARG);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x20 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=null size=0"),
            E_INVALIDARG);
  // TIMEVALID without tStop included (12 bytes: up to dwSampleFlags).
  EXPECT_EQ(set2("12",
                 "cbData=64 tsf=0 flags=0x10 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=null size=0"),
            E_INVALIDARG);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x0 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=other size=0"),
            E_INVALIDARG);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x0 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=own size=63"),
            E_INVALIDARG);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x0 actual=1 start=0 stop=0 stream=0 type=- "
                 "buffer=own size=0"),
            E_INVALIDARG);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x8 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=own size=0"),
            E_POINTER);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x8 actual=0 start=0 stop=0 stream=0 type=1 "
                 "buffer=own size=0 oom"),
            E_OUTOFMEMORY);
  EXPECT_EQ(m.s, before);
  // Short payload: cbData limits; lActual unchecked when cbBuffer excluded.
  EXPECT_EQ(set2("64",
                 "cbData=16 tsf=5 flags=0x1 actual=-7 start=9 stop=9 stream=3 type=- "
                 "buffer=other size=1"),
            S_OK);
  EXPECT_EQ(m.s.samples[0].actual, -7);
  EXPECT_EQ(m.s.samples[0].t_start, 0);  // tStart not included
  EXPECT_EQ(m.s.samples[0].flags, 1u);
  EXPECT_EQ(m.s.samples[0].type_flags, 5u);
  // Type set through the payload; a later call without TYPECHANGED keeps it.
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x8 actual=0 start=0 stop=0 stream=0 type=2 "
                 "buffer=own size=64"),
            S_OK);
  EXPECT_EQ(set2("64",
                 "cbData=64 tsf=0 flags=0x0 actual=0 start=0 stop=0 stream=0 type=- "
                 "buffer=own size=64"),
            S_OK);
  EXPECT_EQ(m.s.samples[0].media_type, 2);
  EXPECT_EQ(m.s.samples[0].flags, static_cast<DWORD>(AM_SAMPLE_TYPECHANGED));
}

// --- factory ----------------------------------------------------------------------------

// checks: FACTORY.GETCLASS, FACTORY.GETCLASS.CLSID, FACTORY.GETCLASS.NULL, FACTORY.CREATE, FACTORY.AGGREGATION, FACTORY.UNLOAD
TEST(ModelFactory, ServerEntryPoints) {
  Sim m;
  EXPECT_EQ(m.Do("DllGetClassObject MemoryAllocator IClassFactory").hr, S_OK);
  EXPECT_EQ(m.Do("DllGetClassObject MemoryAllocator IUnknown").hr, S_OK);
  EXPECT_EQ(m.Do("DllGetClassObject MemoryAllocator IMemAllocator").hr, E_NOINTERFACE);
  EXPECT_EQ(m.Do("DllGetClassObject Other IClassFactory").hr, CLASS_E_CLASSNOTAVAILABLE);
  EXPECT_EQ(m.Do("DllGetClassObject MemoryAllocator IClassFactory null").hr, E_POINTER);
  EXPECT_EQ(m.Do("CreateInstance IMemAllocatorCallbackTemp").hr, S_OK);
  EXPECT_EQ(m.Do("CreateInstance IMediaSample").hr, E_NOINTERFACE);
  EXPECT_EQ(m.Do("CreateInstance IMemAllocator outer").hr, CLASS_E_NOAGGREGATION);
  EXPECT_EQ(m.Do("CreateInstance IMemAllocator null").hr, E_POINTER);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);
}

// checks: FACTORY.LOCKSERVER, FACTORY.UNLOAD
TEST(ModelFactory, LockServerCountsAndKeepsTheServerLoaded) {
  Sim m;
  EXPECT_EQ(m.Do("Release").rule, "LIFE.DESTROY");
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_OK);
  Outcome lock = m.Do("LockServer 1");
  EXPECT_EQ(lock.hr, S_OK);
  EXPECT_EQ(lock.rule, "FACTORY.LOCKSERVER");
  EXPECT_EQ(m.Do("LockServer 1").hr, S_OK);
  EXPECT_EQ(m.s.server_locks, 2u);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);  // locked, nothing alive
  EXPECT_EQ(m.Do("LockServer 0").hr, S_OK);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);
  EXPECT_EQ(m.Do("LockServer 0").hr, S_OK);
  EXPECT_EQ(m.s.server_locks, 0u);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_OK);
  // Strict: an unlock with none held is ignored; portable: not checked.
  EXPECT_EQ(m.Do("LockServer 0").hr, S_OK);
  EXPECT_EQ(m.s.server_locks, 0u);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_OK);
  EXPECT_FALSE(InDomain(m.s, *ParseOp("LockServer 0"), Profile::kPortable));
  EXPECT_TRUE(InDomain(m.s, *ParseOp("LockServer 1"), Profile::kPortable));
}

// checks: FACTORY.LOCKSERVER, FACTORY.UNLOAD
TEST(ModelFactory, AliveAllocatorOrLockEachKeepTheServerLoaded) {
  Sim m;
  EXPECT_EQ(m.Do("LockServer 1").hr, S_OK);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);
  EXPECT_EQ(m.Do("LockServer 0").hr, S_OK);
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);  // the allocator is alive
  EXPECT_EQ(m.Do("LockServer 1").hr, S_OK);
  m.Do("Release");
  EXPECT_EQ(m.Do("DllCanUnloadNow").hr, S_FALSE);  // destroyed, still locked
}

// --- portable profile -------------------------------------------------------------------

// Outcomes allowed under the portable profile for one op in one state.
std::vector<Outcome> Portable(const State& s, std::string_view line) {
  std::vector<Outcome> out;
  for (auto& t : Step(s, *ParseOp(line), Profile::kPortable)) out.push_back(t.outcome);
  return out;
}

bool HasHr(const std::vector<Outcome>& v, HRESULT hr) {
  for (const Outcome& o : v) {
    if (o.hr == hr) return true;
  }
  return false;
}

// checks: ALLOC.DECOMMIT.WAKE, ALLOC.PROPS.COMMITTED, ALLOC.PROPS.ZERO, ALLOC.PROPS.ROUND
TEST(ModelPortable, AllowsTheDocumentedAlternatives) {
  Sim m = Committed(1);
  m.Do("GetBuffer");
  m.Do("@1 GetBuffer");
  auto wake = Step(m.s, *ParseOp("Decommit"), Profile::kPortable);
  ASSERT_EQ(wake.size(), 2u);
  EXPECT_NE(wake[0].outcome.completions[0].hr, wake[1].outcome.completions[0].hr);
  m.Do("Decommit");
  m.Do("Commit");
  auto held = Portable(m.s, "SetProperties 1 10 4 0");
  EXPECT_TRUE(HasHr(held, VFW_E_ALREADY_COMMITTED));
  EXPECT_TRUE(HasHr(held, VFW_E_BUFFERS_OUTSTANDING));
  int untouched = 0;
  for (const Outcome& o : held) untouched += (o.written & kOutProps) ? 0 : 1;
  EXPECT_GT(untouched, 0);
  Sim fresh;
  auto round = Step(fresh.s, *ParseOp("SetProperties 1 1 16 0"), Profile::kPortable);
  ASSERT_EQ(round.size(), 2u);
  // The trait is sticky: after taking "unrounded", the next request is unrounded too.
  const State& unrounded = round[0].outcome.props.cbBuffer == 1 ? round[0].next : round[1].next;
  auto next = Step(unrounded, *ParseOp("SetProperties 1 17 16 0"), Profile::kPortable);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].outcome.props.cbBuffer, 17);
}

// checks: COM.ALLOC.QI.CALLBACK, ALLOC.GETBUFFER.NULL, ALLOC.RELEASEBUFFER.MISUSE, ALLOC.FREELIST.ORDER
TEST(ModelPortable, NotCheckedAndAbsentInterface) {
  Sim m = Committed(3);
  EXPECT_FALSE(InDomain(m.s, *ParseOp("GetBuffer null"), Profile::kPortable));
  EXPECT_FALSE(InDomain(m.s, *ParseOp("ReleaseBuffer foreign"), Profile::kPortable));
  EXPECT_FALSE(InDomain(m.s, *ParseOp("GetFreeCount null"), Profile::kPortable));
  // Any free sample; samples never handed out are interchangeable, so three
  // fresh ones are one choice; a used one on top is a second.
  EXPECT_EQ(Portable(m.s, "GetBuffer").size(), 1u);
  m.Do("GetBuffer");
  m.Do("sample 2 Release");
  EXPECT_EQ(Portable(m.s, "GetBuffer").size(), 2u);
  auto qi = Step(m.s, *ParseOp("QueryInterface IMemAllocatorCallbackTemp"), Profile::kPortable);
  ASSERT_EQ(qi.size(), 2u);
  for (const Transition& t : qi) {
    bool absent = t.outcome.hr == E_NOINTERFACE;
    EXPECT_EQ(InDomain(t.next, *ParseOp("SetNotify 0"), Profile::kPortable), !absent);
    EXPECT_EQ(InDomain(t.next, *ParseOp("GetFreeCount"), Profile::kPortable), !absent);
  }
}

// checks: ALLOC.COMMIT.FAIL, ALLOC.COMMIT.REALLOC, SAMPLE.RECYCLE.1, SAMPLE.GETMEDIATIME.1, SAMPLE.GETTIME.1
TEST(ModelPortable, ImplementationChoices) {
  Sim m;
  m.Do("SetProperties 0 0 1 0");
  auto fail = Portable(m.s, "Commit");
  EXPECT_EQ(fail.size(), 4u);               // any of the family's failure codes
  EXPECT_EQ(fail[0].hr, VFW_E_SIZENOTSET);  // answer 0 is the strict one
  m.Do("SetProperties 1 8 8192 0");
  auto big = Portable(m.s, "Commit");
  EXPECT_TRUE(HasHr(big, S_OK));
  EXPECT_TRUE(HasHr(big, VFW_E_BADALIGN));  // Wine's page check
  m.Do("SetProperties 1 8 1 0");
  m.Do("Commit");
  m.Do("GetBuffer");
  EXPECT_EQ(m.Do("sample 0 SetProperties2 64 cbData=64 tsf=3 flags=0x100 actual=1 start=0 "
                 "stop=5 stream=2 type=- buffer=own size=8")
                .hr,
            S_OK);
  EXPECT_EQ(Portable(m.s, "sample 0 GetTime * *").size(), 2u);  // STOPVALID alone
  m.Do("sample 0 SetMediaTime 0 4294967296");
  EXPECT_EQ(Portable(m.s, "sample 0 GetMediaTime * *").size(), 2u);  // 32-bit offset
  // tsf and stream id each kept or not (two traits).
  EXPECT_EQ(Portable(m.s, "sample 0 Release").size(), 4u);
  m.Do("sample 0 Release");
  m.Do("Decommit");
  auto reuse = Step(m.s, *ParseOp("Commit"), Profile::kPortable);
  ASSERT_EQ(reuse.size(), 2u);
  EXPECT_NE(reuse[0].outcome.reallocated, reuse[1].outcome.reallocated);
}

// The transitions of `line` under the portable profile.
Transitions PortableSteps(const State& s, std::string_view line) {
  return Step(s, *ParseOp(line), Profile::kPortable);
}

// Whether `line` may be issued under the portable profile.
bool PortableInDomain(const State& s, std::string_view line) {
  return InDomain(s, *ParseOp(line), Profile::kPortable);
}

// NOTIFY.SNAPSHOT is one trait: a COM reference on the callback during the
// call (dsalloc: 2 at entry) or none (the base classes' fixed control keeps
// it alive with its own holder: 1). Once seen, it stays.
// checks: NOTIFY.SNAPSHOT, COM.CALLBACK.REFS
TEST(ModelPortable, SnapshotReferenceIsOneTrait) {
  Sim m = Committed(1);
  m.Do("GetBuffer nowait flags=0x2 times");
  m.Do("SetNotify 0");
  Transitions rel = PortableSteps(m.s, "sample 0 Release");
  ASSERT_EQ(rel.size(), 2u);
  ASSERT_EQ(rel[0].outcome.notifications.size(), 1u);
  ASSERT_EQ(rel[1].outcome.notifications.size(), 1u);
  EXPECT_EQ(rel[0].outcome.notifications[0].refs_at_entry, 2u);  // strict first
  EXPECT_EQ(rel[1].outcome.notifications[0].refs_at_entry, 1u);
  EXPECT_EQ(rel[1].next.callbacks[0].refs, 1u);  // balanced after the call
  Transitions again = PortableSteps(rel[1].next, "GetBuffer nowait");
  ASSERT_EQ(again.size(), 1u);
  Transitions second = PortableSteps(again[0].next, "sample 0 Release");
  ASSERT_EQ(second.size(), 1u);  // the trait is fixed
  EXPECT_EQ(second[0].outcome.notifications[0].refs_at_entry, 1u);
  // Strict is dsalloc: the snapshot reference is counted.
  EXPECT_EQ(m.Do("sample 0 Release").notifications[0].refs_at_entry, 2u);
}

// 4096 buffers is dsalloc's own limit: under portable a Commit above it may
// succeed with that many samples (cheaply: samples never handed out are one
// choice for GetBuffer) or fail with a Commit failure code; above the
// model's bound (65535 samples) it is outside the portable domain. The
// int32 limits stay (every source refuses them).
// checks: ALLOC.COMMIT.LIMIT, ALLOC.COMMIT.FAIL, ALLOC.FREELIST.ORDER
TEST(ModelPortable, CommitAboveDsallocsBufferLimitMaySucceed) {
  Sim m;
  m.Do("SetProperties 4097 1 1 0");
  Transitions c = PortableSteps(m.s, "Commit");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c[0].outcome.hr, E_OUTOFMEMORY);  // answer 0 is the strict one
  const Transition* ok = nullptr;
  for (const Transition& t : c) {
    if (t.outcome.hr == S_OK) ok = &t;
  }
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(c.size(), 5u);  // the four failure codes, or success
  EXPECT_EQ(ok->next.samples.size(), 4097u);
  EXPECT_EQ(ok->next.free_list.size(), 4097u);
  EXPECT_EQ(ok->next.CheckInvariants(), "");
  Transitions get = PortableSteps(ok->next, "GetBuffer nowait");
  ASSERT_EQ(get.size(), 1u);
  EXPECT_EQ(get[0].outcome.sample.index, 4096);
  // Strict is unchanged.
  EXPECT_EQ(m.Do("Commit").hr, E_OUTOFMEMORY);
  Sim bound;
  bound.Do("SetProperties 65535 1 1 0");
  Transitions at_bound = PortableSteps(bound.s, "Commit");
  const Transition* bound_ok = nullptr;
  for (const Transition& t : at_bound) {
    if (t.outcome.hr == S_OK) bound_ok = &t;
  }
  ASSERT_NE(bound_ok, nullptr);
  // The last sample's index is still a sample, not SampleHandle::kNoSample
  // (the differential fuzzer found 65536 samples handing out "NULL").
  Transitions first = PortableSteps(bound_ok->next, "GetBuffer nowait");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].outcome.sample.valid());
  EXPECT_EQ(first[0].outcome.sample.index, 65534);
  Sim beyond;
  beyond.Do("SetProperties 65536 1 1 0");
  EXPECT_FALSE(PortableInDomain(beyond.s, "Commit"));
  EXPECT_TRUE(beyond.Allowed("Commit"));  // strict: E_OUTOFMEMORY
  Sim wide;
  wide.Do("SetProperties 4097 1048576 1 0");  // count x size > INT32_MAX
  EXPECT_FALSE(HasHr(Portable(wide.s, "Commit"), S_OK));
}

// Where cbBuffer + cbPrefix or its round-up overflows int32, or a negative
// size or prefix needs rounding, no source fixes the stored value: such a
// SetProperties is outside the portable domain. Strict still stores the
// request unrounded.
// checks: ALLOC.PROPS.ROUND, ALLOC.PROPS.ACCEPT
TEST(ModelPortable, RoundingOfHostileSizesIsLeftOpen) {
  Sim m;
  EXPECT_FALSE(PortableInDomain(m.s, "SetProperties 1 16 16 2147483647"));
  EXPECT_FALSE(PortableInDomain(m.s, "SetProperties 2 2147483647 16 0"));
  EXPECT_FALSE(PortableInDomain(m.s, "SetProperties 1 -5 4 0"));
  EXPECT_FALSE(PortableInDomain(m.s, "SetProperties 1 16 16 -3"));
  EXPECT_TRUE(PortableInDomain(m.s, "SetProperties 1 -5 1 0"));  // nothing to round
  EXPECT_TRUE(PortableInDomain(m.s, "SetProperties 1 -8 4 0"));  // a multiple already
  EXPECT_TRUE(PortableInDomain(m.s, "SetProperties 1 2147483647 1 0"));
  auto stored = Portable(m.s, "SetProperties 1 -8 4 0");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].props.cbBuffer, -8);
  EXPECT_EQ(m.Do("SetProperties 1 16 16 2147483647").props.cbBuffer, 16);  // strict
  Sim c = Committed(1);
  EXPECT_TRUE(PortableInDomain(c.s, "SetProperties 1 16 16 2147483647"));  // state error
}

// Wake-and-recheck waiters (the base classes' semaphore): a release with a
// waiter may hand the sample over (dsalloc) or free it and wake the waiter,
// which re-checks after the NotifyRelease reaction has run: a reaction's
// Decommit makes it return NOT_COMMITTED (or the Decommit-wake trait's
// code) with the sample free; a reaction's GetBufferNoWait takes it and the
// waiter blocks on. Without a reaction it gets a sample at the op's end.
// checks: ALLOC.RELEASEBUFFER.HANDOFF, ALLOC.DECOMMIT.WAKE, THREAD.NOLOSTWAKE
TEST(ModelPortable, WokenWaiterRechecksAfterTheReaction) {
  Sim m;
  m.Do("SetProperties 2 84 65536 0");
  m.Do("SetNotify 0");
  m.Do("Commit");
  m.Do("callback 0 react Decommit persistent");
  m.Do("GetBuffer nowait");
  m.Do("GetBuffer nowait");
  m.Do("@2 GetBuffer flags=0x8 times");
  Transitions rel = PortableSteps(m.s, "sample 0 Release");
  bool handoff = false, recheck = false;
  for (const Transition& t : rel) {
    ASSERT_EQ(t.outcome.completions.size(), 1u);
    EXPECT_EQ(t.next.state, AllocState::kPending);
    EXPECT_TRUE(t.next.waiters.empty());
    if (t.outcome.completions[0].hr == S_OK) {
      handoff = true;
      EXPECT_EQ(t.next.free_list.size(), 0u);
    } else if (t.outcome.completions[0].hr == VFW_E_NOT_COMMITTED) {
      recheck = true;
      EXPECT_EQ(t.next.free_list.size(), 1u);  // the sample stays free
      EXPECT_EQ(t.next.CheckInvariants(), "");
    }
  }
  EXPECT_TRUE(handoff);
  EXPECT_TRUE(recheck);
  EXPECT_EQ(rel[0].outcome.completions[0].hr, S_OK);            // strict first
  EXPECT_EQ(m.Do("sample 0 Release").completions[0].hr, S_OK);  // strict: hand-off

  Sim g = Committed(1);
  g.Do("SetNotify 0");
  g.Do("callback 0 react GetBufferNoWait");
  g.Do("GetBuffer nowait");
  g.Do("@1 GetBuffer");
  bool stolen = false;
  for (const Transition& t : PortableSteps(g.s, "sample 0 Release")) {
    if (t.outcome.completions.empty()) {
      stolen = true;
      EXPECT_EQ(t.outcome.notifications[0].reaction_hr, S_OK);
      EXPECT_EQ(t.next.waiters.size(), 1u);  // still blocked
      EXPECT_EQ(t.next.CheckInvariants(), "");
    }
  }
  EXPECT_TRUE(stolen);

  Sim q = Committed(1);
  q.Do("GetBuffer nowait");
  q.Do("@1 GetBuffer");
  for (const Transition& t : PortableSteps(q.s, "sample 0 Release")) {
    ASSERT_EQ(t.outcome.completions.size(), 1u);  // never left free
    EXPECT_EQ(t.outcome.completions[0].hr, S_OK);
    EXPECT_EQ(t.next.CheckInvariants(), "");
  }
}

// SetProperties' check order is two traits, not Wine's bundle: alignment
// before or after the state, and in C outstanding samples before or after
// the committed state. Checking alignment first (base classes) and
// outstanding first (Wine) is allowed.
// checks: ALLOC.PROPS.ALIGN, ALLOC.PROPS.COMMITTED, ALLOC.PROPS.PENDING
TEST(ModelPortable, SetPropertiesCheckOrderIsTwoTraits) {
  Sim m = Committed(1);
  m.Do("GetBuffer nowait");
  auto zero = Portable(m.s, "SetProperties 1 10 0 0");
  EXPECT_TRUE(HasHr(zero, VFW_E_BADALIGN));
  EXPECT_TRUE(HasHr(zero, VFW_E_ALREADY_COMMITTED));
  EXPECT_TRUE(HasHr(zero, VFW_E_BUFFERS_OUTSTANDING));
  const State* wine_state = nullptr;
  Transitions held = PortableSteps(m.s, "SetProperties 1 10 4 0");
  for (const Transition& t : held) {
    if (t.outcome.hr == VFW_E_BUFFERS_OUTSTANDING) wine_state = &t.next;
  }
  ASSERT_NE(wine_state, nullptr);
  auto mixed = Portable(*wine_state, "SetProperties 1 10 0 0");
  EXPECT_TRUE(HasHr(mixed, VFW_E_BADALIGN));                     // alignment first
  EXPECT_TRUE(HasHr(mixed, VFW_E_BUFFERS_OUTSTANDING));          // alignment last
  EXPECT_FALSE(HasHr(mixed, VFW_E_ALREADY_COMMITTED));           // outstanding first is fixed
  EXPECT_EQ(m.Do("SetProperties 1 10 0 0").hr, VFW_E_BADALIGN);  // strict
  EXPECT_EQ(m.Do("SetProperties 1 10 4 0").hr, VFW_E_ALREADY_COMMITTED);
}

// --- properties of the model itself -----------------------------------------------------

Op RandomOp(std::mt19937& rng, const State& s) {
  static const char* kLines[] = {"SetProperties 2 64 1 0",
                                 "SetProperties 3 100 16 4",
                                 "SetProperties 1 1 0 0",
                                 "GetProperties",
                                 "Commit",
                                 "Commit",
                                 "Decommit",
                                 "GetBuffer",
                                 "GetBuffer nowait",
                                 "@1 GetBuffer",
                                 "@2 GetBuffer",
                                 "@1 GetBuffer nowait",
                                 "SetNotify 0",
                                 "SetNotify 1",
                                 "SetNotify null",
                                 "GetFreeCount",
                                 "AddRef",
                                 "Release",
                                 "QueryInterface IUnknown",
                                 "callback 0 react GetFreeCount",
                                 "callback 1 react GetBufferNoWait",
                                 "callback 0 react SetNotifyOther 1",
                                 "callback 1 react SetNotifySelf persistent",
                                 "callback 0 react ReleaseSample 0",
                                 "callback 1 react Decommit",
                                 "callback 0 react Commit",
                                 "callback 1 react SetNotifyNull",
                                 "ReleaseBuffer foreign",
                                 "DllCanUnloadNow"};
  static const char* kSample[] = {
      "Release",
      "Release",
      "Release",
      "AddRef",
      "GetSize",
      "SetTime 5 9",
      "GetTime * *",
      "SetMediaType 1",
      "SetActualDataLength 3",
      "SetSyncPoint 1",
      "GetProperties2 64",
      "SetMediaTime 1 2",
      "QueryInterface IMediaSample2",
      "GetMediaType",
      ("SetProperties2 64 cbData=64 tsf=3 flags=0x1 actual=1 start=0 stop=0 stream=2 type=- "
       "buffer=own size=0")};
  uint8_t thread = static_cast<uint8_t>(rng() % 3);
  if (!s.samples.empty() && rng() % 2) {
    int idx = static_cast<int>(rng() % s.samples.size());
    std::string line =
        "sample " + std::to_string(idx) + " " + kSample[rng() % (sizeof kSample / sizeof *kSample)];
    Op op = *ParseOp(line);
    op.thread = thread;
    return op;
  }
  Op op = *ParseOp(kLines[rng() % (sizeof kLines / sizeof *kLines)]);
  if (op.thread == 0 && !Is<call::GetBuffer>(op.call)) op.thread = thread;
  return op;
}

// Same abstract state, ignoring the portable traits.
bool SameIgnoringTraits(State a, State b) {
  a.traits = {};
  b.traits = {};
  return a == b;
}

// Random walks: strict is deterministic, keeps the invariants, hashes
// consistently, and every strict outcome is one the portable profile allows
// (when the op is in the portable domain).
// checks: ALLOC.STATE, ALLOC.BOUND, COM.CALLBACK.REFS, GEN.ATOMIC
TEST(ModelProperties, RandomWalksKeepInvariants) {
  std::mt19937 rng(12345);
  int steps = 0, portable_checked = 0;
  for (int walk = 0; walk < 300; ++walk) {
    State s = Initial();
    State port = Initial();
    bool port_valid = true;
    for (int i = 0; i < 60; ++i) {
      Op op = RandomOp(rng, s);
      if (!InDomain(s, op, Profile::kStrict)) continue;
      Transitions t = Step(s, op, Profile::kStrict);
      ASSERT_EQ(t.size(), 1u);
      Transitions again = Step(s, op, Profile::kStrict);
      ASSERT_TRUE(again[0].next == t[0].next);
      ASSERT_EQ(again[0].next.Hash(), t[0].next.Hash());
      ASSERT_EQ(t[0].next.CheckInvariants(), "") << ToString(op) << "\n" << ToString(s);
      ASSERT_FALSE(t[0].outcome.rule.empty()) << ToString(op);
      // Every allocator-held callback reference is accounted for.
      for (int c = 0; c < kNumCallbacks; ++c) {
        ASSERT_EQ(t[0].next.callbacks[c].refs, t[0].next.callback == c ? 1u : 0u);
      }
      if (port_valid && InDomain(port, op, Profile::kPortable)) {
        Transitions p = Step(port, op, Profile::kPortable);
        bool found = false;
        for (const Transition& u : p) {
          if (u.outcome == t[0].outcome && SameIgnoringTraits(u.next, t[0].next)) {
            port = u.next;
            found = true;
            break;
          }
        }
        ASSERT_TRUE(found) << "strict outcome not allowed by portable: " << ToString(op) << " -> "
                           << ToString(t[0].outcome) << "\n"
                           << ToString(s);
        ++portable_checked;
      } else {
        port_valid = false;
      }
      s = t[0].next;
      ++steps;
    }
  }
  EXPECT_GT(steps, 10000);
  EXPECT_GT(portable_checked, 1000);
}

TEST(ModelProperties, HashDistinguishesStates) {
  std::unordered_set<State> seen;
  Sim m;
  seen.insert(m.s);
  m.Do("SetProperties 1 8 1 0");
  seen.insert(m.s);
  m.Do("Commit");
  seen.insert(m.s);
  m.Do("GetBuffer");
  seen.insert(m.s);
  m.Do("sample 0 SetTime 1 2");
  seen.insert(m.s);
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.count(m.s), 1u);
}

}  // namespace
}  // namespace dsalloc::spec
