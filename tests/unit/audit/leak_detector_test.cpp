#include "audit/leak_detector.hpp"

#include <gtest/gtest.h>

namespace rampart::audit {
namespace {

std::vector<LeakKind> kinds(std::string_view body) {
  std::vector<LeakKind> out;
  for (const auto& leak : find_leaks(body)) {
    out.push_back(leak.kind);
  }
  return out;
}

bool has(std::string_view body, LeakKind kind) {
  auto k = kinds(body);
  return std::find(k.begin(), k.end(), kind) != k.end();
}

TEST(FindLeaks, TracebacksOfEachLanguage) {
  EXPECT_TRUE(has("Traceback (most recent call last):\n  x", LeakKind::traceback));
  EXPECT_TRUE(has(R"(  File "/app/main.py", line 42, in handler)", LeakKind::traceback));
  EXPECT_TRUE(has("\tat com.acme.Api.handle(Api.java:17)", LeakKind::traceback));
  EXPECT_TRUE(has("    at Object.<anonymous> (/srv/app/index.js:10:5)", LeakKind::traceback));
  EXPECT_TRUE(has("goroutine 1 [running]:\nmain.main()", LeakKind::traceback));
  EXPECT_TRUE(has("/app/models/user.rb:12:in `save'", LeakKind::traceback));
  EXPECT_TRUE(has("#0 /var/www/index.php(12): f()", LeakKind::traceback));
}

TEST(FindLeaks, ServerFilePaths) {
  EXPECT_TRUE(has("error in /home/deploy/app/views.py", LeakKind::file_path));
  EXPECT_TRUE(has("/usr/lib/python3/dist-packages/flask/app.py", LeakKind::file_path));
  EXPECT_TRUE(has(R"(C:\inetpub\wwwroot\App\Web.config)", LeakKind::file_path));
  EXPECT_TRUE(has("node_modules/express/lib/router/index.js", LeakKind::file_path));
}

TEST(FindLeaks, SqlAndDriverErrors) {
  EXPECT_TRUE(has("sqlite3.OperationalError: no such table: users", LeakKind::sql));
  EXPECT_TRUE(has(R"(ERROR: relation "users" does not exist)", LeakKind::sql));
  EXPECT_TRUE(has("SQLSTATE[42000]: Syntax error", LeakKind::sql));
  EXPECT_TRUE(has("ORA-00933: SQL command not properly ended", LeakKind::sql));
  EXPECT_TRUE(has("query: SELECT id, name FROM items WHERE 1", LeakKind::sql));
  EXPECT_TRUE(has("You have an error in your SQL syntax near ''", LeakKind::sql));
  EXPECT_TRUE(has("sqlite3.operationalerror: locked", LeakKind::sql));  // any case
  EXPECT_FALSE(has("please select one item from the list", LeakKind::sql));
}

TEST(FindLeaks, FrameworkNamesAndInternalHosts) {
  EXPECT_TRUE(has("<title>Werkzeug Debugger</title>", LeakKind::framework));
  EXPECT_TRUE(has(R"({"url":"https://errors.pydantic.dev/2.5/v/missing"})", LeakKind::framework));
  EXPECT_TRUE(has("Whitelabel Error Page", LeakKind::framework));
  EXPECT_TRUE(has("could not connect to db-primary.internal", LeakKind::internal_host));
  EXPECT_TRUE(has("upstream 10.0.3.17 refused", LeakKind::internal_host));
  EXPECT_TRUE(has("redis at 172.20.0.5", LeakKind::internal_host));
  EXPECT_TRUE(has("postgres.default.svc.cluster.local", LeakKind::internal_host));
  EXPECT_TRUE(has("connect ECONNREFUSED 127.0.0.1:5432", LeakKind::internal_host));
}

// A false finding costs more trust than a missed one: ordinary error bodies must stay clean.
TEST(FindLeaks, OrdinaryErrorBodiesAreClean) {
  for (std::string_view body : {
           R"({"type":"about:blank","title":"Not Found","status":404,"code":"not_found",)"
           R"("request_id":"0b6f2a1e-3f0c-4b8e-9d0a-1c2b3d4e5f60"})",
           R"({"error":"invalid input","detail":"name must be a string"})",
           "<html><body><h1>404 Not Found</h1><p>Nothing matches the given URI.</p></body></html>",
           "Expression expected; select one item from the list",
           R"({"version":"1.2.3","ip":"203.0.113.9"})",
           "",
       }) {
    EXPECT_TRUE(kinds(body).empty()) << body;
  }
}

TEST(FindLeaks, ReportsOneMatchPerKindWithTheMatchedText) {
  auto leaks = find_leaks(
      "Traceback (most recent call last):\n  File \"/srv/a.py\", line 1\n"
      "Traceback (most recent call last):\n");
  ASSERT_GE(leaks.size(), 2u);
  EXPECT_EQ(leaks[0].kind, LeakKind::traceback);
  EXPECT_EQ(leaks[0].match, "Traceback (most recent call last)");
  EXPECT_EQ(leaks[1].kind, LeakKind::file_path);
  EXPECT_EQ(leaks[1].match, "/srv/a.py");
}

TEST(FindLeaks, BoundedTimeOnAHostileBody) {
  std::string body(64 * 1024, '/');
  body += std::string(64 * 1024, 'a');
  auto started = std::chrono::steady_clock::now();
  find_leaks(body);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST(LeakCheckId, OneIdPerKind) {
  EXPECT_EQ(leak_check_id(LeakKind::traceback), "SEC-LEAK-TRACEBACK");
  EXPECT_EQ(leak_check_id(LeakKind::file_path), "SEC-LEAK-PATH");
  EXPECT_EQ(leak_check_id(LeakKind::sql), "SEC-LEAK-SQL");
  EXPECT_EQ(leak_check_id(LeakKind::framework), "SEC-LEAK-FRAMEWORK");
  EXPECT_EQ(leak_check_id(LeakKind::internal_host), "SEC-LEAK-HOST");
}

}  // namespace
}  // namespace rampart::audit
