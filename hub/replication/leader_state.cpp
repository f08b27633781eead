#include "replication/leader_state.h"

#include <algorithm>
#include "tern/common/check.h"
#include <utility>

namespace tern::replication {
namespace {

void push_unique(std::vector<node_id>& v, node_id n) {
  if (std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
}

}  // namespace

leader_state::leader_state(node_id self, ids::leader_epoch leader_epoch,
                           const std::vector<node_id>& replicas, const std::vector<node_id>& isr,
                           ids::offset log_end, ids::offset high_watermark,
                           const leader_options& options, std::int64_t now_ms)
    : _self(self),
      _leader_epoch(leader_epoch),
      _epoch_start_offset(log_end),
      _log_end(log_end),
      _high_watermark(std::clamp(high_watermark, ids::offset{0}, log_end)),
      _options(options) {
  TERN_ASSERT(log_end >= ids::offset{0});
  set_assignment(replicas, isr, now_ms);
}

bool leader_state::in_isr(node_id node) const {
  return std::find(_isr.begin(), _isr.end(), node) != _isr.end();
}

leader_state::follower* leader_state::find_follower(node_id node) {
  for (auto& f : _followers)
    if (f.node == node) return &f;
  return nullptr;
}

// Normalises the metadata (see the header) and carries over what is known of each follower. A
// follower entering the ISR gets a fresh caught-up time, so it is not shrunk again at once for
// lag it had before the controller admitted it.
void leader_state::set_assignment(const std::vector<node_id>& replicas,
                                  const std::vector<node_id>& isr, std::int64_t now_ms) {
  std::vector<node_id> new_replicas{_self};
  for (node_id n : replicas) push_unique(new_replicas, n);
  std::vector<node_id> new_isr{_self};
  for (node_id n : isr)
    if (std::find(new_replicas.begin(), new_replicas.end(), n) != new_replicas.end())
      push_unique(new_isr, n);

  std::vector<follower> new_followers;
  for (node_id n : new_replicas) {
    if (n == _self) continue;
    follower f;
    if (const follower* old = find_follower(n)) f = *old;
    f.node = n;
    bool entering = !in_isr(n);  // _isr is still the old one (empty when constructing)
    bool in_new_isr = std::find(new_isr.begin(), new_isr.end(), n) != new_isr.end();
    // Dropped from the ISR (fenced, lagging): its last log end may predate a crash or a lost
    // disk, so it must fetch again before it counts toward an ISR expansion.
    if (!entering && !in_new_isr) f.log_end = ids::no_offset;
    if (entering && in_new_isr) {
      f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
      if (f.last_fetch_leader_log_end < ids::offset{0}) f.last_fetch_leader_log_end = _log_end;
    }
    new_followers.push_back(f);
  }
  _replicas = std::move(new_replicas);
  _isr = std::move(new_isr);
  _followers = std::move(new_followers);
}

std::error_code leader_state::on_follower_fetch(node_id node, ids::offset fetch_offset,
                                                std::int64_t now_ms) {
  if (!_leader) return replication_errc::not_leader_or_follower;
  follower* f = node == _self ? nullptr : find_follower(node);
  if (!f) return replication_errc::unknown_replica;
  if (fetch_offset < ids::offset{0} || fetch_offset > _log_end)
    return replication_errc::offset_out_of_range;
  if (fetch_offset >= _log_end) {
    f->last_caught_up_ms = std::max(f->last_caught_up_ms, now_ms);
  } else if (f->last_fetch_ms >= 0 && fetch_offset >= f->last_fetch_leader_log_end) {
    f->last_caught_up_ms = std::max(f->last_caught_up_ms, f->last_fetch_ms);
  }
  f->log_end = fetch_offset;
  f->last_fetch_leader_log_end = _log_end;
  f->last_fetch_ms = now_ms;
  fired callbacks;
  advance_high_watermark(callbacks);
  run(callbacks);
  return {};
}

void leader_state::on_leader_append(ids::offset log_end, std::int64_t now_ms) {
  (void)now_ms;  // the leader's own caught-up time is not tracked; kept for symmetry
  TERN_ASSERT(log_end >= _log_end);
  if (!_leader) return;
  _log_end = log_end;
  fired callbacks;
  advance_high_watermark(callbacks);
  run(callbacks);
}

void leader_state::update_assignment(const std::vector<node_id>& replicas,
                                     const std::vector<node_id>& isr, std::int64_t now_ms) {
  if (!_leader) return;
  set_assignment(replicas, isr, now_ms);
  fired callbacks;
  advance_high_watermark(callbacks);
  run(callbacks);
}

// HW = min LEO over the ISR, only ever raised. Then the waits it covers complete, failing when
// the ISR is below the minimum (Kafka checks min.insync.replicas at completion too: an ISR that
// shrank to the leader alone must not acknowledge acks=all).
void leader_state::advance_high_watermark(fired& out) {
  ids::offset candidate = _log_end;
  for (const auto& f : _followers)
    if (in_isr(f.node)) candidate = std::min(candidate, f.log_end);
  if (candidate > _high_watermark) _high_watermark = candidate;

  bool enough = _isr.size() >= static_cast<std::size_t>(std::max(_options.min_insync_replicas, 1));
  auto end = _waiters.upper_bound(_high_watermark);
  for (auto it = _waiters.begin(); it != end; ++it)
    out.emplace_back(std::move(it->second.done),
                     enough ? std::error_code{}
                            : make_error_code(replication_errc::not_enough_replicas_after_append));
  _waiters.erase(_waiters.begin(), end);
}

void leader_state::run(fired& callbacks) {
  for (auto& [done, ec] : callbacks) done(ec);
}

leader_state::isr_changes leader_state::pending_isr_changes(std::int64_t now_ms) const {
  isr_changes out;
  if (!_leader) return out;
  for (const auto& f : _followers) {
    if (in_isr(f.node)) {
      bool at_end = f.log_end == _log_end;
      bool recent = now_ms - f.last_caught_up_ms <= _options.replica_lag_time_max_ms;
      if (!at_end && !recent) out.shrink.push_back(f.node);
    } else if (f.log_end >= ids::offset{0} && f.log_end >= _high_watermark &&
               f.log_end >= _epoch_start_offset) {
      out.expand.push_back(f.node);
    }
  }
  return out;
}

std::error_code leader_state::can_accept(bool acks_all) const {
  if (!_leader) return replication_errc::not_leader_or_follower;
  if (acks_all && _isr.size() < static_cast<std::size_t>(std::max(_options.min_insync_replicas, 1)))
    return replication_errc::not_enough_replicas;
  return {};
}

void leader_state::wait_for_offset(ids::offset offset, std::int64_t deadline_ms,
                                   waiter_callback done) {
  TERN_ASSERT(done);
  if (!_leader) return done(replication_errc::not_leader_or_follower);
  if (_waiters.size() >= _options.waiters_max) return done(replication_errc::too_many_waiters);
  _waiters.emplace(offset, waiter{deadline_ms, std::move(done)});
  fired callbacks;
  advance_high_watermark(callbacks);
  run(callbacks);
}

void leader_state::tick(std::int64_t now_ms) {
  fired callbacks;
  for (auto it = _waiters.begin(); it != _waiters.end();) {
    if (it->second.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    callbacks.emplace_back(std::move(it->second.done),
                           make_error_code(replication_errc::request_timed_out));
    it = _waiters.erase(it);
  }
  run(callbacks);
}

void leader_state::step_down() {
  _leader = false;
  fired callbacks;
  for (auto& [offset, w] : _waiters)
    callbacks.emplace_back(std::move(w.done),
                           make_error_code(replication_errc::not_leader_or_follower));
  _waiters.clear();
  run(callbacks);
}

}  // namespace tern::replication
