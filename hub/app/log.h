#pragma once
// Process-wide logging: one line per significant event, to stderr, with a UTC timestamp and a
// level. Thread-safe (one write() per line). Messages below the configured level cost one
// comparison. Never throws.
#include <sstream>
#include <string>
#include <string_view>

namespace tern::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(level l);
level current_level();
// Parses "debug|info|warn|error"; false if unknown.
bool parse_level(std::string_view text, level& out);
void write(level l, std::string_view message);

template <typename... Args>
void emit(level l, Args&&... args) {
  if (l < current_level()) return;
  std::ostringstream os;
  (os << ... << args);
  write(l, os.str());
}
template <typename... Args> void debug(Args&&... a) { emit(level::debug, a...); }
template <typename... Args> void info(Args&&... a) { emit(level::info, a...); }
template <typename... Args> void warn(Args&&... a) { emit(level::warn, a...); }
template <typename... Args> void error(Args&&... a) { emit(level::error, a...); }

}  // namespace tern::log
