// dsalloc-conform: judges an implementation of CLSID_MemoryAllocator rule by
// rule (conform/README.md; --help).

#include <cstdio>
#include <string>

#include "kit.h"
#include "options.h"

int main(int argc, char** argv) {
  using namespace dsalloc::conform;
  Options options;
  std::string error;
  if (!Parse(argc, argv, &options, &error)) {
    std::fprintf(stderr, "dsalloc-conform: %s\n", error.c_str());
    return 2;
  }
  if (!options.child.empty()) return RunChild(options);
  return RunKit(options);
}
