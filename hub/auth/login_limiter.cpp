#include "auth/login_limiter.h"

#include "tern/common/check.h"
#include <cmath>
#include <limits>
#include <utility>

namespace tern::auth {
namespace {
std::string user_key(std::string_view user) { return "u:" + std::string(user); }
std::string address_key(std::string_view address) { return "a:" + std::string(address); }
}  // namespace

login_limiter::login_limiter(login_limiter_options options) : _options(options) {
  TERN_ASSERT(_options.user_failures_max >= 1 && _options.address_failures_max >= 1 && _options.half_life_ms > 0 && _options.keys_max >= 2);
}

double login_limiter::decayed(const entry& e, std::int64_t now_ms) const {
  if (now_ms <= e.at_ms) return e.score;
  double half_lives = static_cast<double>(now_ms - e.at_ms) / static_cast<double>(_options.half_life_ms);
  return e.score * std::exp2(-half_lives);
}

double login_limiter::score_of(const std::string& key, std::int64_t now_ms) const {
  auto it = _entries.find(key);
  return it == _entries.end() ? 0 : decayed(it->second, now_ms);
}

bool login_limiter::over_limit(const std::string& key, double failures_max, std::int64_t now_ms) const {
  auto it = _entries.find(key);
  if (it == _entries.end()) return false;
  return decayed(it->second, now_ms) + it->second.pending + 1 > failures_max;
}

// Past keys_max: entries with nothing pending and a score decayed below 0.5 go; if that frees
// nothing, the lowest-scored entry with nothing pending does.
void login_limiter::make_room(std::int64_t now_ms) {
  if (_entries.size() < _options.keys_max) return;
  std::erase_if(_entries, [&](const auto& kv) { return kv.second.pending == 0 && decayed(kv.second, now_ms) < 0.5; });
  if (_entries.size() < _options.keys_max) return;
  auto lowest = _entries.end();
  double lowest_score = std::numeric_limits<double>::max();
  for (auto it = _entries.begin(); it != _entries.end(); ++it) {
    double s = decayed(it->second, now_ms);
    if (it->second.pending == 0 && s < lowest_score) {
      lowest = it;
      lowest_score = s;
    }
  }
  if (lowest != _entries.end()) _entries.erase(lowest);
}

login_limiter::entry& login_limiter::slot(const std::string& key, std::int64_t now_ms) {
  auto it = _entries.find(key);
  if (it != _entries.end()) return it->second;
  make_room(now_ms);
  entry& e = _entries[key];
  e.at_ms = now_ms;
  return e;
}

bool login_limiter::admits(std::string_view user, std::string_view address, std::int64_t now_ms) const {
  return !over_limit(user_key(user), _options.user_failures_max, now_ms) &&
         !over_limit(address_key(address), _options.address_failures_max, now_ms);
}

bool login_limiter::begin(std::string_view user, std::string_view address, std::int64_t now_ms) {
  if (!admits(user, address, now_ms)) return false;
  auto u = user_key(user), a = address_key(address);
  ++slot(u, now_ms).pending;
  ++slot(a, now_ms).pending;
  return true;
}

bool login_limiter::finish(std::string_view user, std::string_view address, bool success,
                           std::int64_t now_ms) {
  bool reached = false;
  const std::pair<std::string, double> keys[] = {{user_key(user), _options.user_failures_max},
                                                 {address_key(address), _options.address_failures_max}};
  for (const auto& [key, failures_max] : keys) {
    auto it = _entries.find(key);
    if (it == _entries.end()) continue;  // evicted meanwhile: nothing to settle
    entry& e = it->second;
    if (e.pending > 0) --e.pending;
    if (success) {
      e.score = 0;
    } else {
      e.score = decayed(e, now_ms) + 1;
      // Blocked from now on (score + 1 > max) and not before this failure (score - 1 + 1 <= max).
      reached = reached || (e.score > failures_max - 1 && e.score <= failures_max);
    }
    e.at_ms = now_ms;
    if (success && e.pending == 0) _entries.erase(it);
  }
  return reached;
}

void login_limiter::abandon(std::string_view user, std::string_view address) {
  for (const auto& key : {user_key(user), address_key(address)}) {
    auto it = _entries.find(key);
    if (it != _entries.end() && it->second.pending > 0) --it->second.pending;
  }
}

double login_limiter::user_score(std::string_view user, std::int64_t now_ms) const {
  return score_of(user_key(user), now_ms);
}

double login_limiter::address_score(std::string_view address, std::int64_t now_ms) const {
  return score_of(address_key(address), now_ms);
}

}  // namespace tern::auth
