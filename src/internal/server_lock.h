// ---------------------------------------------------------------------------
// File: src/internal/server_lock.h
// ---------------------------------------------------------------------------
//
// The count behind DllCanUnloadNow: live objects of this server plus
// outstanding IClassFactory::LockServer(TRUE) locks. Each object counts
// itself from construction to destruction with a ServerReference member.
//
// Threading: thread-safe (atomics).

#ifndef DSALLOC_SRC_INTERNAL_SERVER_LOCK_H_
#define DSALLOC_SRC_INTERNAL_SERVER_LOCK_H_

namespace dsalloc::internal {

// One more / one fewer live object.
void CountObject();
void UncountObject();

// IClassFactory::LockServer. An unlock without a matching lock is ignored,
// so a client's mistake cannot make the server unloadable while in use.
void LockServer();
void UnlockServer();

bool ServerInUse();

// Holds the server for its own lifetime.
class ServerReference {
 public:
  ServerReference() { CountObject(); }
  ~ServerReference() { UncountObject(); }
  ServerReference(const ServerReference&) = delete;
  ServerReference& operator=(const ServerReference&) = delete;
};

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_SERVER_LOCK_H_
