// ---------------------------------------------------------------------------
// File: conform/record.h
// ---------------------------------------------------------------------------
//
// How a child process hands its CheckResults to the parent: a record file of
// length-prefixed fields, so any byte (a trace, a report with newlines)
// round-trips. Decode(Encode(r)) == r field by field.
//
// Threading: none. Errors: Decode returns false on a truncated or foreign
// file (a child that died mid-write).

#ifndef DSALLOC_CONFORM_RECORD_H_
#define DSALLOC_CONFORM_RECORD_H_

#include <string>
#include <vector>

#include "result.h"

namespace dsalloc::conform {

std::string Encode(const std::vector<CheckResult>& results);
bool Decode(const std::string& data, std::vector<CheckResult>* results);

// Whole-file helpers; false on an I/O error.
bool WriteFile(const std::string& path, const std::string& data);
bool ReadFile(const std::string& path, std::string* data);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_RECORD_H_
