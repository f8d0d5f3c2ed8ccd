// controls/baseclasses/server.h
//
// Module-wide bookkeeping of the control server: how many of its objects
// are alive and how many IClassFactory::LockServer(TRUE) calls are
// outstanding. DllCanUnloadNow answers from these two counters.

#ifndef DSALLOC_CONTROLS_BASECLASSES_SERVER_H_
#define DSALLOC_CONTROLS_BASECLASSES_SERVER_H_

namespace ctl_baseclasses {

// Called by every COM object of this server on construction / destruction.
void ObjectCreated();
void ObjectDestroyed();

// IClassFactory::LockServer.
void LockModule();
void UnlockModule();

// True when no object is alive and no lock is held.
bool ModuleIdle();

}  // namespace ctl_baseclasses

#endif  // DSALLOC_CONTROLS_BASECLASSES_SERVER_H_
