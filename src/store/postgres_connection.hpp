#pragma once
// libpq as the PostgreSQL store uses it: one connection, statements whose values are always
// parameters (never SQL text), transactions, and failures turned into the store's one-line
// messages without the password. Used only by postgres_store.cpp.

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace rampart::store::postgres {

/// A libpq call that failed; the Store method that made it turns it into a StoreError that
/// names the store and what it was doing.
struct Failure {
  std::string sqlstate;  ///< empty when the connection, not the statement, failed
  std::string message;
};

inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kUndefinedTable = "42P01";

/// One statement parameter. Strings go in binary format, where the length is explicit: a NUL
/// byte cannot cut a value short (the server refuses it in text), and the 32 raw bytes of a
/// SHA-256 reach a BYTEA column as they are. Numbers go as decimal text.
struct Param {
  std::optional<std::string> value;  ///< nullopt: SQL NULL
  bool binary = true;
};

inline Param text(std::string_view v) { return {std::string(v), true}; }
inline Param integer(std::int64_t v) { return {std::to_string(v), false}; }
inline Param integer(std::optional<std::int64_t> v) {
  return v ? integer(*v) : Param{std::nullopt, false};
}

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};
/// A statement's result, in text format (numbers in decimal, BYTEA as "\x" and hex).
using Result = std::unique_ptr<PGresult, ClearResult>;

/// Every form in which the URL's password could show up in a libpq message: as written,
/// decoded, and as libpq itself read it (also from ?password=), longest first.
std::vector<std::string> password_forms(const std::string& conninfo);

/// One libpq connection, with the store's way of failing: every error is one line
/// "store <display>: ...", never with the password. libpq quotes the whole URL in some of its
/// parse errors ("... in IPv6 host address in URI: \"postgresql://...\"") and a value it could
/// not read, so the URL and the password are cut out of its words too.
class Connection {
 public:
  /// How long one statement may take before the connection is given up. libpq has no such
  /// bound: a server that hangs (stopped, or a half-dead network path whose kernel still
  /// ACKs) would hold the store thread until TCP gives up, minutes later, and readiness and
  /// key refreshes with it.
  static constexpr std::chrono::seconds kStatementTimeout{5};

  /// Connects (connect_timeout=5 unless the URL sets one); throws StoreError.
  explicit Connection(const StoreLocation& where);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[noreturn]] void fail(const std::string& what) const;

  /// Runs `body`; a Failure in it becomes "store <url>: <doing>: <why>". A broken connection
  /// is opened again first, never in the middle of a transaction.
  template <class Body>
  auto guarded(const std::string& doing, Body&& body) -> decltype(body()) {
    try {
      reconnect_if_broken();
      return body();
    } catch (const Failure& failure) {
      fail(doing + ": " + explain(failure));
    }
  }

  /// guarded() for statements that only read: when the connection broke under them (the
  /// server restarted, a proxy dropped an idle connection) they run once more on a new one.
  /// Writes are not repeated: whether a broken COMMIT took effect cannot be known.
  template <class Body>
  auto reading(const std::string& doing, Body&& body) -> decltype(body()) {
    return guarded(doing, [&] {
      try {
        return body();
      } catch (const Failure&) {
        if (PQstatus(conn_) == CONNECTION_OK) {
          throw;
        }
        reconnect_if_broken();
        return body();
      }
    });
  }

  /// One statement with its values as parameters; throws Failure.
  Result run(const std::string& sql, std::initializer_list<Param> params);
  /// SQL without values (transaction control, migration scripts of several statements).
  void script(const char* sql);
  /// ROLLBACK, ignoring failure (the connection may be gone: the server then rolled back).
  void rollback() noexcept;

 private:
  void reconnect_if_broken();
  /// Waits for the statement just sent, within kStatementTimeout: its error, else its last
  /// result. A statement that does not finish in time throws Failure and marks the connection
  /// for a reconnect (the server aborts the statement when it sees the socket close).
  Result await_result();
  void wait_socket(bool for_write, std::chrono::steady_clock::time_point deadline);
  Result checked(Result result);
  static std::string explain(const Failure& failure);
  /// libpq's own words, on one line, with the URL given as its display form.
  std::string libpq_error() const;

  PGconn* conn_ = nullptr;
  bool timed_out_ = false;  ///< a statement outlived kStatementTimeout: reconnect first
  std::string display_;     ///< the URL without its password, for messages
  std::string conninfo_;    ///< the URL as given, for libpq
  std::vector<std::string> secrets_;
};

/// BEGIN ... COMMIT, rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& db) : db_(db) { db_.script("BEGIN"); }
  ~Transaction() {
    if (!committed_) {
      db_.rollback();
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.script("COMMIT");
    committed_ = true;
  }

 private:
  Connection& db_;
  bool committed_ = false;
};

// Reading a Result; a value of the wrong shape is a Failure.
std::string field(const Result& rows, int row, int column);
std::int64_t number(const Result& rows, int row, int column);
std::optional<std::int64_t> optional_number(const Result& rows, int row, int column);
std::string bytes(const Result& rows, int row, int column);
/// Whether an UPDATE or DELETE changed exactly one row.
bool changed_one(const Result& result);

}  // namespace rampart::store::postgres
