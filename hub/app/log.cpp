#include "app/log.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>

namespace tern::log {
namespace {
std::atomic<level> g_level{level::info};
const char* name(level l) {
  switch (l) {
    case level::debug: return "DEBUG";
    case level::info: return "INFO ";
    case level::warn: return "WARN ";
    case level::error: return "ERROR";
  }
  return "?";
}
}  // namespace

void set_level(level l) { g_level.store(l, std::memory_order_relaxed); }
level current_level() { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, level& out) {
  if (text == "debug") out = level::debug;
  else if (text == "info") out = level::info;
  else if (text == "warn") out = level::warn;
  else if (text == "error") out = level::error;
  else return false;
  return true;
}

void write(level l, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[40];
  std::size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line(stamp, n);
  line += '.';
  line += static_cast<char>('0' + ms / 100);
  line += static_cast<char>('0' + ms / 10 % 10);
  line += static_cast<char>('0' + ms % 10);
  line += "Z ";
  line += name(l);
  line += ' ';
  line += message;
  line += '\n';
  // One write(2) per line keeps lines whole across threads.
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, line.data(), line.size());
}
}  // namespace tern::log
