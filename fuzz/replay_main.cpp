// fuzz/replay_main.cpp: the plain replay driver of a fuzz target.
//
//   dsalloc_fuzz_replay_<target> FILE|DIR...
//
// Links one target's LLVMFuzzerTestOneInput with this main() instead of
// libFuzzer, so any compiler builds it (g++ included) and ctest runs every
// corpus and regression file on every machine: each file (a directory
// stands for the regular files in it, in name order) is one input. A
// finding is printed (fuzz_env.h) and counted instead of aborting. Exit 0
// when no file gave a finding, 1 otherwise, 2 on a file it cannot read.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_env.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool ReadFile(const std::filesystem::path& path, std::vector<uint8_t>* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  dsalloc::fuzz::RecordFindingsInsteadOfAborting();
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      std::vector<fs::path> in_dir;
      for (const fs::directory_entry& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') {
          in_dir.push_back(e.path());
        }
      }
      std::sort(in_dir.begin(), in_dir.end());
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else {
      files.push_back(arg);
    }
  }
  int failed = 0;
  for (const fs::path& file : files) {
    std::vector<uint8_t> bytes;
    if (!ReadFile(file, &bytes)) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      return 2;
    }
    auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    bool finding = dsalloc::fuzz::TakeFindings() > 0;
    std::printf("%s %s (%zu bytes, %.2f ms)\n", finding ? "FINDING" : "ok     ", file.c_str(),
                bytes.size(), ms);
    if (finding) ++failed;
  }
  std::printf("%zu inputs, %d with findings\n", files.size(), failed);
  return failed == 0 ? 0 : 1;
}
