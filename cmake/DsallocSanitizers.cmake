# Sanitizers apply to the whole build tree, so that every library, test and
# loadable implementation is instrumented alike.
if(DSALLOC_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(DSALLOC_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT DSALLOC_SANITIZE STREQUAL "")
  message(FATAL_ERROR "DSALLOC_SANITIZE must be '', 'address' or 'thread'")
endif()
