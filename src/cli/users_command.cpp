#include "cli/users_command.hpp"

#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "cli/keys_command.hpp"
#include "cli/store_access.hpp"
#include "config/printable.hpp"
#include "http/json_writer.hpp"
#include "store/api_key.hpp"
#include "store/password_hash.hpp"

namespace rampart::cli {

namespace {

/// A password in memory: its capacity reserved once, so appending never reallocates and leaves
/// a copy behind, and wiped when it goes.
class PasswordBuffer {
 public:
  PasswordBuffer() { text_.reserve(store::kMaxPasswordBytes + 2); }
  ~PasswordBuffer() {
    text_.resize(text_.capacity());
    OPENSSL_cleanse(text_.data(), text_.size());
  }
  PasswordBuffer(const PasswordBuffer&) = delete;
  PasswordBuffer& operator=(const PasswordBuffer&) = delete;

  std::string& text() { return text_; }

 private:
  std::string text_;
};

enum class LineRead { ok, too_long, failed };

// The errno of the last failed read, kept before the terminal is restored (which may set it).
int g_read_errno = 0;

// Reads one line from stdin into `out` (empty on entry): up to '\n', dropped with a '\r'
// before it, or to EOF. Byte by byte with read(2), so nothing past the line is consumed and no
// stdio buffer keeps a copy. Stops after kMaxPasswordBytes + 1 bytes: the rest is never read.
LineRead read_password_line(std::string& out) {
  while (true) {
    char c = 0;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      g_read_errno = errno;
      return LineRead::failed;
    }
    if (n == 0 || c == '\n') {
      break;
    }
    if (out.size() > store::kMaxPasswordBytes) {
      return LineRead::too_long;
    }
    out.push_back(c);
  }
  if (!out.empty() && out.back() == '\r') {
    out.pop_back();
  }
  return out.size() > store::kMaxPasswordBytes ? LineRead::too_long : LineRead::ok;
}

// The terminal settings to put back when a signal ends the prompt: Ctrl-C while echo is off
// would otherwise leave the user's shell without echo.
termios g_saved_terminal{};

extern "C" void restore_terminal_and_reraise(int signal_number) {
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);  // async-signal-safe
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

constexpr int kPromptSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/// Echo off on the terminal on stdin for its lifetime (ECHONL keeps the newline, so the prompt
/// ends its line); the settings come back on destruction or on a terminating signal.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_terminal) != 0) {
      return;
    }
    struct sigaction restore {};
    restore.sa_handler = restore_terminal_and_reraise;
    sigemptyset(&restore.sa_mask);
    for (std::size_t i = 0; i < std::size(kPromptSignals); ++i) {
      ::sigaction(kPromptSignals[i], &restore, &previous_[i]);
    }
    termios quiet = g_saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    active_ = true;
  }
  ~EchoOff() {
    if (!active_) {
      return;
    }
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_terminal);
    for (std::size_t i = 0; i < std::size(kPromptSignals); ++i) {
      ::sigaction(kPromptSignals[i], &previous_[i], nullptr);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  struct sigaction previous_[std::size(kPromptSignals)]{};
  bool active_ = false;
};

LineRead prompt_password(const char* prompt, std::string& out) {
  EchoOff quiet;  // before the prompt: what is typed once it shows is never echoed
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  return read_password_line(out);
}

// `name` for a message: quoted, with anything a terminal would act on escaped, and cut short.
std::string quoted(std::string_view name) {
  constexpr std::size_t kShown = 80;
  std::string out = "\"";
  out += config::printable(name.substr(0, kShown));
  out += '"';
  if (name.size() > kShown) {
    out += "...";
  }
  return out;
}

