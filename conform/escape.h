// ---------------------------------------------------------------------------
// File: conform/escape.h
// ---------------------------------------------------------------------------
//
// Escaping and number formatting shared by the report writers (report.h).
// Every function takes arbitrary bytes: a trace or a crash report may hold
// anything, and the writers must still produce a document that parses. Bytes
// that are not valid UTF-8 become U+FFFD; so do the code points XML 1.0
// forbids (controls other than tab, LF and CR; U+FFFE, U+FFFF).
//
// Threading: thread-safe (pure functions). Errors: none.

#ifndef DSALLOC_CONFORM_ESCAPE_H_
#define DSALLOC_CONFORM_ESCAPE_H_

#include <string>
#include <string_view>

namespace dsalloc::conform {

// XmlText() escapes for XML and HTML element content: & < > " ' as entities,
// CR as &#13; (so that a parser does not fold it into LF).
std::string XmlText(std::string_view text);

// XmlAttr() escapes for a double-quoted XML or HTML attribute value: as
// XmlText(), plus tab and LF as character references, so that attribute
// normalisation keeps them.
std::string XmlAttr(std::string_view text);

// JsonString() returns `text` as a JSON string literal, quotes included:
// " and \ escaped, controls as \n \t ... or \u00XX, U+2028 and U+2029 as
// \u escapes (so the literal is also valid JavaScript).
std::string JsonString(std::string_view text);

// JsonNumber() returns the shortest text that reads back as `value`;
// "null" for NaN and infinities, which JSON cannot spell.
std::string JsonNumber(double value);

// Fixed() prints `value` with `decimals` digits after the point ("0.250").
std::string Fixed(double value, int decimals);

// OneLine() folds every run of whitespace (newlines included) into one
// space and trims both ends, for a table cell that must stay on one line;
// other control bytes (a terminal escape, say) become '?'.
std::string OneLine(std::string_view text);

}  // namespace dsalloc::conform

#endif  // DSALLOC_CONFORM_ESCAPE_H_
