#pragma once
// A throwaway PostgreSQL server for the store tests: `initdb` into a temporary directory,
// started with `pg_ctl` on 127.0.0.1 and a free port, one fresh database per test, stopped and
// deleted when the test binary ends. PostgreSQL refuses to run as root, and the tests run as
// root in CI, so then initdb/pg_ctl run as the `postgres` user (or `nobody`) through
// fork + setuid, in a directory that user owns.
//
// Header-only: tests/CMakeLists.txt compiles only *_test.cpp files, and every inline function
// here (the shared server included) is one entity for the whole binary.

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "postgres_process.hpp"

namespace rampart::store::testing_support {

/// A PostgreSQL server of the tests' own. Use shared(): starting one takes about a second, so
/// every test of the binary shares it and takes a fresh database from create_database().
class PostgresServer {
 public:
  /// Everything must be up within this, or the tests skip saying why.
  static constexpr std::chrono::seconds kStartBudget{30};

  /// The binary's server, started on first use. nullptr when PostgreSQL is not installed or
  /// does not start in time, with `reason` saying which (the same reason on every call).
  static PostgresServer* shared(std::string& reason) {
    static std::string why;
    static std::unique_ptr<PostgresServer> server = start(why);
    reason = why;
    return server.get();
  }

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  ~PostgresServer() {
    stop();
    if (watchdog_fd_ >= 0) {
      close(watchdog_fd_);  // the watchdog finds nothing left to do and exits
    }
  }

  /// A new empty database; its name, for url() and drop_database().
  std::string create_database() {
    std::string name = "rampart_test_" + std::to_string(++databases_);
    if (auto error = pg_detail::admin_exec(url("postgres"), "CREATE DATABASE " + name);
        !error.empty()) {
      throw std::runtime_error("CREATE DATABASE " + name + ": " + error);
    }
    return name;
  }

