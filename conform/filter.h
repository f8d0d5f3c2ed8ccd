// ---------------------------------------------------------------------------
// File: conform/filter.h
// ---------------------------------------------------------------------------
//
// --cases and --rules: which cases run and which rules the table shows.
// A filter is GoogleTest's: "POS[:POS...][-NEG[:NEG...]]" (',' works as
// ':' too), '*' any run of characters, '?' one; a name is selected when it
// matches some positive pattern (none given: every name) and no negative
// one. Case names contain '-', so for them the negative list starts only
// at a '-' that begins the text or follows a separator ("getbuffer-*:-getbuffer-null"). Selecting nothing is the caller's usage error: Select says so with a
// message that names the filter and, when the text is a rule ID given to
// --cases (or a case given to --rules), what was meant.
//
// Threading: none. Errors: false and *error, for exit code 2.

#ifndef DSALLOC_CONFORM_FILTER_H_
#define DSALLOC_CONFORM_FILTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"

namespace dsalloc::conform {

class NameFilter {
 public:
  NameFilter() = default;  // selects everything
  // `dashes_in_names`: a '-' inside a pattern is part of the name (cases).
  NameFilter(std::string_view text, bool dashes_in_names);
  bool Matches(std::string_view name) const;
  bool SelectsAll() const { return positive_.empty() && negative_.empty(); }

 private:
  std::vector<std::string> positive_, negative_;
};

// '*' and '?' globbing of a whole name.
bool GlobMatches(std::string_view pattern, std::string_view name);

struct Selection {
  std::vector<const CaseInfo*> cases;  // what the cases phase runs
  NameFilter rules;                    // which rules the table shows
};

// The cases `case_filter` and `rule_filter` (Options' texts, "" = all)
// select together; false and *error when the rule filter matches no rule,
// or the cases phase runs (`cases_phase`) and no case is selected.
bool Select(const std::string& case_filter, const std::string& rule_filter, bool cases_phase,
            Selection* selection, std::string* error);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_FILTER_H_
