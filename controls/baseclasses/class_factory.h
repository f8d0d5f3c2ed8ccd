// controls/baseclasses/class_factory.h
//
// IClassFactory for CLSID_MemoryAllocator. One object per
// DllGetClassObject call; it counts as a live server object while
// referenced (DllCanUnloadNow).

#ifndef DSALLOC_CONTROLS_BASECLASSES_CLASS_FACTORY_H_
#define DSALLOC_CONTROLS_BASECLASSES_CLASS_FACTORY_H_

#include <dsalloc/strmif.h>

namespace ctl_baseclasses {

// A new factory with one reference, or NULL when out of memory.
IClassFactory* NewClassFactory();

}  // namespace ctl_baseclasses

#endif  // DSALLOC_CONTROLS_BASECLASSES_CLASS_FACTORY_H_
