// props/main.cpp: the props binary. Options first (props_options.h), then
// GoogleTest runs the properties.

#include <gtest/gtest.h>

#include <cstdio>

#include "harness/implementation.h"
#include "props_options.h"

int main(int argc, char** argv) {
  if (!dsalloc::props::ParseOptions(&argc, argv)) return 2;
  ::testing::InitGoogleTest(&argc, argv);
  std::printf(
      "dsalloc-props: implementation %s, profile %s\n", dsalloc::harness::Selected().name.c_str(),
      dsalloc::props::SelectedProfile() == dsalloc::spec::Profile::kStrict ? "strict" : "portable");
  return RUN_ALL_TESTS();
}