  /// Drops a database of create_database() (each holds ~8 MB of files), connections and all.
  void drop_database(const std::string& name) {
    pg_detail::admin_exec(url("postgres"), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  /// Runs one SQL command as the superuser on `database`; the error text when it fails.
  std::string execute(const std::string& database, const std::string& sql) {
    return pg_detail::admin_exec(url(database), sql);
  }

  /// postgresql://rampart:<password>@127.0.0.1:<port>/<database>
  std::string url(const std::string& database) const {
    return "postgresql://rampart:" + password_ + "@127.0.0.1:" + std::to_string(port_) + "/" +
           database;
  }
  int port() const { return port_; }
  const std::string& password() const { return password_; }

 private:
  PostgresServer() = default;

  static std::unique_ptr<PostgresServer> start(std::string& reason) {
    using namespace pg_detail;
    auto deadline = Clock::now() + kStartBudget;
    auto bin = find_postgres_bin();
    if (!bin) {
      reason =
          "PostgreSQL is not installed (no initdb and pg_ctl in $RAMPART_PG_BIN, on PATH or in "
          "/usr/lib/postgresql/*/bin)";
      return nullptr;
    }
    auto who = unprivileged_user(reason);
    if (!who) {
      return nullptr;
    }
    std::unique_ptr<PostgresServer> server(new PostgresServer());
    server->bin_ = *bin;
    server->who_ = *who;
    if (!server->make_directory(reason) || !server->init(deadline, reason)) {
      return nullptr;
    }
    server->start_watchdog();
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (server->launch(deadline, reason)) {
        return server;
      }
    }
    return nullptr;
  }

  bool make_directory(std::string& reason) {
    std::string pattern = (pg_detail::fs::temp_directory_path() / "rampart-pg-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      reason = "cannot make a temporary directory for PostgreSQL";
      return false;
    }
    dir_ = pattern;
    if (who_.switch_user && chown(dir_.c_str(), who_.uid, who_.gid) != 0) {
      reason = "cannot give " + dir_.string() + " to the " + who_.name + " user";
      return false;
    }
    std::random_device random;
    std::uniform_int_distribution<int> digit(0, 35);
    password_ = "pw";
    for (int i = 0; i < 24; ++i) {
      int d = digit(random);
      password_ += static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
    }
    return true;
  }

  bool init(pg_detail::Clock::time_point deadline, std::string& reason) {
    auto pwfile = dir_ / "pwfile";
    std::ofstream(pwfile) << password_ << "\n";
    if (who_.switch_user && chown(pwfile.c_str(), who_.uid, who_.gid) != 0) {
      reason = "cannot give the password file to the " + who_.name + " user";
      return false;
    }
    // Password (scram) over TCP, so that tests can connect with a wrong password; no fsync:
    // the data is thrown away anyway.
    int status = pg_detail::run_as(
        who_, dir_,
        {(bin_ / "initdb").string(), "-D", (dir_ / "data").string(), "-U", "rampart",
         "--pwfile=" + pwfile.string(), "--auth-local=trust", "--auth-host=scram-sha-256",
         "--no-sync", "--locale=C", "--encoding=UTF8"},
        dir_ / "initdb.log", deadline);
    std::filesystem::remove(pwfile);
    if (status != 0) {
      reason = "initdb (as " + who_.name + ") " +
               (status < 0 ? "did not finish in time" : "failed") + ": " +
               pg_detail::log_tail(dir_ / "initdb.log");
      return false;
    }
    return true;
  }

  bool launch(pg_detail::Clock::time_point deadline, std::string& reason) {
    port_ = pg_detail::free_port();
    auto seconds_left =
        std::chrono::duration_cast<std::chrono::seconds>(deadline - pg_detail::Clock::now())
            .count();
    if (port_ == 0 || seconds_left < 1) {
      reason = port_ == 0 ? "no free port on 127.0.0.1" : "PostgreSQL did not start within 30 s";
      return false;
    }
    std::string options = "-p " + std::to_string(port_) + " -k '" + dir_.string() + "'" +
                          " -c listen_addresses=127.0.0.1 -c fsync=off"
                          " -c synchronous_commit=off -c full_page_writes=off";
    int status = pg_detail::run_as(who_, dir_,
                                   {(bin_ / "pg_ctl").string(), "-D", (dir_ / "data").string(),
                                    "-l", (dir_ / "server.log").string(), "-w", "-t",
                                    std::to_string(seconds_left), "-o", options, "start"},
                                   dir_ / "pg_ctl.log", deadline);
    if (status == 0 && pg_detail::admin_exec(url("postgres"), "SELECT 1").empty()) {
      started_ = true;
      return true;
    }
    reason = "PostgreSQL (as " + who_.name +
             ") did not start: " + pg_detail::log_tail(dir_ / "server.log");
    stop_server();
    return false;
  }

  /// A child that outlives a crash of the test binary: it waits for the end of a pipe that
  /// only this process holds, then stops the server and deletes the directory. pg_ctl starts
  /// the server in a session of its own, so without this a crashed or interrupted run would
  /// leave a server and its files behind.
  void start_watchdog() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return;
    }
    std::string script =
        "read _; \"$0\" -D \"$1\" -m immediate -w stop >/dev/null 2>&1; "
        "rm -rf \"$2\"";
    pg_detail::Command command({"/bin/sh", "-c", script, (bin_ / "pg_ctl").string(),
                                (dir_ / "data").string(), dir_.string()});
    pid_t pid = fork();
    if (pid == 0) {
      setsid();  // a Ctrl-C to the test binary's process group must not reach it
      pg_detail::exec_as(who_, "/", command, -1, fds[0]);
    }
    close(fds[0]);
    if (pid < 0) {
      close(fds[1]);
      return;
    }
    watchdog_fd_ = fds[1];
  }

  void stop_server() {
    pg_detail::run_as(who_, dir_,
                      {(bin_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m",
                       "immediate", "-w", "stop"},
                      dir_ / "pg_ctl.log", pg_detail::Clock::now() + std::chrono::seconds(10));
  }

  void stop() {
    if (dir_.empty()) {
      return;
    }
    if (started_) {
      stop_server();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  pg_detail::fs::path bin_;
  pg_detail::RunAs who_;
  pg_detail::fs::path dir_;
  std::string password_;
  int port_ = 0;
  int databases_ = 0;
  bool started_ = false;
  int watchdog_fd_ = -1;
};

}  // namespace rampart::store::testing_support
