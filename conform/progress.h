// ---------------------------------------------------------------------------
// File: conform/progress.h
// ---------------------------------------------------------------------------
//
// How far a child is inside its check, for the parent's progress line: the
// child writes its count of units done (sequences, parallel cases, soak
// cycles) into a small file, the parent reads it while the child runs. A
// child that never opens its sink is simply not counted until it ends.
//
// Threading: ReportProgress may be called from any thread of the child;
// ReadProgress from any thread of the parent. Errors: ignored (progress is
// a courtesy; a missing file reads as -1).

#ifndef DSALLOC_CONFORM_PROGRESS_H_
#define DSALLOC_CONFORM_PROGRESS_H_

#include <string>

namespace dsalloc::conform {

// Child: where to write (call once, before the check).
void OpenProgress(const std::string& path);
// Child: `done` units so far.
void ReportProgress(long long done);
// Parent: the child's last count, -1 when it wrote none.
long long ReadProgress(const std::string& path);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_PROGRESS_H_
