#include "store/postgres_connection.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "config/printable.hpp"

namespace rampart::store::postgres {

namespace {

/// libpq's messages span several lines ("...failed: ...\n\tIs the server running..."); a
/// StoreError is one line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (!space) {
      out += c;
    } else if (!out.empty() && out.back() != ' ') {
      out += ' ';
    }
  }
  while (!out.empty() && out.back() == ' ') {
    out.pop_back();
  }
  return out;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

/// Whether libpq and parse_store_url could split the URL differently: a raw '@', '/' or '?'
/// in the user name or password ("user:p@ss@host" is password "p" and host "ss@host" to
/// libpq, which then names that host in its error). Every '@' but the one that ends the user
/// info must then be written %40; the URL cannot be shown, as which part is secret is unclear.
bool ambiguous_user_info(std::string_view conninfo) {
  auto start = conninfo.find("://");
  if (start == std::string_view::npos) {
    return false;
  }
  auto rest = conninfo.substr(start + 3);
  auto at = rest.find('@');
  if (at == std::string_view::npos) {
    return false;
  }
  return rest.find('@', at + 1) != std::string_view::npos || rest.find_first_of("/?") < at;
}

/// `display` with the value of a ?password=... query parameter replaced: parse_store_url hides
/// only a password in the user info.
std::string without_query_password(std::string display) {
  auto query = display.find('?');
  for (auto at = query; at != std::string::npos; at = display.find('&', at + 1)) {
    if (display.compare(at + 1, 9, "password=") == 0) {
      auto end = display.find('&', at + 1);
      display.replace(at + 10, end == std::string::npos ? std::string::npos : end - at - 10, "***");
    }
  }
  return display;
}

}  // namespace

std::vector<std::string> password_forms(const std::string& conninfo) {
  std::vector<std::string> forms;
  auto start = conninfo.find("://");
  if (start != std::string::npos) {
    start += 3;
    auto end = conninfo.find_first_of("/?", start);
    auto authority = std::string_view(conninfo).substr(start, end - start);
    auto colon = authority.find(':');
    auto at = authority.find('@');  // one at most: ambiguous_user_info() refuses more
    if (colon != std::string_view::npos && at != std::string_view::npos && colon < at) {
      auto raw = authority.substr(colon + 1, at - colon - 1);
      forms.emplace_back(raw);
      forms.push_back(percent_decoded(raw));
    }
  }
  if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), nullptr)) {
    for (auto* option = options; option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) == "password" && option->val != nullptr) {
        forms.emplace_back(option->val);
      }
    }
    PQconninfoFree(options);
  }
  std::erase_if(forms, [](const std::string& form) { return form.empty(); });
  // Longest first, so that a form that contains another is replaced whole.
  std::sort(forms.begin(), forms.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return forms;
}

Connection::Connection(const StoreLocation& where)
    : display_(without_query_password(where.display.empty() ? "postgresql" : where.display)),
      conninfo_(where.conninfo),
      secrets_(password_forms(conninfo_)) {
  if (ambiguous_user_info(conninfo_)) {
    display_ = conninfo_.substr(0, conninfo_.find("://") + 3) + "***";
    fail(
        "write '@', '/' and '?' in the user name or password as %40, %2F and %3F (the URL is "
        "not shown: where its password ends is unclear)");
  }
  // Keywords before "dbname" are defaults the URL may override (its own connect_timeout); the
  // encoding after it is forced: values are sent and read as UTF-8.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                            "client_encoding", nullptr};
  const char* values[] = {"5", "rampart", conninfo_.c_str(), "UTF8", nullptr};
  conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) {
    fail("cannot connect: out of memory");
  }
  // Notices ("there is no transaction in progress") would otherwise go to stderr, where the
  // CLI prints its own one-line messages.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  if (PQstatus(conn_) != CONNECTION_OK) {
    auto why = libpq_error();
    PQfinish(conn_);
    fail("cannot connect: " + why);
  }
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::fail(const std::string& what) const {
  throw StoreError(config::printable("store " + display_ + ": " + what));
}

std::string Connection::explain(const Failure& failure) {
  if (failure.sqlstate == kUndefinedTable) {
    return failure.message + " (the store is not migrated: run rampart migrate)";
  }
  return failure.message;
}

