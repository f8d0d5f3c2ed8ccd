// conform/preflight.cpp: the usage checks made before any child runs
// (preflight.h).

#include "preflight.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "harness/implementation.h"
#include "platform.h"
#include "record.h"

namespace dsalloc::conform {

namespace fs = std::filesystem;

// Opening is the only test that holds for root too (access() says yes to
// root for /proc files that refuse every write).
bool CanWriteFile(const std::string& path, std::string* why) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    *why = "is a directory";
    return false;
  }
  bool existed = fs::exists(path, ec);
  if (int error = OpenForAppend(path); error != 0) {
    *why = std::strerror(error);
    return false;
  }
  if (!existed) fs::remove(path, ec);
  return true;
}

namespace {

// On Windows "system" names no file: the child asks COM (child.cpp).
bool IsSystemServer(const std::string& server) {
#if defined(_WIN32)
  return server == harness::kSystemServer;
#else
  (void)server;
  return false;
#endif
}

// A directory the kit can write files in: one made and removed in it.
bool CanWriteIn(const std::string& dir, std::string* why) {
  std::string probe = dir + "/.dsalloc-conform-write-check-" + std::to_string(ProcessId());
  if (int error = CreateNewFile(probe); error != 0) {
    *why = std::strerror(error);
    return false;
  }
  std::error_code ec;
  fs::remove(probe, ec);
  return true;
}

}  // namespace

bool CheckUsage(Options* o, Plan* plan, std::string* error) {
  if (!o->clsid.empty() && !harness::ParseGuid(o->clsid)) {
    *error = "--clsid: '" + o->clsid + "' is not a GUID ({xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})";
    return false;
  }
  if (!o->expect.empty()) {
    std::string text;
    if (!ReadFile(o->expect, &text)) {
      *error = "--expect: cannot read " + o->expect;
      return false;
    }
    if (!ParseExpectations(text, &plan->expect, error)) return false;
    plan->has_expect = true;
  }
  if (!o->server.empty() && !IsSystemServer(o->server)) {
    std::FILE* file = std::fopen(o->server.c_str(), "rb");
    if (file == nullptr) {
      *error = "--server: cannot read " + o->server + " (" + std::strerror(errno) + ")";
      return false;
    }
    std::fclose(file);
    // "libx.so" means the file here, not a search of the library path.
    std::error_code ec;
    fs::path absolute = fs::absolute(o->server, ec);
    if (!ec) o->server = absolute.lexically_normal().string();
  }
  if (!o->replay.empty()) {
    std::string text;
    if (!ReadFile(o->replay, &text)) {
      *error = "--replay: cannot read " + o->replay;
      return false;
    }
    std::error_code ec;
    fs::path absolute = fs::absolute(o->replay, ec);
    if (!ec) o->replay = absolute.lexically_normal().string();
    return true;  // a replay writes no reports and runs no phases
  }
  bool cases_phase = false;
  for (Phase phase : o->phases) cases_phase = cases_phase || phase == Phase::kCases;
  if (!Select(o->case_filter, o->rule_filter, cases_phase, &plan->selection, error)) return false;
  for (auto [option, path] : {std::pair{"--junit", &o->junit}, std::pair{"--json", &o->json},
                              std::pair{"--html", &o->html}}) {
    std::string why;
    if (!path->empty() && !CanWriteFile(*path, &why)) {
      *error = std::string(option) + ": cannot write " + *path + " (" + why + ")";
      return false;
    }
  }
  if (!o->trace_dir.empty()) {
    std::error_code ec;
    plan->trace_dir_made = !fs::exists(o->trace_dir, ec);
    fs::create_directories(o->trace_dir, ec);
    if (ec || !fs::is_directory(o->trace_dir, ec)) {
      *error = "--trace-dir: cannot create " + o->trace_dir + " (" +
               (ec ? ec.message() : std::string("not a directory")) + ")";
      return false;
    }
    if (std::string why; !CanWriteIn(o->trace_dir, &why)) {
      *error = "--trace-dir: cannot write in " + o->trace_dir + " (" + why + ")";
      if (plan->trace_dir_made) fs::remove(o->trace_dir, ec);
      return false;
    }
  }
  return true;
}

}  // namespace dsalloc::conform
