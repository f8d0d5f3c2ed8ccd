// conform/version.cpp: the kit's version and its specification's revision
// (version.h). DSALLOC_KIT_VERSION and DSALLOC_KIT_GIT come from CMake.

#include "version.h"

#include "catalog.h"
#include "sha256.h"

#ifndef DSALLOC_KIT_VERSION
#define DSALLOC_KIT_VERSION "unknown"
#endif
#ifndef DSALLOC_KIT_GIT
#define DSALLOC_KIT_GIT ""
#endif

namespace dsalloc::conform {

std::string KitVersion() {
  std::string version = DSALLOC_KIT_VERSION;
  if (std::string git = DSALLOC_KIT_GIT; !git.empty()) version += " (git " + git + ")";
  return version;
}

std::string SpecRevision() {
  static const std::string revision = Sha256Hex(EmbeddedSpec()).substr(0, 16);
  return revision;
}

std::string VersionText() {
  return "dsalloc-conform " + KitVersion() + "\nspec/SPEC.md revision " + SpecRevision() + " (" +
         std::to_string(Rules().size()) + " rules, " + std::to_string(Cases().size()) + " cases)\n";
}

}  // namespace dsalloc::conform
