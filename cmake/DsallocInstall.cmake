# cmake --install: headers, libdsalloc.a and libdsalloc.so, a CMake package
# (find_package(dsalloc) gives dsalloc::dsalloc and dsalloc::dsalloc_static)
# and a pkg-config file (pkg-config --cflags --libs dsalloc).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/dsalloc
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS dsalloc dsalloc_static dsalloc_headers
        EXPORT dsallocTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# dsalloc_warnings is a build-time detail; keep it out of the export set.
set(DSALLOC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dsalloc)
install(EXPORT dsallocTargets NAMESPACE dsalloc::
        DESTINATION ${DSALLOC_CMAKE_DIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/dsallocConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dsallocConfig.cmake
  INSTALL_DESTINATION ${DSALLOC_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/dsallocConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dsallocConfig.cmake
              ${PROJECT_BINARY_DIR}/dsallocConfigVersion.cmake
        DESTINATION ${DSALLOC_CMAKE_DIR})

# The .pc file finds its prefix from its own location (${pcfiledir}), so an
# install with `cmake --install --prefix DIR` works wherever DIR is.
file(RELATIVE_PATH DSALLOC_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/dsalloc.pc.in
               ${PROJECT_BINARY_DIR}/dsalloc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/dsalloc.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