void Connection::reconnect_if_broken() {
  if (timed_out_ || PQstatus(conn_) != CONNECTION_OK) {
    timed_out_ = false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw Failure{"", "cannot connect: " + libpq_error()};
    }
  }
}

Result Connection::run(const std::string& sql, std::initializer_list<Param> params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const auto& param : params) {
    values.push_back(param.value ? param.value->data() : nullptr);
    lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
    formats.push_back(param.binary ? 1 : 0);
  }
  if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        lengths.data(), formats.data(), /*text=*/0) == 0) {
    throw Failure{"", libpq_error()};
  }
  return checked(await_result());
}

void Connection::script(const char* sql) {
  if (PQsendQuery(conn_, sql) == 0) {
    throw Failure{"", libpq_error()};
  }
  checked(await_result());
}

void Connection::rollback() noexcept {
  try {
    script("ROLLBACK");
  } catch (const Failure&) {
    // The connection is gone or hung: the server rolls back when it sees it closed.
  }
}

void Connection::wait_socket(bool for_write, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  pollfd watched{PQsocket(conn_), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  int ready = left.count() > 0 ? ::poll(&watched, 1, static_cast<int>(left.count())) : 0;
  if (ready == 0) {
    timed_out_ = true;
    throw Failure{"", "no answer within " + std::to_string(kStatementTimeout.count()) + "s"};
  }
  if (ready < 0 && errno != EINTR) {
    timed_out_ = true;
    throw Failure{"", "cannot wait for the server"};
  }
}

Result Connection::await_result() {
  auto deadline = std::chrono::steady_clock::now() + kStatementTimeout;
  // A blocking connection sends the statement whole in PQsend*; nonblocking would need the
  // same loop for PQflush, and statements here are small.
  Result last;
  Result error;
  for (;;) {
    while (PQisBusy(conn_) != 0) {
      wait_socket(false, deadline);
      if (PQconsumeInput(conn_) == 0) {
        throw Failure{"", libpq_error()};
      }
    }
    Result next(PQgetResult(conn_));
    if (!next) {
      break;
    }
    auto status = PQresultStatus(next.get());
    bool failed = status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;
    if (failed && !error) {
      error = std::move(next);
    } else if (!failed) {
      last = std::move(next);
    }
  }
  return error ? std::move(error) : std::move(last);
}

Result Connection::checked(Result result) {
  auto status = PQresultStatus(result.get());
  if (result && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
    return result;
  }
  const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
  const char* primary =
      result ? PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  // A statement's error has a primary message; a lost connection only libpq's text.
  throw Failure{state ? state : "", primary ? one_line(primary) : libpq_error()};
}

// Only quoted values are cut: libpq quotes what it could not read ("invalid percent-encoded
// token: \"...\""), and a bare replace would turn a password such as "postgres" into holes in
// every word that contains it.
std::string Connection::libpq_error() const {
  auto message = one_line(PQerrorMessage(conn_));
  replace_all(message, conninfo_, display_);
  for (const auto& secret : secrets_) {
    replace_all(message, '"' + secret + '"', "\"***\"");
  }
  return message;
}

std::string field(const Result& rows, int row, int column) {
  return std::string(PQgetvalue(rows.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(rows.get(), row, column)));
}

std::int64_t number(const Result& rows, int row, int column) {
  const char* text = PQgetvalue(rows.get(), row, column);
  const char* end = text + PQgetlength(rows.get(), row, column);
  std::int64_t value = 0;
  auto parsed = std::from_chars(text, end, value);
  if (parsed.ec != std::errc() || parsed.ptr != end) {
    throw Failure{"", "unexpected value in column " + std::to_string(column)};
  }
  return value;
}

std::optional<std::int64_t> optional_number(const Result& rows, int row, int column) {
  if (PQgetisnull(rows.get(), row, column)) {
    return std::nullopt;
  }
  return number(rows, row, column);
}

std::string bytes(const Result& rows, int row, int column) {
  std::size_t size = 0;
  auto* raw = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(rows.get(), row, column)), &size);
  if (raw == nullptr) {
    throw Failure{"", "cannot decode a BYTEA value"};
  }
  std::string out(reinterpret_cast<const char*>(raw), size);
  PQfreemem(raw);
  return out;
}

bool changed_one(const Result& result) {
  return std::string_view(PQcmdTuples(result.get())) == "1";
}

}  // namespace rampart::store::postgres
