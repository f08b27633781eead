#include "groups/coordinator.h"

#include <algorithm>
#include <utility>

#include "app/log.h"

namespace tern::groups {
namespace {

// Member ids are "<client id or instance id>-<uuid>" as in Kafka; a long client id is cut so
// ids stay short (clients treat them as opaque).
constexpr std::size_t member_id_prefix_bytes_max = 255;

void dedupe_protocols(std::vector<protocol>& protocols) {
  std::vector<protocol> out;
  out.reserve(protocols.size());
  for (auto& p : protocols) {
    bool seen =
        std::any_of(out.begin(), out.end(), [&](const protocol& o) { return o.name == p.name; });
    if (!seen) out.push_back(std::move(p));
  }
  protocols = std::move(out);
}

}  // namespace

coordinator::coordinator(asio::io_context& io, coordinator_options options, clock time)
    : _io(io),
      _options(options),
      _clock(time),
      _env{_io,
           _clock,
           _options,
           _outbox,
           _state_bytes,
           [this](std::string_view prefix) { return new_member_id(prefix); },
           [this](group& g) { settle(g); }},
      _rng(std::random_device{}()) {}

coordinator::~coordinator() { shutdown(); }

// ---------------------------------------------------------------------------------------------
// Requests

void coordinator::join(join_params p, join_callback done) {
  if (!done) done = [](const join_result&) {};
  std::error_code ec =
      _stopped ? std::error_code(groups_errc::coordinator_not_available) : check_join(p);
  group* g = ec ? nullptr : find(p.group_id);
  if (!ec && !g) {
    if (!p.member_id.empty()) {
      ec = groups_errc::unknown_member_id;
    } else if (_groups.size() >= _options.groups_max) {
      log::warn("groups: ", _groups.size(), " groups, the limit: refusing group ", p.group_id);
      ec = groups_errc::coordinator_not_available;
    } else {
      auto owned = std::make_unique<group>(p.group_id, _env);
      g = owned.get();
      _groups.emplace(p.group_id, std::move(owned));
    }
  }
  if (!ec) {
    std::size_t incoming = member_state_bytes(p, p.member_id.size() + 37);
    if (_state_bytes - g->charged_bytes(p.member_id) + incoming > _options.state_bytes_max) {
      log::warn("groups: state budget of ", _options.state_bytes_max,
                " bytes reached: refusing a member of group ", p.group_id);
      ec = groups_errc::coordinator_not_available;
    }
  }
  if (ec) {
    join_result r;
    r.error = ec;
    r.member_id = p.member_id;
    _outbox.push_back([done = std::move(done), r = std::move(r)] { done(r); });
    if (g)
      settle(*g);  // a group created for nothing is dropped again
    else
      flush();
    return;
  }
  g->join(std::move(p), std::move(done));
  settle(*g);
}

void coordinator::sync(sync_params p, sync_callback done) {
  if (!done) done = [](const sync_result&) {};
  std::error_code ec = _stopped ? std::error_code(groups_errc::coordinator_not_available)
                                : check_group_id(p.group_id);
  group* g = ec ? nullptr : find(p.group_id);
  if (!ec && !g) ec = groups_errc::unknown_member_id;
  if (ec) {
    sync_result r;
    r.error = ec;
    _outbox.push_back([done = std::move(done), r = std::move(r)] { done(r); });
    flush();
    return;
  }
  g->sync(std::move(p), std::move(done));
  settle(*g);
}

std::error_code coordinator::heartbeat(std::string_view group_id, std::int32_t generation_id,
                                       std::string_view member_id,
                                       const std::optional<std::string>& group_instance_id) {
  if (_stopped) return groups_errc::coordinator_not_available;
  if (auto ec = check_group_id(group_id)) return ec;
  group* g = find(group_id);
  if (!g) return groups_errc::unknown_member_id;
  auto ec = g->heartbeat(generation_id, member_id, group_instance_id);
  settle(*g);
  return ec;
}

leave_result coordinator::leave(std::string_view group_id,
                                const std::vector<member_identity>& members) {
  leave_result result;
  if (_stopped) {
    result.error = groups_errc::coordinator_not_available;
  } else if (auto ec = check_group_id(group_id)) {
    result.error = ec;
  } else if (group* g = find(group_id); !g) {
    result.members.assign(members.size(), groups_errc::unknown_member_id);
  } else {
    result = g->leave(members);
    settle(*g);
  }
  return result;
}

std::error_code coordinator::validate_commit(std::string_view group_id, std::int32_t generation_id,
                                             std::string_view member_id,
                                             const std::optional<std::string>& group_instance_id) {
  if (_stopped) return groups_errc::coordinator_not_available;
  if (group_id.size() > _options.group_id_bytes_max) return groups_errc::invalid_group_id;
  group* g = find(group_id);
  if (!g) {
    // Nothing known: a simple commit is fine; anything claiming membership is stale.
    if (generation_id >= 0) return groups_errc::illegal_generation;
    if (!member_id.empty() || group_instance_id) return groups_errc::unknown_member_id;
    return {};
  }
  auto ec = g->validate_commit(generation_id, member_id, group_instance_id);
  settle(*g);
  return ec;
}

std::error_code coordinator::delete_group(std::string_view group_id) {
  if (_stopped) return groups_errc::coordinator_not_available;
  group* g = find(group_id);
  if (!g) return groups_errc::group_id_not_found;
  if (auto ec = g->mark_dead()) return ec;
  log::info("groups: group ", group_id, " deleted");
  settle(*g);
  return {};
}

// ---------------------------------------------------------------------------------------------
// Introspection

std::vector<group_summary> coordinator::list() const {
  std::vector<group_summary> out;
  out.reserve(_groups.size());
  for (const auto& [id, g] : _groups) out.push_back(g->summary());
  return out;
}

std::optional<group_description> coordinator::describe(std::string_view group_id) const {
  const group* g = find(group_id);
  if (!g) return std::nullopt;
  return g->describe();
}

bool coordinator::is_empty_or_unknown(std::string_view group_id) const {
  const group* g = find(group_id);
  return !g || g->state() == group_state::empty || g->state() == group_state::dead;
}

// ---------------------------------------------------------------------------------------------
// Lifecycle and helpers

void coordinator::shutdown() {
  if (_stopped) return;
  _stopped = true;
  for (auto& [id, g] : _groups) g->shutdown();
  // Destroy the groups before running callbacks, so a callback sees a coordinator that is
  // already empty.
  auto groups = std::move(_groups);
  _groups.clear();
  groups.clear();
  flush();
  log::info("groups: coordinator shut down");
}

void coordinator::release_all() {
  if (_stopped || _groups.empty()) return;
  for (auto& [id, g] : _groups) g->shutdown();
  auto groups = std::move(_groups);
  _groups.clear();
  groups.clear();
  flush();
  log::info("groups: no longer the coordinator; forgot every group");
}

std::error_code coordinator::check_group_id(std::string_view group_id) const {
  if (group_id.empty() || group_id.size() > _options.group_id_bytes_max)
    return groups_errc::invalid_group_id;
  return {};
}

std::error_code coordinator::check_join(join_params& p) const {
  if (auto ec = check_group_id(p.group_id)) return ec;
  if (p.session_timeout_ms < _options.group_min_session_timeout_ms ||
      p.session_timeout_ms > _options.group_max_session_timeout_ms)
    return groups_errc::invalid_session_timeout;
  if (p.protocols.size() > _options.protocols_per_member_max) return groups_errc::invalid_request;
  dedupe_protocols(p.protocols);
  p.rebalance_timeout_ms = std::max(p.rebalance_timeout_ms, 0);
  if (member_state_bytes(p, p.member_id.size()) > _options.member_bytes_max)
    return groups_errc::invalid_request;
  return {};
}

group* coordinator::find(std::string_view group_id) const {
  auto it = _groups.find(group_id);
  return it == _groups.end() ? nullptr : it->second.get();
}

std::string coordinator::new_member_id(std::string_view prefix) {
  // A random (version 4) UUID, printed as Java's UUID.toString().
  std::uint64_t hi = _rng(), lo = _rng();
  hi = (hi & ~std::uint64_t{0xf000}) | 0x4000;
  lo = (lo & ~(std::uint64_t{3} << 62)) | (std::uint64_t{2} << 62);
  static constexpr char hex[] = "0123456789abcdef";
  std::string id(prefix.substr(0, member_id_prefix_bytes_max));
  id.reserve(id.size() + 37);
  id.push_back('-');
  auto put = [&](std::uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) id.push_back(hex[(v >> (4 * i)) & 0xf]);
  };
  put(hi >> 32, 8);
  id.push_back('-');
  put(hi >> 16, 4);
  id.push_back('-');
  put(hi, 4);
  id.push_back('-');
  put(lo >> 48, 4);
  id.push_back('-');
  put(lo, 12);
  return id;
}

void coordinator::settle(group& g) {
  if (g.collectible()) {
    std::string id = g.id();  // g (and its id) die in the erase
    log::debug("groups: group ", id, " is empty, forgotten");
    _groups.erase(id);
  }
  flush();
}

void coordinator::flush() {
  if (_flushing) return;  // a callback called back in: the outer loop runs what it queued
  _flushing = true;
  struct reset {
    bool& flag;
    ~reset() { flag = false; }
  } guard{_flushing};
  while (!_outbox.empty()) {
    auto batch = std::move(_outbox);
    _outbox.clear();
    for (auto& fn : batch) fn();
  }
}

}  // namespace tern::groups
