// conform/record.cpp: the child-to-parent record format (record.h).
//
// Each field is "<key> <length>\n<bytes>\n"; a result starts with
// "result 0\n\n" and the file ends with "end 0\n\n", so a file cut short by
// a dying child is recognisably incomplete.

#include "record.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace dsalloc::conform {
namespace {

void Field(std::string* out, const char* key, const std::string& value) {
  *out += key;
  *out += ' ';
  *out += std::to_string(value.size());
  *out += '\n';
  *out += value;
  *out += '\n';
}

}  // namespace

std::string Encode(const std::vector<CheckResult>& results) {
  std::string out;
  for (const CheckResult& r : results) {
    Field(&out, "result", "");
    Field(&out, "phase", std::to_string(static_cast<int>(r.phase)));
    Field(&out, "name", r.name);
    for (const std::string& rule : r.rules) Field(&out, "rule", rule);
    Field(&out, "status", std::to_string(static_cast<int>(r.status)));
    Field(&out, "div.rule", r.divergence.rule);
    Field(&out, "div.op", r.divergence.op);
    Field(&out, "div.expected", r.divergence.expected);
    Field(&out, "div.observed", r.divergence.observed);
    Field(&out, "detail", r.detail);
    Field(&out, "trace", r.trace);
    Field(&out, "trace_file", r.trace_file);
    for (const TimelineCall& call : r.timeline) {
      Field(&out, "tl",
            std::to_string(call.thread) + " " + std::to_string(call.invoked) + " " +
                std::to_string(call.responded));
      Field(&out, "tl.call", call.call);
      Field(&out, "tl.result", call.result);
    }
    Field(&out, "seconds", std::to_string(r.seconds));
    Field(&out, "work", std::to_string(r.work));
  }
  Field(&out, "end", "");
  return out;
}

bool Decode(const std::string& data, std::vector<CheckResult>* results) {
  results->clear();
  size_t at = 0;
  while (at < data.size()) {
    size_t space = data.find(' ', at);
    size_t newline = data.find('\n', at);
    if (space == std::string::npos || newline == std::string::npos || space > newline) {
      return false;
    }
    std::string key = data.substr(at, space - at);
    size_t length = std::strtoull(data.c_str() + space + 1, nullptr, 10);
    if (newline + 1 + length + 1 > data.size()) return false;
    std::string value = data.substr(newline + 1, length);
    at = newline + 1 + length + 1;
    if (key == "end") return true;
    if (key == "result") {
      results->emplace_back();
      continue;
    }
    if (results->empty()) return false;
    CheckResult& r = results->back();
    if (key == "phase") r.phase = static_cast<Phase>(std::atoi(value.c_str()));
    if (key == "name") r.name = value;
    if (key == "rule") r.rules.push_back(value);
    if (key == "status") r.status = static_cast<Status>(std::atoi(value.c_str()));
    if (key == "div.rule") r.divergence.rule = value;
    if (key == "div.op") r.divergence.op = value;
    if (key == "div.expected") r.divergence.expected = value;
    if (key == "div.observed") r.divergence.observed = value;
    if (key == "detail") r.detail = value;
    if (key == "trace") r.trace = value;
    if (key == "trace_file") r.trace_file = value;
    if (key == "tl") {
      TimelineCall call;
      std::istringstream(value) >> call.thread >> call.invoked >> call.responded;
      r.timeline.push_back(call);
    }
    if (key == "tl.call" && !r.timeline.empty()) r.timeline.back().call = value;
    if (key == "tl.result" && !r.timeline.empty()) r.timeline.back().result = value;
    if (key == "seconds") r.seconds = std::strtod(value.c_str(), nullptr);
    if (key == "work") r.work = std::strtoll(value.c_str(), nullptr, 10);
  }
  return false;  // no "end": the writer died
}

bool WriteFile(const std::string& path, const std::string& data) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << data;
  return static_cast<bool>(file.flush());
}

bool ReadFile(const std::string& path, std::string* data) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream text;
  text << file.rdbuf();
  *data = text.str();
  return true;
}

}  // namespace dsalloc::conform