// Reads the password (twice on a terminal) into `password`; prints why and returns false when
// it is not usable.
bool read_new_password(const std::string& name, std::string& password) {
  LineRead got = LineRead::ok;
  if (::isatty(STDIN_FILENO)) {
    std::string prompt = "Password for " + name + ": ";
    got = prompt_password(prompt.c_str(), password);
    if (got == LineRead::ok && !password.empty()) {
      PasswordBuffer again;
      got = prompt_password("Password again: ", again.text());
      if (got == LineRead::ok && again.text() != password) {
        std::fprintf(stderr, "rampart users add: the two passwords differ\n");
        return false;
      }
    }
  } else {
    got = read_password_line(password);
  }
  if (got == LineRead::failed) {
    std::fprintf(stderr, "rampart users add: cannot read the password from stdin: %s\n",
                 std::strerror(g_read_errno));
    return false;
  }
  if (got == LineRead::too_long) {
    std::fprintf(stderr, "rampart users add: the password is longer than %zu bytes\n",
                 store::kMaxPasswordBytes);
    return false;
  }
  if (password.empty()) {
    std::fprintf(stderr, "rampart users add: the password is empty\n");
    return false;
  }
  return true;
}

int add_user(store::Store& users, const std::string& name) {
  if (users.find_user(name)) {
    std::fprintf(stderr, "rampart users add: user %s exists\n", quoted(name).c_str());
    return 1;
  }
  store::AdminUser user;
  user.name = name;
  {
    PasswordBuffer password;
    if (!read_new_password(name, password.text())) {
      return 1;
    }
    user.password_hash = store::hash_password(password.text());
  }
  user.created = store::unix_now();
  try {
    users.add_user(user);
  } catch (const store::StoreError& e) {
    // Another `users add` may have won the race since find_user.
    if (users.find_user(name)) {
      std::fprintf(stderr, "rampart users add: user %s exists\n", quoted(name).c_str());
    } else {
      std::fprintf(stderr, "%s\n", e.what());
    }
    return 1;
  }
  std::fprintf(stderr, "added user %s\n", name.c_str());
  return 0;
}

std::string users_text(const std::vector<store::AdminUser>& users) {
  std::vector<std::string> names;
  std::size_t width = 4;  // "name"
  for (const auto& user : users) {
    names.push_back(config::printable(user.name));
    width = std::max(width, names.back().size());
  }
  auto line = [&](std::string_view name, const std::string& created) {
    std::string out(name);
    out.append(width + 2 - name.size(), ' ');
    return out + created + '\n';
  };
  std::string out = line("name", "created");
  for (std::size_t i = 0; i < users.size(); ++i) {
    out += line(names[i], format_unix_time(users[i].created));
  }
  return out;
}

std::string users_json(const std::vector<store::AdminUser>& users) {
  std::string out;
  http::JsonWriter w(out);
  w.begin_array();
  for (const auto& user : users) {
    w.begin_object();
    w.field("name", user.name);
    w.field("created", format_unix_time(user.created));
    w.end_object();
  }
  w.end_array();
  out += '\n';
  return out;
}

}  // namespace

bool is_valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

int run_users_add(const std::string& config_path, const std::string& name) {
  if (!is_valid_user_name(name)) {
    std::fprintf(stderr,
                 "rampart users add: %s is not a valid user name: use 1-64 characters of "
                 "A-Z a-z 0-9 . _ -\n",
                 quoted(name).c_str());
    return 1;
  }
  return with_configured_store(config_path,
                               [&](store::Store& users) { return add_user(users, name); });
}

int run_users_list(const std::string& config_path, bool json) {
  return with_configured_store(config_path, [&](store::Store& users) {
    auto all = users.list_users();
    std::string out = json ? users_json(all) : users_text(all);
    std::fputs(out.c_str(), stdout);
    return 0;
  });
}

int run_users_remove(const std::string& config_path, const std::string& name) {
  return with_configured_store(config_path, [&](store::Store& users) {
    if (!users.remove_user(name)) {
      std::fprintf(stderr, "rampart users remove: no user %s\n", quoted(name).c_str());
      return 1;
    }
    std::fprintf(stderr, "removed user %s\n", quoted(name).c_str());
    return 0;
  });
}

}  // namespace rampart::cli
