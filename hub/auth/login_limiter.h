#pragma once
// Failed-login rate limit for SASL: per principal and per client address, a failure score that
// halves every half_life_ms. An attempt is checked (hashed) only while its user's score plus
// the attempts still being checked stays below user_failures_max, and its address's below
// address_failures_max (higher: many devices may share one NAT address); otherwise it is
// refused at once, without hashing. A password-guessing client costs the hub almost nothing and
// gets about one guess per half_life * log2(max / (max - 1)) per user (10 and 30 s: one every
// 4.6 s) and per address (30: one every 1.4 s). Refused attempts do not add to the score (the limit never locks a user out for
// longer than the decay of the failures that were actually checked). A success clears both
// scores.
//
// Pure logic: time is a parameter (now_ms, any monotonic millisecond clock). The table is
// bounded by keys_max: past it, decayed entries go first, then the lowest scores.
//
// Threads: not thread-safe; the broker uses it on the io thread only.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace tern::auth {

struct login_limiter_options {
  double user_failures_max = 10;
  double address_failures_max = 30;
  std::int64_t half_life_ms = 30000;
  std::size_t keys_max = 4096;
};

class login_limiter {
 public:
  explicit login_limiter(login_limiter_options options = {});

  // Starts an attempt by `user` from `address`. false = refused now (nothing is counted);
  // true = the attempt counts as pending until finish() or abandon() with the same arguments.
  bool begin(std::string_view user, std::string_view address, std::int64_t now_ms);
  // Whether begin() would accept an attempt now; counts nothing. SCRAM asks at its first round
  // (so a refused client learns it before its second) and begins at the second, where the proof
  // is checked: an exchange the client abandons in between leaves nothing pending.
  bool admits(std::string_view user, std::string_view address, std::int64_t now_ms) const;
  // Ends a pending attempt. A failure adds 1 to both scores; returns true when this failure
  // made the user or the address reach the limit (worth one log line).
  bool finish(std::string_view user, std::string_view address, bool success, std::int64_t now_ms);
  // Ends a pending attempt that was never checked (e.g. the worker queue was full).
  void abandon(std::string_view user, std::string_view address);

  // The decayed failure score of a user or an address (for tests and logs).
  double user_score(std::string_view user, std::int64_t now_ms) const;
  double address_score(std::string_view address, std::int64_t now_ms) const;
  std::size_t keys() const { return _entries.size(); }

 private:
  struct entry {
    double score = 0;         // at at_ms
    std::int64_t at_ms = 0;
    std::uint32_t pending = 0;
  };
  double decayed(const entry& e, std::int64_t now_ms) const;
  entry& slot(const std::string& key, std::int64_t now_ms);
  void make_room(std::int64_t now_ms);
  bool over_limit(const std::string& key, double failures_max, std::int64_t now_ms) const;
  double score_of(const std::string& key, std::int64_t now_ms) const;

  login_limiter_options _options;
  std::map<std::string, entry, std::less<>> _entries;  // "u:<user>", "a:<address>"
};

}  // namespace tern::auth
