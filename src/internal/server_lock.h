// ---------------------------------------------------------------------------
// File: src/internal/server_lock.h
// ---------------------------------------------------------------------------
//
// The count behind DllCanUnloadNow: live objects of this server plus
// LockServer(TRUE) locks. Each object counts itself from construction to
// destruction with a ServerReference member.
//
// Threading: thread-safe (one atomic).

#ifndef DSALLOC_SRC_INTERNAL_SERVER_LOCK_H_
#define DSALLOC_SRC_INTERNAL_SERVER_LOCK_H_

namespace dsalloc::internal {

void LockServer();
void UnlockServer();
bool ServerInUse();

// Holds the server for its own lifetime.
class ServerReference {
 public:
  ServerReference() { LockServer(); }
  ~ServerReference() { UnlockServer(); }
  ServerReference(const ServerReference&) = delete;
  ServerReference& operator=(const ServerReference&) = delete;
};

}  // namespace dsalloc::internal

#endif  // DSALLOC_SRC_INTERNAL_SERVER_LOCK_H_
