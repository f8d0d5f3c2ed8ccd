// ---------------------------------------------------------------------------
// File: conform/report_html.cpp
// ---------------------------------------------------------------------------
//
// Html(): one page, built top to bottom: head (inline <style>), header
// (run facts and the totals, which are also the table's filter buttons),
// the rule table, one section per failing check, and an inline <script>.
// Every string from the Report goes through XmlText or XmlAttr; the script
// and the style are constants, so no data is ever placed inside them.
//
// The timeline (Timeline) follows the history diagrams of Knossos and
// Porcupine: one lane per thread; the x axis is event order, not clock time
// (a short call next to a long one stays readable), with the clock value of
// each event printed under the axis. Each call is a bar from its invocation to its
// response labelled with the call and its result, clipped to the bar; the
// full text is in the bar's <title>, which browsers show on hover. A call
// that never returned runs open (fading, dashed) to the right edge. The call
// the divergence names is outlined in red. Events are spaced so that each
// returned call's bar is wide enough for its label (up to a cap), never
// closer than a fixed gap, so the page stays compact without hiding text.

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "escape.h"
#include "report.h"

namespace dsalloc::conform {
namespace {

constexpr char kStyle[] = R"css(
:root { --pass: #1a7f37; --fail: #cf222e; --flaky: #9a6700; --na: #6e7781; --line: #d0d7de;
  --soft: #f6f8fa; --ink: #1f2328; --muted: #59636e; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo,
  Consolas, monospace; font-size: 12.5px; }
header { padding: 20px 32px 16px; background: var(--soft); border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 10px; font-size: 22px; font-weight: 600; }
h2 { margin: 28px 0 10px; font-size: 18px; font-weight: 600; }
h3 { margin: 0 0 10px; font-size: 16px; font-weight: 600; }
h4 { margin: 16px 0 6px; font-size: 13px; font-weight: 600; color: var(--muted);
  text-transform: uppercase; letter-spacing: .04em; }
main { padding: 0 32px 40px; max-width: 1600px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0 0 14px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.totals button { font: inherit; cursor: pointer; border: 1px solid var(--line); background: #fff;
  border-radius: 16px; padding: 3px 12px; color: var(--ink); }
.totals button b { font-weight: 600; }
.totals button.active { border-color: var(--ink); box-shadow: inset 0 0 0 1px var(--ink); }
.totals .verdict { margin-left: 8px; font-weight: 600; }
.verdict.ok { color: var(--pass); }
.verdict.bad { color: var(--fail); }
.badge { display: inline-block; min-width: 44px; text-align: center; border-radius: 10px;
  padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.pass { background: var(--pass); }
.badge.fail { background: var(--fail); }
.badge.flaky { background: var(--flaky); }
.badge.na { background: var(--na); }
.mark { font-size: 12px; border-radius: 10px; padding: 0 8px; border: 1px solid var(--line);
  white-space: nowrap; }
.mark.expected { color: var(--flaky); border-color: #d4a72c; background: #fff8c5; }
.mark.xpass { color: var(--fail); border-color: #ff8182; background: #ffebe9; }
table { border-collapse: collapse; }
table.rules { width: 100%; }
table.rules th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px;
  text-transform: uppercase; letter-spacing: .04em; border-bottom: 2px solid var(--line);
  padding: 6px 10px; position: sticky; top: 0; background: #fff; }
table.rules td { border-bottom: 1px solid var(--line); padding: 5px 10px; vertical-align: top; }
table.rules tr.rule:hover td { background: var(--soft); }
table.rules tr.rule[data-status="fail"] td:first-child { box-shadow: inset 3px 0 var(--fail); }
table.rules tr.rule[data-status="flaky"] td:first-child { box-shadow: inset 3px 0 var(--flaky); }
table.rules td.id { white-space: nowrap; }
table.rules td.reason { color: var(--muted); }
tr.rule.hidden { display: none; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
section.failure { border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px;
  margin: 0 0 20px; }
section.failure.fail { border-left: 4px solid var(--fail); }
section.failure.flaky { border-left: 4px solid var(--flaky); }
section.failure .check { color: var(--muted); font-weight: 400; font-size: 14px; }
table.divergence th { text-align: left; color: var(--muted); font-weight: 400; padding: 3px 16px 3px 0;
  vertical-align: top; white-space: nowrap; }
table.divergence td { padding: 3px 0; white-space: pre-wrap; }
table.divergence tr.observed td { color: var(--fail); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  overflow: auto; max-height: 420px; margin: 0; }
details summary { cursor: pointer; color: var(--muted); margin-top: 14px; }
.timeline-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
svg.timeline { display: block; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial,
  sans-serif; }
svg.timeline .lane-label { font-size: 12px; font-weight: 600; fill: var(--muted); }
svg.timeline .grid { stroke: var(--line); stroke-dasharray: 2 3; }
svg.timeline .axis { stroke: var(--muted); }
svg.timeline .tick { font-size: 10px; fill: var(--muted); }
svg.timeline .bar { fill: #ddf4ff; stroke: #54aeff; stroke-width: 1; }
svg.timeline .bar.open { stroke: #d4a72c; stroke-dasharray: 6 4; }
svg.timeline .bar.culprit { stroke: var(--fail); stroke-width: 2; }
svg.timeline .call-text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace;
  font-size: 11.5px; fill: var(--ink); }
svg.timeline .result-text { fill: var(--muted); }
svg.timeline .open-text { fill: #9a6700; font-style: italic; }
svg.timeline g.call:hover .bar { stroke-width: 2; filter: brightness(0.97); }
.legend { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
footer { color: var(--muted); font-size: 12px; padding: 0 32px 24px; }
)css";

// Filters the rule table by status; a click on the active filter shows all.
// The last line marks the page as scripted, which the DOM check looks for.
constexpr char kScript[] = R"js(
(function () {
  var buttons = document.querySelectorAll('.totals button[data-filter]');
  function apply(filter) {
    document.querySelectorAll('tr.rule').forEach(function (row) {
      var show = filter === 'all' || row.getAttribute('data-status') === filter;
      row.classList.toggle('hidden', !show);
    });
    buttons.forEach(function (b) {
      b.classList.toggle('active', b.getAttribute('data-filter') === filter);
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      var filter = b.getAttribute('data-filter');
      apply(b.classList.contains('active') ? 'all' : filter);
    });
  });
  apply('all');
  document.body.setAttribute('data-ready', 'yes');
})();
)js";

bool Failed(Status status) { return status == Status::kFail || status == Status::kFlaky; }

// The status as a CSS class and data-status value: "n/a" becomes "na".
std::string StatusKey(Status status) {
  return status == Status::kNotApplicable ? "na" : StatusName(status);
}

std::string Badge(Status status) {
  return "<span class=\"badge " + StatusKey(status) + "\">" + StatusName(status) + "</span>";
}

std::string Num(long long value) { return std::to_string(value); }

std::string Px(double value) { return Fixed(value, 1); }

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : separator) + parts[i];
  return out;
}

// --- header --------------------------------------------------------------

void Header(const Report& report, std::string* out) {
  std::map<Status, int> counts;
  int failing = 0;
  for (const RuleVerdict& v : report.rules) {
    ++counts[v.status];
    if (CountsAsFailure(v)) ++failing;
  }
  *out += "<header>\n<h1>dsalloc-conform report</h1>\n<dl class=\"meta\">\n";
  const auto fact = [&](const std::string& name, const std::string& value, bool mono) {
    *out += "<dt>" + name + "</dt><dd" + (mono ? " class=\"mono\"" : "") + ">" + XmlText(value) +
            "</dd>\n";
  };
  fact("Implementation", report.implementation, false);
  if (!report.clsid.empty()) fact("CLSID", report.clsid, true);
  fact("Profile", report.profile, false);
  fact("Phases", Join(report.phases, ", "), false);
  fact("Seed", std::to_string(report.seed), true);
  fact("Kit", report.kit_version, true);
  fact("SPEC.md revision", report.spec_revision, true);
  if (!report.server_sha256.empty()) fact("Server SHA-256", report.server_sha256, true);
  fact("Command", report.command_line, true);
  if (!report.interrupted.empty()) {
    fact("Interrupted", "by " + report.interrupted + ": partial results", false);
  }
  fact("Checks", std::to_string(report.results.size()) + " in " + Fixed(report.seconds, 2) + " s",
       false);
  fact("Exit code", std::to_string(report.exit_code), false);
  *out += "</dl>\n<div class=\"totals\">\n";
  *out += "<button type=\"button\" data-filter=\"all\"><b>" + Num(report.rules.size()) +
          "</b> rules</button>\n";
  for (const Status status :
       {Status::kPass, Status::kFail, Status::kFlaky, Status::kNotApplicable}) {
    *out += "<button type=\"button\" data-filter=\"" + StatusKey(status) + "\">" + Badge(status) +
            " <b>" + Num(counts[status]) + "</b></button>\n";
  }
  if (failing == 0) {
    *out += "<span class=\"verdict ok\">Conforms";
    if (counts[Status::kFail] + counts[Status::kFlaky] > 0) *out += " (failures as expected)";
    *out += "</span>\n";
  } else {
    *out += "<span class=\"verdict bad\">" + Num(failing) + " rule" + (failing == 1 ? "" : "s") +
            " not conforming</span>\n";
  }
  *out += "</div>\n</header>\n";
}

// --- rule table ------------------------------------------------------------

// The failure section a failing rule's ID links to: the check whose
// divergence names the rule, else its first failing check; -1 for a rule
// that did not fail (it may share a failing check with a rule that did).
int FailureOf(const Report& report, const RuleVerdict& verdict) {
  if (!Failed(verdict.status)) return -1;
  int first = -1;
  for (const int index : verdict.results) {
    if (index < 0 || static_cast<size_t>(index) >= report.results.size()) continue;
    const CheckResult& result = report.results[index];
    if (!Failed(result.status)) continue;
    if (result.divergence.rule == verdict.rule) return index;
    if (first < 0) first = index;
  }
  return first;
}

void RuleTable(const Report& report, std::string* out) {
  *out +=
      "<section id=\"rules\">\n<h2>Rules</h2>\n<table class=\"rules\">\n<thead><tr>"
      "<th>Rule</th><th>Title</th><th>Status</th><th>Phase</th><th>Expected</th>"
      "<th>Reason</th></tr></thead>\n<tbody>\n";
  for (const RuleVerdict& v : report.rules) {
    *out += "<tr class=\"rule\" data-rule=\"" + XmlAttr(v.rule) + "\" data-status=\"" +
            StatusKey(v.status) + "\">";
    const int failing = FailureOf(report, v);
    *out += "<td class=\"id mono\">";
    if (failing >= 0) {
      *out += "<a href=\"#result-" + Num(failing) + "\">" + XmlText(v.rule) + "</a>";
    } else {
      *out += XmlText(v.rule);
    }
    *out += "</td><td>" + XmlText(v.title) + "</td><td>" + Badge(v.status) + "</td><td>" +
            XmlText(v.phase) + "</td><td>";
    const std::string mark = ExpectMark(v);
    if (!mark.empty()) {
      *out += "<span class=\"mark " + std::string(mark == "expected" ? "expected" : "xpass") +
              "\" title=\"" + XmlAttr(v.expected_reason) + "\">" + mark + "</span>";
    }
    *out += "</td><td class=\"reason\">" + XmlText(v.reason) + "</td></tr>\n";
  }
  *out += "</tbody>\n</table>\n</section>\n";
}

// --- timeline --------------------------------------------------------------

// Text width of a label in the bars' monospace font, in px (an estimate:
// 11.5 px DejaVu Sans Mono advances about 6.95 px per character).
double LabelWidth(const std::string& text) {
  size_t chars = 0;
  for (const char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return 7.0 * static_cast<double>(chars);
}

// Which calls the divergence's op names: "@N call" is thread N's call, a bare
// call is any thread's if only one matches; among several, those that never
// returned.
std::vector<bool> Culprits(const CheckResult& result) {
  const std::vector<TimelineCall>& calls = result.timeline;
  std::vector<bool> culprit(calls.size(), false);
  const std::string& op = result.divergence.op;
  if (op.empty()) return culprit;
  int thread = -1;
  std::string call = op;
  if (op[0] == '@' && op.find(' ') != std::string::npos) {
    thread = std::atoi(op.c_str() + 1);
    call = op.substr(op.find(' ') + 1);
  }
  std::vector<size_t> matches;
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].call == call && (thread < 0 || calls[i].thread == thread)) matches.push_back(i);
  }
  std::vector<size_t> open;
  for (const size_t i : matches) {
    if (calls[i].responded < 0) open.push_back(i);
  }
  if (!open.empty()) matches = open;
  if (thread < 0 && matches.size() > 1) return culprit;
  for (const size_t i : matches) culprit[i] = true;
  return culprit;
}

void Timeline(const CheckResult& result, int index, std::string* out) {
  const std::vector<TimelineCall>& calls = result.timeline;
  std::set<int> thread_set;
  std::vector<long long> times;
  for (const TimelineCall& c : calls) {
    thread_set.insert(c.thread);
    times.push_back(c.invoked);
    if (c.responded >= 0) times.push_back(c.responded);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  const std::vector<int> threads(thread_set.begin(), thread_set.end());
  const auto rank = [&](long long t) {
    return static_cast<size_t>(std::lower_bound(times.begin(), times.end(), t) - times.begin());
  };
  const auto lane = [&](int thread) {
    return static_cast<double>(std::lower_bound(threads.begin(), threads.end(), thread) -
                               threads.begin());
  };
  const auto need = [&](const TimelineCall& c) {
    const double text = std::max(LabelWidth(c.call), LabelWidth("\u2192 " + c.result));
    return std::clamp(text + 14, 36.0, 260.0);  // longer labels are clipped
  };

  // Event positions: the events keep their order, at least kGap apart, and
  // each returned call's response lies far enough right of its invocation
  // for its label (a longest-path layout, one pass in event order).
  constexpr double kLabel = 92, kTop = 10, kLaneH = 50, kBarH = 38, kAxisH = 34, kGap = 30;
  std::vector<double> xs(times.size(), 0);
  for (size_t r = 0; r < times.size(); ++r) {
    xs[r] = r == 0 ? kLabel + 20 : xs[r - 1] + kGap;
    for (const TimelineCall& c : calls) {
      if (c.responded >= 0 && rank(c.responded) == r && rank(c.invoked) < r) {
        xs[r] = std::max(xs[r], xs[rank(c.invoked)] + need(c));
      }
    }
  }
  double right = (xs.empty() ? kLabel + 20 : xs.back()) + kGap;
  for (const TimelineCall& c : calls) {
    right = std::max(right, xs[rank(c.invoked)] + (c.responded < 0 ? need(c) + 40 : 28));
  }
  const double width = right + 16;
  const double lanes_bottom = kTop + static_cast<double>(threads.size()) * kLaneH;
  const double height = lanes_bottom + kAxisH;
  const std::string id = "tl" + Num(index);
  const std::vector<bool> culprit = Culprits(result);

  *out += "<div class=\"timeline-wrap\">\n<svg class=\"timeline\" ";
  *out += "xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Px(width) + "\" height=\"" +
          Px(height) + "\" viewBox=\"0 0 " + Px(width) + " " + Px(height) +
          "\" role=\"img\" aria-label=\"history of " + XmlAttr(result.name) + ": " +
          Num(calls.size()) + " calls on " + Num(threads.size()) + " threads\">\n";
  *out += "<defs><linearGradient id=\"" + id +
          "-open\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\"><stop offset=\"0\" stop-color=\"#fff1c2\"/>"
          "<stop offset=\"0.6\" stop-color=\"#fff8e1\"/><stop offset=\"1\" stop-color=\"#fff8e1\""
          " stop-opacity=\"0\"/></linearGradient></defs>\n";

  // Lanes, then the event grid over them, then the axis with clock values
  // (a value is skipped where it would touch the one before).
  for (size_t i = 0; i < threads.size(); ++i) {
    const double y = kTop + static_cast<double>(i) * kLaneH;
    *out += "<rect x=\"0\" y=\"" + Px(y) + "\" width=\"" + Px(width) + "\" height=\"" + Px(kLaneH) +
            "\" fill=\"" + (i % 2 == 0 ? "#f6f8fa" : "#ffffff") + "\"/>\n";
    *out += "<text class=\"lane-label\" x=\"14\" y=\"" + Px(y + kLaneH / 2 + 4) + "\">thread " +
            Num(threads[i]) + "</text>\n";
  }
  double last_tick = -1e9;
  for (size_t r = 0; r < times.size(); ++r) {
    *out += "<line class=\"grid\" x1=\"" + Px(xs[r]) + "\" x2=\"" + Px(xs[r]) + "\" y1=\"" +
            Px(kTop) + "\" y2=\"" + Px(lanes_bottom + 4) + "\"/>\n";
    const std::string value = Num(times[r]);
    const double half = 3.2 * static_cast<double>(value.size());
    if (xs[r] - half > last_tick + 6) {
      *out += "<text class=\"tick\" text-anchor=\"middle\" x=\"" + Px(xs[r]) + "\" y=\"" +
              Px(lanes_bottom + 18) + "\">" + value + "</text>\n";
      last_tick = xs[r] + half;
    }
  }
  *out += "<line class=\"axis\" x1=\"" + Px(kLabel) + "\" x2=\"" + Px(right) + "\" y1=\"" +
          Px(lanes_bottom + 4) + "\" y2=\"" + Px(lanes_bottom + 4) + "\"/>\n";
  *out += "<text class=\"tick\" x=\"14\" y=\"" + Px(lanes_bottom + 18) + "\">clock</text>\n";

  // The calls.
  for (size_t i = 0; i < calls.size(); ++i) {
    const TimelineCall& c = calls[i];
    const bool open = c.responded < 0;
    const double x0 = xs[rank(c.invoked)];
    const double x1 = open ? right : std::max(xs[rank(c.responded)], x0 + 28);
    const double y = kTop + lane(c.thread) * kLaneH + (kLaneH - kBarH) / 2;
    const double w = x1 - x0;
    const std::string clip = id + "-c" + Num(i);
    std::string classes = open ? "bar open" : "bar";
    if (culprit[i]) classes += " culprit";
    std::string hover = "thread " + Num(c.thread) + ": " + c.call + "\n";
    if (open) {
      hover += "never returned (invoked at " + Num(c.invoked) + ")";
    } else {
      hover += "\u2192 " + c.result + " (" + Num(c.invoked) + " \u2192 " + Num(c.responded) + ")";
    }
    *out += "<g class=\"call\" data-thread=\"" + Num(c.thread) + "\"" +
            (open ? " data-open=\"yes\"" : "") + "><title>" + XmlText(hover) + "</title>";
    *out += "<clipPath id=\"" + clip + "\"><rect x=\"" + Px(x0) + "\" y=\"" + Px(y) +
            "\" width=\"" + Px(std::max(w - 5, 1.0)) + "\" height=\"" + Px(kBarH) +
            "\"/></clipPath>";
    *out += "<rect class=\"" + classes + "\" x=\"" + Px(x0 + 1) + "\" y=\"" + Px(y) +
            "\" width=\"" + Px(std::max(w - 2, 1.0)) + "\" height=\"" + Px(kBarH) + "\" rx=\"4\"" +
            (open ? " style=\"fill: url(#" + id + "-open)\"" : "") + "/>";
    *out += "<text class=\"call-text\" clip-path=\"url(#" + clip + ")\" x=\"" + Px(x0 + 7) +
            "\" y=\"" + Px(y + 15) + "\">" + XmlText(c.call) + "</text>";
    *out += "<text class=\"call-text " + std::string(open ? "open-text" : "result-text") +
            "\" clip-path=\"url(#" + clip + ")\" x=\"" + Px(x0 + 7) + "\" y=\"" + Px(y + 31) +
            "\">" + (open ? std::string("never returned \u2192") : XmlText("\u2192 " + c.result)) +
            "</text></g>\n";
  }
  *out += "</svg>\n</div>\n";
  *out +=
      "<p class=\"legend\">One lane per thread; each bar runs from a call's invocation to its "
      "response (hover for the full call and result). The x axis is event order, with the "
      "clock value of each event underneath. A dashed bar open to the right never returned; a "
      "red outline marks the call the divergence names.</p>\n";
}

// --- failures --------------------------------------------------------------

void FailureSection(const Report& report, const CheckResult& result, int index, std::string* out) {
  const Divergence& d = result.divergence;
  const RuleVerdict* verdict = nullptr;
  for (const RuleVerdict& v : report.rules) {
    if (v.rule == d.rule) verdict = &v;
  }
  *out += "<section class=\"failure " + StatusKey(result.status) + "\" id=\"result-" + Num(index) +
          "\" data-rule=\"" + XmlAttr(d.rule) + "\">\n<h3>" + Badge(result.status) +
          " <span class=\"mono\">" + XmlText(d.rule.empty() ? "(no rule)" : d.rule) +
          "</span> <span class=\"check\">" + PhaseName(result.phase) + " check \u201c" +
          XmlText(result.name) + "\u201d</span>";
  if (verdict != nullptr && verdict->expected_failure) {
    *out += " <span class=\"mark expected\" title=\"" + XmlAttr(verdict->expected_reason) +
            "\">expected</span>";
  }
  *out += "</h3>\n<table class=\"divergence\">\n";
  const auto row = [&](const std::string& name, const std::string& value, const char* cls) {
    *out += std::string("<tr class=\"") + cls + "\"><th>" + name + "</th><td class=\"mono\">" +
            XmlText(value) + "</td></tr>\n";
  };
  row("Rule", d.rule, "rule-id");
  if (verdict != nullptr && !verdict->title.empty()) row("Title", verdict->title, "title");
  row("Op", d.op.empty() ? "(none)" : d.op, "op");
  row("Expected", d.expected, "expected");
  row("Observed", d.observed, "observed");
  row("Trace file", result.trace_file.empty() ? "(not written)" : result.trace_file, "file");
  for (const std::string& command : result.reproduce) row("Reproduce", command, "reproduce");
  if (verdict != nullptr && verdict->expected_failure && !verdict->expected_reason.empty()) {
    row("Expected because", verdict->expected_reason, "why");
  }
  *out += "</table>\n";
  if (!result.timeline.empty()) {
    *out += "<h4>History</h4>\n";
    Timeline(result, index, out);
  }
  if (!result.trace.empty()) {
    *out += "<h4>Trace</h4>\n<pre class=\"trace\">" + XmlText(result.trace) + "</pre>\n";
  }
  if (!result.detail.empty()) {
    *out += "<details><summary>Full report</summary><pre class=\"detail\">" +
            XmlText(result.detail) + "</pre></details>\n";
  }
  *out += "</section>\n";
}

void Failures(const Report& report, std::string* out) {
  *out += "<section id=\"failures\">\n<h2>Failures</h2>\n";
  bool any = false;
  for (size_t i = 0; i < report.results.size(); ++i) {
    if (!Failed(report.results[i].status)) continue;
    any = true;
    FailureSection(report, report.results[i], static_cast<int>(i), out);
  }
  if (!any) *out += "<p>No check failed.</p>\n";
  *out += "</section>\n";
}

}  // namespace

std::string Html(const Report& report) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      XmlText("dsalloc-conform: " + report.implementation + " (" + report.profile + ")") +
      "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  Header(report, &out);
  out += "<main>\n";
  // What needs attention first; the whole table after it.
  Failures(report, &out);
  RuleTable(report, &out);
  out += "</main>\n<footer>Written by dsalloc-conform. Rules: spec/SPEC.md.</footer>\n";
  out += std::string("<script>") + kScript + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace dsalloc::conform
