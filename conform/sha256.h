// ---------------------------------------------------------------------------
// File: conform/sha256.h
// ---------------------------------------------------------------------------
//
// SHA-256 (FIPS 180-4) of bytes or of a file, as lowercase hex: how a report
// names the exact server and specification it judged with (the same digest
// `sha256sum` prints).
//
// Threading: pure functions. Errors: Sha256OfFile returns "" when the file
// cannot be read.

#ifndef DSALLOC_CONFORM_SHA256_H_
#define DSALLOC_CONFORM_SHA256_H_

#include <string>
#include <string_view>

namespace dsalloc::conform {

std::string Sha256Hex(std::string_view bytes);
std::string Sha256OfFile(const std::string& path);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_SHA256_H_
