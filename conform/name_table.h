// ---------------------------------------------------------------------------
// File: conform/name_table.h
// ---------------------------------------------------------------------------
//
// The words for an enum's values as one table of {value, word} rows, read
// both ways: NameOf gives a value's word (or `unknown` for a value the table
// lacks), ValueNamed the value a word stands for. One table per set of words
// keeps what a report prints and what a parser accepts from drifting apart.
//
// Cost: a linear search (the tables have a handful of rows). Threading:
// pure functions. Errors: none.

#ifndef DSALLOC_CONFORM_NAME_TABLE_H_
#define DSALLOC_CONFORM_NAME_TABLE_H_

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace dsalloc::conform {

template <typename Enum>
using NameRow = std::pair<Enum, const char*>;

template <typename Enum, size_t N>
constexpr const char* NameOf(const NameRow<Enum> (&table)[N], Enum value,
                             const char* unknown = "?") {
  for (const auto& [row_value, word] : table) {
    if (row_value == value) return word;
  }
  return unknown;
}

template <typename Enum, size_t N>
constexpr std::optional<Enum> ValueNamed(const NameRow<Enum> (&table)[N], std::string_view word) {
  for (const auto& [value, row_word] : table) {
    if (word == row_word) return value;
  }
  return std::nullopt;
}

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_NAME_TABLE_H_
