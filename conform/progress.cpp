// conform/progress.cpp: the child-to-parent progress count (progress.h): one
// 8-byte positioned write per update, read back whole (platform.h).

#include "progress.h"

#include "platform.h"

namespace dsalloc::conform {
namespace {
ValueFile g_progress;
}  // namespace

void OpenProgress(const std::string& path) { g_progress.OpenForWriting(path); }

void ReportProgress(long long done) { g_progress.Write(done); }

long long ReadProgress(const std::string& path) { return ValueFile::Read(path); }

}  // namespace dsalloc::conform
