// harness/test_variants.h: the broken variants a harness test loads by name.
//
// LoadVariant("kLostNotify") loads
// DSALLOC_VARIANTS_DIR/libdsalloc_variant_kLostNotify.so (the variants of
// src/internal/variant.h; dsalloc_harness_test() in CMakeLists.txt defines
// the folder and builds the variants a test names first). A variant that
// cannot be loaded is a test failure with the loader's message, and
// nullopt: the caller then stops.
//
// For the harness's GoogleTest programs only (it reports through
// ADD_FAILURE).

#ifndef DSALLOC_HARNESS_TEST_VARIANTS_H_
#define DSALLOC_HARNESS_TEST_VARIANTS_H_

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "implementation.h"

#ifndef DSALLOC_VARIANTS_DIR
#error "harness/test_variants.h needs DSALLOC_VARIANTS_DIR (dsalloc_harness_test() defines it)"
#endif

namespace dsalloc::harness {

inline std::optional<Implementation> LoadVariant(const std::string& name) {
  std::string error;
  std::optional<Implementation> impl =
      Load(std::string(DSALLOC_VARIANTS_DIR) + "/libdsalloc_variant_" + name + ".so", &error);
  if (!impl) ADD_FAILURE() << error;
  return impl;
}

}  // namespace dsalloc::harness

#endif  // DSALLOC_HARNESS_TEST_VARIANTS_H_
