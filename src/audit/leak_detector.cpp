#include "audit/leak_detector.hpp"

#include <re2/re2.h>

#include <array>
#include <memory>

namespace rampart::audit {

namespace {

struct Pattern {
  LeakKind kind;
  const char* regex;
};

// Each pattern names a concrete artefact of one language or product, never a common word:
// a false finding costs the user's trust more than a missed one.
constexpr std::array<Pattern, 5> kPatterns = {{
    {LeakKind::traceback,
     R"((Traceback \(most recent call last\)|File "[^"]+", line \d+|)"
     R"(\bat [\w$.<>]+\([\w$.-]+\.(java|kt|scala):\d+\)|)"
     R"(\bat (?:[\w$.<>\[\] ]+ )?\(?/[^\s():]+\.(?:js|mjs|ts):\d+:\d+\)?|)"
     R"(goroutine \d+ \[running\]|Exception in thread "|)"
     R"(\bfrom /[^\s:]+\.rb:\d+:in |\.rb:\d+:in `|)"
     R"(#\d+ /[^\s(]+\.php\(\d+\)|Stack trace:|\bstacktrace\b|\bstack_trace\b))"},
    {LeakKind::file_path,
     R"((?:(?:/home|/usr|/opt|/srv|/var|/app|/code|/src|/root|/tmp|/Users)(?:/[\w.@+-]+)+)"
     R"(\.(?:py|rb|js|mjs|ts|php|java|go|cs|pl|ex|exs)\b|)"
     R"([A-Za-z]:\\(?:[\w. -]+\\)+[\w. -]+\.\w+|site-packages/|node_modules/|dist-packages/))"},
    {LeakKind::sql,
     // Driver messages in any case; statements only in upper case, so that English prose
     // ("select one item from the list") is not taken for SQL.
     R"(((?i:SQLSTATE|syntax error at or near|You have an error in your SQL syntax|)"
     R"(sqlite3?\.(?:Operational|Integrity|Programming)Error|psycopg2?\.|)"
     R"(\bORA-\d{5}\b|no such table:|relation "[^"]+" does not exist|)"
     R"(sqlalchemy\.exc|unterminated quoted string)|)"
     R"(\bSELECT\s+[\w*,\s."]+\s+FROM\s+\w+|\bINSERT\s+INTO\s+\w+|)"
     R"(\bUPDATE\s+\w+\s+SET\s|\bDELETE\s+FROM\s+\w+))"},
    {LeakKind::framework,
     R"((Werkzeug|Django|\bFlask\b|FastAPI|Starlette|uvicorn|gunicorn|pydantic|)"
     R"(Express\b|Ruby on Rails|ActionController|ActiveRecord|Laravel|Symfony|)"
     R"(Spring Boot|Whitelabel Error Page|org\.springframework|ASP\.NET|)"
     R"(Apache Tomcat|Jinja2|SQLAlchemy|Sinatra|Phoenix\.|Next\.js))"},
    {LeakKind::internal_host,
     R"((\b10\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\b192\.168\.\d{1,3}\.\d{1,3}\b|)"
     R"(\b172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}\b|)"
     R"(\b[\w-]+(?:\.[\w-]+)*\.(?:internal|local|lan|corp|svc\.cluster\.local)\b|)"
     R"(\b(?:localhost|127\.0\.0\.1):\d{2,5}\b))"},
}};

const std::vector<std::unique_ptr<RE2>>& compiled() {
  static const auto* kCompiled = [] {
    auto* out = new std::vector<std::unique_ptr<RE2>>;
    for (const auto& p : kPatterns) {
      out->push_back(std::make_unique<RE2>(p.regex));
    }
    return out;
  }();
  return *kCompiled;
}

}  // namespace

std::vector<Leak> find_leaks(std::string_view body) {
  std::vector<Leak> out;
  const auto& res = compiled();
  for (std::size_t i = 0; i < kPatterns.size(); ++i) {
    re2::StringPiece match;
    if (res[i]->ok() && res[i]->Match(re2::StringPiece(body.data(), body.size()), 0, body.size(),
                                      RE2::UNANCHORED, &match, 1)) {
      out.push_back(Leak{kPatterns[i].kind, std::string(match.data(), match.size())});
    }
  }
  return out;
}

std::string_view leak_check_id(LeakKind kind) {
  switch (kind) {
    case LeakKind::traceback:
      return "SEC-LEAK-TRACEBACK";
    case LeakKind::file_path:
      return "SEC-LEAK-PATH";
    case LeakKind::sql:
      return "SEC-LEAK-SQL";
    case LeakKind::framework:
      return "SEC-LEAK-FRAMEWORK";
    case LeakKind::internal_host:
      return "SEC-LEAK-HOST";
  }
  return "SEC-LEAK-TRACEBACK";
}

}  // namespace rampart::audit
