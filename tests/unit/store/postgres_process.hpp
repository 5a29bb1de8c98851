#pragma once
// The process side of the tests' throwaway PostgreSQL server (postgres_server.hpp): finding
// initdb and pg_ctl, choosing the user they run as, running them with a deadline, and a
// superuser connection for setting up databases. Header-only, as postgres_server.hpp.

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace rampart::store::testing_support {

namespace pg_detail {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// Who runs the server: ourselves, or an unprivileged account when we are root.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  bool switch_user = false;
  std::string name;
};

inline std::optional<RunAs> unprivileged_user(std::string& reason) {
  RunAs who{geteuid(), getegid(), false, "self"};
  if (who.uid != 0) {
    return who;
  }
  for (const char* name : {"postgres", "nobody"}) {
    if (const passwd* pw = getpwnam(name)) {
      return RunAs{pw->pw_uid, pw->pw_gid, true, name};
    }
  }
  reason = "running as root and there is neither a postgres nor a nobody user to run PostgreSQL";
  return std::nullopt;
}

/// The directory holding initdb and pg_ctl: $RAMPART_PG_BIN alone when set (another
/// installation), else PATH, then Debian's versioned directories, the newest first.
inline std::optional<fs::path> find_postgres_bin() {
  auto usable = [](const fs::path& dir) {
    return access((dir / "initdb").c_str(), X_OK) == 0 &&
           access((dir / "pg_ctl").c_str(), X_OK) == 0;
  };
  if (const char* chosen = std::getenv("RAMPART_PG_BIN")) {
    return usable(chosen) ? std::optional<fs::path>(chosen) : std::nullopt;
  }
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      if (!dir.empty() && usable(dir)) {
        return fs::path(dir);
      }
    }
  }
  std::vector<fs::path> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (usable(entry.path() / "bin")) {
      versions.push_back(entry.path() / "bin");
    }
  }
  std::sort(versions.begin(), versions.end(), [](const fs::path& a, const fs::path& b) {
    return std::atoi(a.parent_path().filename().c_str()) >
           std::atoi(b.parent_path().filename().c_str());
  });
  if (versions.empty()) {
    return std::nullopt;
  }
  return versions.front();
}

/// A port nobody listens on right now (the kernel's pick). Another process may take it before
/// the server binds it: start() then tries again with another.
inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) {
    close(fd);
  }
  return port;
}

/// A command line with its argv array made before fork(): the child may only make
/// async-signal-safe calls (the test binary has threads), so no allocation after fork.
struct Command {
  explicit Command(std::vector<std::string> words) : words(std::move(words)) {
    for (auto& word : this->words) {
      argv.push_back(word.data());
    }
    argv.push_back(nullptr);
  }
  Command(const Command&) = delete;  // argv points into words
  Command& operator=(const Command&) = delete;
  std::vector<std::string> words;
  std::vector<char*> argv;
};

/// In the child: exits with a line in the log saying which step failed.
[[noreturn]] inline void child_fails(const char* why) {
  auto ignored = write(STDERR_FILENO, why, std::strlen(why));
  (void)ignored;
  _exit(127);
}

/// In a forked child: drop to `who`, run in `dir` with a small fixed environment.
[[noreturn]] inline void exec_as(const RunAs& who, const char* dir, const Command& command,
                                 int out_fd, int in_fd) {
  if (in_fd >= 0) {
    dup2(in_fd, STDIN_FILENO);
  }
  if (out_fd >= 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
  }
  if (who.switch_user &&
      (setgroups(0, nullptr) != 0 || setgid(who.gid) != 0 || setuid(who.uid) != 0)) {
    child_fails("cannot switch to the unprivileged user\n");
  }
  // initdb and the server resolve paths against the working directory, which root's may not
  // let the unprivileged user read.
  if (chdir(dir) != 0) {
    child_fails("the unprivileged user cannot enter the temporary directory (set TMPDIR)\n");
  }
  char path_env[] = "PATH=/usr/local/bin:/usr/bin:/bin";
  char lc_env[] = "LC_ALL=C";
  char* env[] = {path_env, lc_env, nullptr};
  execve(command.argv[0], command.argv.data(), env);
  child_fails("cannot execute the program\n");
}

/// Runs a command as `who` with its output appended to `log`; killed at `deadline`. Returns
/// the exit status, or -1 when it did not finish in time.
inline int run_as(const RunAs& who, const fs::path& dir, std::vector<std::string> words,
                  const fs::path& log, Clock::time_point deadline) {
  Command command(std::move(words));
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  pid_t pid = fork();
  if (pid == 0) {
    exec_as(who, dir.c_str(), command, out, -1);
  }
  if (out >= 0) {
    close(out);
  }
  if (pid < 0) {
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The last few lines of a log, for a skip reason that says what went wrong.
inline std::string log_tail(const fs::path& log) {
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  std::string out;
  for (size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i) {
    out += (out.empty() ? "" : " | ") + lines[i];
  }
  return out.empty() ? "no output" : out;
}

/// Runs one SQL command on the database at `url`; the error text when it fails, else "".
inline std::string admin_exec(const std::string& url, const std::string& sql) {
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
      error = PQerrorMessage(conn);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return error;
}

}  // namespace pg_detail

}  // namespace rampart::store::testing_support
