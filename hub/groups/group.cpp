#include "groups/group.h"

#include <algorithm>
#include "tern/common/check.h"
#include <climits>
#include <utility>

#include "app/log.h"
#include "groups/errors.h"

namespace tern::groups {
namespace {

// Fixed cost charged per member and per pending member: map nodes, the session timer, strings'
// headers. An estimate; it only has to keep the budget honest for tiny members.
constexpr std::size_t member_overhead_bytes = 512;
constexpr std::size_t pending_overhead_bytes = 256;
constexpr std::size_t protocol_overhead_bytes = 64;
// When no member rejoined in time (only absent static members are left), the rebalance waits
// again; at least this long, so a zero rebalance timeout cannot spin.
constexpr std::int32_t rewait_floor_ms = 1000;

join_result join_error(std::error_code ec, std::string member_id) {
  join_result r;
  r.error = ec;
  r.member_id = std::move(member_id);
  return r;
}

sync_result sync_error(std::error_code ec) {
  sync_result r;
  r.error = ec;
  return r;
}

bool same_protocols(const std::vector<protocol>& a, const std::vector<protocol>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].metadata != b[i].metadata) return false;
  return true;
}

const bytes* metadata_for(const std::vector<protocol>& protocols, std::string_view name) {
  for (const auto& p : protocols)
    if (p.name == name) return &p.metadata;
  return nullptr;
}

}  // namespace

std::string_view state_name(group_state s) {
  switch (s) {
    case group_state::empty:
      return "Empty";
    case group_state::preparing_rebalance:
      return "PreparingRebalance";
    case group_state::completing_rebalance:
      return "CompletingRebalance";
    case group_state::stable:
      return "Stable";
    case group_state::dead:
      return "Dead";
  }
  return "Dead";
}

std::size_t member_state_bytes(const join_params& p, std::size_t member_id_size) {
  std::size_t n = member_overhead_bytes + member_id_size + p.client_id.size() +
                  p.client_host.size() +
                  (p.group_instance_id ? p.group_instance_id->size() : std::size_t{0});
  for (const auto& pr : p.protocols)
    n += protocol_overhead_bytes + pr.name.size() + pr.metadata.size();
  return n;
}

group::group(std::string id, group_env& env)
    : _id(std::move(id)), _env(env), _join_timer(env.io, env.time),
      _sync_timer(env.io, env.time) {}

group::~group() {
  // Members' callbacks must have been answered (shutdown, or the group was collectible).
  TERN_ASSERT(_num_awaiting_join == 0);
}

bool group::collectible() const {
  return (_state == group_state::empty || _state == group_state::dead) && _members.empty() &&
         _pending.empty();
}

std::size_t group::charged_bytes(std::string_view member_id) const {
  const member* m = find(member_id);
  return m ? m->charged.amount() : 0;
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

void group::join(join_params p, join_callback done) {
  if (!accept_joining_member(p.member_id, p.group_instance_id)) {
    // Only an existing member that did not rejoin while the group is over capacity gets here
    // besides new ones; like Kafka, it loses its place.
    if (member* m = find(p.member_id)) remove_member(*m, groups_errc::unknown_member_id);
    _pending.erase(p.member_id);
    log::info("group ", _id, ": member rejected, group max size ", max_size(), " reached");
    reply(std::move(done), join_error(groups_errc::group_max_size_reached, ""));
  } else if (p.member_id.empty()) {
    join_new_member(std::move(p), std::move(done));
  } else {
    join_current_member(std::move(p), std::move(done));
  }
  if (_state == group_state::preparing_rebalance) maybe_complete_join();
}

bool group::accept_joining_member(std::string_view member_id,
                                  const std::optional<std::string>& instance_id) const {
  const member* m = find(member_id);
  // A known static member restarting takes its own place: it never makes the group bigger.
  // (Kafka counts it as a new member here and may refuse it in a full group.)
  if (member_id.empty() && instance_id && _static_members.contains(*instance_id)) return true;
  switch (_state) {
    case group_state::empty:
    case group_state::dead:
      return true;
    case group_state::preparing_rebalance:
      // Counting the members that rejoined (not all members) lets new members in place of
      // ones that will be dropped for not rejoining.
      return (m && m->join_cb) || _num_awaiting_join < max_size();
    case group_state::completing_rebalance:
    case group_state::stable:
      return m || _members.size() < max_size();
  }
  return false;
}

void group::join_new_member(join_params p, join_callback done) {
  if (_state == group_state::dead) {
    reply(std::move(done), join_error(groups_errc::coordinator_not_available, ""));
    return;
  }
  if (!supports_protocols(p.protocol_type, p.protocols)) {
    reply(std::move(done), join_error(groups_errc::inconsistent_group_protocol, ""));
    return;
  }
  std::string new_id = _env.new_member_id(p.group_instance_id ? *p.group_instance_id : p.client_id);
  if (p.group_instance_id) {
    auto it = _static_members.find(*p.group_instance_id);
    if (it != _static_members.end()) {
      std::string old_id = it->second;
      replace_static_member(old_id, std::move(new_id), p, std::move(done));
    } else {
      add_member_and_rebalance(std::move(new_id), p, std::move(done));
    }
  } else if (p.require_known_member_id) {
    if (_pending.size() >= _env.options.members_per_group_max) {
      log::warn("group ", _id, ": too many members awaiting their MEMBER_ID_REQUIRED rejoin");
      reply(std::move(done), join_error(groups_errc::coordinator_not_available, ""));
      return;
    }
    add_pending_member(new_id, p.session_timeout_ms);
    reply(std::move(done), join_error(groups_errc::member_id_required, std::move(new_id)));
  } else {
    add_member_and_rebalance(std::move(new_id), p, std::move(done));
  }
}

void group::join_current_member(join_params p, join_callback done) {
  if (_state == group_state::dead) {
    reply(std::move(done), join_error(groups_errc::coordinator_not_available, p.member_id));
    return;
  }
  if (!supports_protocols(p.protocol_type, p.protocols)) {
    reply(std::move(done), join_error(groups_errc::inconsistent_group_protocol, p.member_id));
    return;
  }
  if (auto it = _pending.find(p.member_id); it != _pending.end()) {
    // Ids from MEMBER_ID_REQUIRED are only ever given to dynamic members (Kafka treats an
    // instance id here as a broken client).
    if (p.group_instance_id) {
      reply(std::move(done), join_error(groups_errc::unknown_member_id, p.member_id));
      return;
    }
    _pending.erase(it);
    std::string id = p.member_id;
    add_member_and_rebalance(std::move(id), p, std::move(done));
    return;
  }
  if (auto ec = validate_current_member(p.member_id, p.group_instance_id)) {
    reply(std::move(done), join_error(ec, p.member_id));
    return;
  }
  member& m = *find(p.member_id);
  switch (_state) {
    case group_state::preparing_rebalance:
      update_member(m, p, std::move(done));
      break;
    case group_state::completing_rebalance:
      // Same metadata: it most likely missed its JoinGroup response; give it again.
      if (same_protocols(m.protocols, p.protocols)) {
        reply(std::move(done), current_generation_result(m, _leader, m.id == _leader));
      } else {
        update_member(m, p, std::move(done));
        maybe_prepare_rebalance("member rejoined with new metadata");
      }
      break;
    case group_state::stable:
      // The leader rejoining forces a rebalance: that is how it reacts to changes the
      // metadata does not show (e.g. new partitions).
      if (m.id == _leader || !same_protocols(m.protocols, p.protocols)) {
        update_member(m, p, std::move(done));
        maybe_prepare_rebalance(m.id == _leader ? "leader rejoined"
                                                : "member rejoined with new metadata");
      } else {
        reply(std::move(done), current_generation_result(m, _leader, false));
      }
      break;
    case group_state::empty:
    case group_state::dead:
      reply(std::move(done), join_error(groups_errc::unknown_member_id, p.member_id));
      break;
  }
}

void group::add_member_and_rebalance(std::string member_id, join_params& p, join_callback done) {
  auto owned = std::make_unique<member>(_env.io, _env.time, _env.state_bytes);
  member& m = *owned;
  m.id = std::move(member_id);
  m.instance_id = p.group_instance_id;
  m.client_id = p.client_id;
  m.client_host = p.client_host;
  m.added_seq = ++_seq;
  if (_state == group_state::preparing_rebalance && _generation == 0) _new_member_added = true;
  if (_members.empty()) _protocol_type = p.protocol_type;
  if (_leader.empty()) _leader = m.id;
  if (m.instance_id) _static_members[*m.instance_id] = m.id;
  _members.emplace(m.id, std::move(owned));
  update_member(m, p, std::move(done));
  // It cannot heartbeat before its JoinGroup returns, and a client that gave up would leave a
  // ghost in the rebalance: bound its first wait instead.
  arm_session(m, _env.options.new_member_join_timeout_ms);
  log::info("group ", _id, ": member ", m.id, " joined (client ", m.client_id, ")");
  maybe_prepare_rebalance("new member joined");
}

void group::replace_static_member(const std::string& old_id, std::string new_id, join_params& p,
                                  join_callback done) {
  std::string previous_leader = _leader;
  auto node = _members.extract(old_id);
  member& m = *node.mapped();
  // Fence a duplicate still waiting under the old id.
  if (m.join_cb) answer_join(m, join_error(groups_errc::fenced_instance_id, old_id));
  if (m.sync_cb) answer_sync(m, sync_error(groups_errc::fenced_instance_id));
  m.id = new_id;
  node.key() = std::move(new_id);
  _members.insert(std::move(node));
  if (_leader == old_id) _leader = m.id;
  _static_members[*m.instance_id] = m.id;
  if (_pending_sync.erase(old_id) > 0) _pending_sync.insert(m.id);
  arm_session(m, p.session_timeout_ms);
  update_member(m, p, std::move(done));
  log::info("group ", _id, ": static member ", *m.instance_id, " replaced ", old_id, " with ",
            m.id);
  switch (_state) {
    case group_state::stable:
      if (_protocol_name && select_protocol() == *_protocol_name) {
        // No rebalance. The previous leader id stops the newcomer from running an assignment
        // that a Stable group would not hand out anyway.
        answer_join(m, current_generation_result(m, previous_leader, false));
      } else {
        maybe_prepare_rebalance("static member rejoined with a different protocol");
      }
      break;
    case group_state::completing_rebalance:
      // The leader may already be assigning to the old id: start over.
      prepare_rebalance("static member rejoined during CompletingRebalance");
      break;
    case group_state::preparing_rebalance:
      break;
    case group_state::empty:
    case group_state::dead:
      TERN_ASSERT(false && "a static member exists only in a group with members");
      break;
  }
}

void group::update_member(member& m, join_params& p, join_callback done) {
  count_protocols(m, -1);
  m.protocols = std::move(p.protocols);
  count_protocols(m, +1);
  m.session_timeout_ms = p.session_timeout_ms;
  m.rebalance_timeout_ms = p.rebalance_timeout_ms;
  account(m);
  if (!done) return;
  if (m.join_cb) {
    // A second JoinGroup while the first waits (the client gave up on it): the newer one
    // stands; the older gets an answer that only makes a client rejoin.
    reply(std::move(m.join_cb), join_error(groups_errc::rebalance_in_progress, m.id));
  } else {
    ++_num_awaiting_join;
  }
  m.join_cb = std::move(done);
  m.join_seq = ++_seq;
}

void group::add_pending_member(std::string member_id, std::int32_t session_timeout_ms) {
  auto pending = std::make_unique<pending_member>(_env.io, _env.time, _env.state_bytes);
  pending->charged.set(pending_overhead_bytes + member_id.size());
  pending->expiry.arm(session_timeout_ms, [this, member_id] {
    on_pending_expired(member_id);
    _env.settle(*this);
  });
  _pending.emplace(std::move(member_id), std::move(pending));
}

// ---------------------------------------------------------------------------------------------
// Rebalance barrier

void group::maybe_prepare_rebalance(std::string_view reason) {
  if (_state == group_state::stable || _state == group_state::completing_rebalance ||
      _state == group_state::empty)
    prepare_rebalance(reason);
}

void group::prepare_rebalance(std::string_view reason) {
  if (_state == group_state::completing_rebalance)
    reset_and_propagate_assignment_error(groups_errc::rebalance_in_progress);
  _pending_sync.clear();
  _sync_timer.cancel();
  bool initial = _state == group_state::empty;
  _state = group_state::preparing_rebalance;
  log::info("group ", _id, ": preparing to rebalance, generation ", _generation, " (", reason, ")");
  if (initial) {
    std::int32_t delay = std::max(_env.options.group_initial_rebalance_delay_ms, 0);
    _join_phase = join_phase::initial_delay;
    arm_initial_delay(delay, std::max(rebalance_timeout_ms() - delay, 0));
  } else {
    arm_join_deadline();
    maybe_complete_join();
  }
}

void group::arm_initial_delay(std::int32_t delay_ms, std::int32_t remaining_ms) {
  _join_timer.arm(delay_ms, [this, delay_ms, remaining_ms] {
    if (_new_member_added && remaining_ms != 0) {
      _new_member_added = false;
      arm_initial_delay(
          std::min(std::max(_env.options.group_initial_rebalance_delay_ms, 0), remaining_ms),
          std::max(remaining_ms - delay_ms, 0));
    } else {
      complete_join();
    }
    _env.settle(*this);
  });
}

void group::arm_join_deadline(std::int32_t floor_ms) {
  _join_phase = join_phase::waiting;
  _join_timer.arm(std::max(rebalance_timeout_ms(), floor_ms), [this] {
    complete_join();
    _env.settle(*this);
  });
}

void group::maybe_complete_join() {
  if (_state == group_state::preparing_rebalance && _join_phase == join_phase::waiting &&
      _members.size() == _num_awaiting_join && _pending.empty())
    complete_join();
}

void group::complete_join() {
  TERN_ASSERT(_state == group_state::preparing_rebalance);
  _join_timer.cancel();
  _join_phase = join_phase::none;
  std::vector<member*> gone;
  for (auto& [id, m] : _members)
    if (!m->join_cb && !m->instance_id) gone.push_back(m.get());
  for (member* m : gone) {
    log::info("group ", _id, ": member ", m->id, " did not rejoin in time, removed");
    remove_member(*m, groups_errc::unknown_member_id);
  }
  if (!elect_joined_leader() && !_members.empty()) {
    // Only static members that have not rejoined are left: wait again; their sessions will
    // expire if they are gone.
    log::warn("group ", _id, ": no member rejoined; waiting another rebalance timeout");
    arm_join_deadline(rewait_floor_ms);
    return;
  }
  start_generation();
}

bool group::elect_joined_leader() {
  member* leader = _leader.empty() ? nullptr : find(_leader);
  if (leader && leader->join_cb) return true;
  member* first = nullptr;
  for (auto& [id, m] : _members)
    if (m->join_cb && (!first || m->join_seq < first->join_seq)) first = m.get();
  if (!first) return false;
  _leader = first->id;
  return true;
}

void group::start_generation() {
  _generation = _generation == INT32_MAX ? 1 : _generation + 1;
  if (_members.empty()) {
    _protocol_name.reset();
    _state = group_state::empty;
    log::info("group ", _id, ": generation ", _generation, " is empty");
    return;
  }
  _protocol_name = select_protocol();
  _state = group_state::completing_rebalance;
  auto all = join_members();
  for (member* m : members_in_order()) {
    if (m->join_cb) {
      join_result r = current_generation_result(*m, _leader, false);
      if (m->id == _leader) r.members = all;
      answer_join(*m, std::move(r));
    }
    arm_session(*m, m->session_timeout_ms);
    m->is_new = false;
    _pending_sync.insert(m->id);
  }
  _sync_timer.arm(rebalance_timeout_ms(), [this, generation = _generation] {
    on_sync_expired(generation);
    _env.settle(*this);
  });
  log::info("group ", _id, ": generation ", _generation, " with ", _members.size(),
            " members, protocol ", *_protocol_name, ", leader ", _leader);
}

// ---------------------------------------------------------------------------------------------
// SyncGroup

std::error_code group::validate_sync(const sync_params& p) const {
  if (_state == group_state::dead) return groups_errc::coordinator_not_available;
  if (auto ec = validate_current_member(p.member_id, p.group_instance_id)) return ec;
  if (p.generation_id != _generation) return groups_errc::illegal_generation;
  if ((p.protocol_type && p.protocol_type != _protocol_type) ||
      (p.protocol_name && p.protocol_name != _protocol_name))
    return groups_errc::inconsistent_group_protocol;
  if (_state == group_state::empty) return groups_errc::unknown_member_id;
  if (_state == group_state::preparing_rebalance) return groups_errc::rebalance_in_progress;
  return {};
}

void group::sync(sync_params p, sync_callback done) {
  if (auto ec = validate_sync(p)) {
    reply(std::move(done), sync_error(ec));
    return;
  }
  member& m = *find(p.member_id);
  if (_state == group_state::stable) {
    remove_pending_sync(m.id);
    reply(std::move(done), sync_result{{}, _protocol_type, _protocol_name, m.assignment});
    arm_session(m, m.session_timeout_ms);
    return;
  }
  // CompletingRebalance: wait for the leader's assignment.
  if (m.sync_cb) reply(std::move(m.sync_cb), sync_error(groups_errc::rebalance_in_progress));
  m.sync_cb = std::move(done);
  remove_pending_sync(m.id);
  if (m.id == _leader) apply_leader_assignment(p.assignments);
}

void group::apply_leader_assignment(const std::vector<member_assignment>& assignments) {
  std::map<std::string_view, const bytes*> by_member;
  for (const auto& a : assignments) by_member[a.member_id] = &a.assignment;  // last one wins
  std::size_t before = 0, after = 0, missing = 0;
  for (auto& [id, m] : _members) {
    before += m->assignment.size();
    auto it = by_member.find(id);
    if (it != by_member.end())
      after += it->second->size();
    else
      ++missing;
  }
  if (_env.state_bytes - before + after > _env.options.state_bytes_max) {
    log::warn("group ", _id, ": assignment of ", after, " bytes exceeds the coordinator's budget");
    reset_and_propagate_assignment_error(groups_errc::coordinator_not_available);
    maybe_prepare_rebalance("assignment over the state budget");
    return;
  }
  if (missing > 0)
    log::warn("group ", _id, ": leader left ", missing, " members without an assignment");
  for (auto& [id, m] : _members) {
    auto it = by_member.find(id);
    m->assignment = it != by_member.end() ? *it->second : bytes{};
    account(*m);
  }
  propagate_assignment({});
  _state = group_state::stable;
  log::info("group ", _id, ": stable at generation ", _generation);
}

void group::propagate_assignment(std::error_code error) {
  for (auto& [id, m] : _members) {
    if (!m->sync_cb) continue;
    sync_result r;
    r.error = error;
    if (!error) {
      r.protocol_type = _protocol_type;
      r.protocol_name = _protocol_name;
      r.assignment = m->assignment;
    }
    answer_sync(*m, std::move(r));
    // Its session was not running while it waited: start it again.
    arm_session(*m, m->session_timeout_ms);
  }
}

void group::reset_and_propagate_assignment_error(std::error_code error) {
  for (auto& [id, m] : _members) {
    m->assignment.clear();
    account(*m);
  }
  propagate_assignment(error);
}

void group::remove_pending_sync(const std::string& member_id) {
  if (_pending_sync.erase(member_id) > 0 && _pending_sync.empty()) _sync_timer.cancel();
}

void group::on_sync_expired(std::int32_t generation) {
  if (generation != _generation || _pending_sync.empty() ||
      (_state != group_state::completing_rebalance && _state != group_state::stable))
    return;
  std::vector<std::string> ids(_pending_sync.begin(), _pending_sync.end());
  _pending_sync.clear();
  for (const auto& id : ids) {
    if (member* m = find(id)) {
      log::info("group ", _id, ": member ", id, " sent no SyncGroup in time, removed");
      remove_member(*m, groups_errc::unknown_member_id);
    }
  }
  prepare_rebalance("members did not sync");
}

// ---------------------------------------------------------------------------------------------
// Heartbeat, LeaveGroup, OffsetCommit, delete

std::error_code group::heartbeat(std::int32_t generation_id, std::string_view member_id,
                                 const std::optional<std::string>& group_instance_id) {
  if (_state == group_state::dead) return groups_errc::coordinator_not_available;
  if (auto ec = validate_current_member(member_id, group_instance_id)) return ec;
  if (generation_id != _generation) return groups_errc::illegal_generation;
  if (_state == group_state::empty) return groups_errc::unknown_member_id;
  member& m = *find(member_id);
  arm_session(m, m.session_timeout_ms);
  return _state == group_state::preparing_rebalance
             ? std::error_code(groups_errc::rebalance_in_progress)
             : std::error_code();
}

leave_result group::leave(const std::vector<member_identity>& members) {
  leave_result result;
  if (_state == group_state::dead) {
    result.error = groups_errc::coordinator_not_available;
    return result;
  }
  result.members.reserve(members.size());
  for (const auto& who : members) result.members.push_back(leave_one(who));
  return result;
}

std::error_code group::leave_one(const member_identity& who) {
  if (who.member_id.empty()) {
    // Administrative removal by instance id (KIP-345).
    if (!who.group_instance_id) return groups_errc::unknown_member_id;
    auto it = _static_members.find(*who.group_instance_id);
    if (it == _static_members.end()) return groups_errc::unknown_member_id;
    remove_member_and_update(*find(it->second), "static member removed by instance id");
    return {};
  }
  if (auto it = _pending.find(who.member_id); it != _pending.end()) {
    _pending.erase(it);
    maybe_complete_join();
    return {};
  }
  if (auto ec = validate_current_member(who.member_id, who.group_instance_id)) return ec;
  member& m = *find(who.member_id);
  log::info("group ", _id, ": member ", m.id, " left");
  remove_member_and_update(m, "member left");
  return {};
}

std::error_code group::validate_commit(std::int32_t generation_id, std::string_view member_id,
                                       const std::optional<std::string>& group_instance_id) {
  if (_state == group_state::dead) return groups_errc::coordinator_not_available;
  if (generation_id >= 0 || !member_id.empty() || group_instance_id) {
    if (auto ec = validate_current_member(member_id, group_instance_id)) return ec;
    if (generation_id != _generation) return groups_errc::illegal_generation;
  } else if (_state != group_state::empty) {
    // A "simple" commit (no generation, no member) is for groups without members only.
    return groups_errc::unknown_member_id;
  }
  switch (_state) {
    case group_state::completing_rebalance:
      // A valid member that got its JoinGroup response but not its assignment yet.
      return groups_errc::rebalance_in_progress;
    case group_state::stable:
    case group_state::preparing_rebalance:
      // Still allowed while preparing: the heartbeat tells the member to rejoin.
      if (member* m = find(member_id)) arm_session(*m, m->session_timeout_ms);
      return {};
    case group_state::empty:
    case group_state::dead:
      return {};
  }
  return {};
}

std::error_code group::mark_dead() {
  if (_state == group_state::dead) return groups_errc::group_id_not_found;
  if (_state != group_state::empty) return groups_errc::non_empty_group;
  _state = group_state::dead;
  _pending.clear();
  _join_timer.cancel();
  _sync_timer.cancel();
  return {};
}

// ---------------------------------------------------------------------------------------------
// Membership

group::member* group::find(std::string_view member_id) const {
  auto it = _members.find(member_id);
  return it == _members.end() ? nullptr : it->second.get();
}

std::error_code group::validate_current_member(
    std::string_view member_id, const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto it = _static_members.find(*instance_id);
    if (it == _static_members.end()) return groups_errc::unknown_member_id;
    if (it->second != member_id) return groups_errc::fenced_instance_id;
  }
  if (!find(member_id)) return groups_errc::unknown_member_id;
  return {};
}

void group::remove_member(member& m, std::error_code answer) {
  if (m.join_cb) answer_join(m, join_error(answer, ""));
  if (m.sync_cb) answer_sync(m, sync_error(answer));
  count_protocols(m, -1);
  if (m.instance_id) {
    auto it = _static_members.find(*m.instance_id);
    if (it != _static_members.end() && it->second == m.id) _static_members.erase(it);
  }
  _pending_sync.erase(m.id);
  if (_leader == m.id) _leader.clear();
  std::string id = m.id;
  _members.erase(id);  // destroys m
}

void group::remove_member_and_update(member& m, std::string_view reason) {
  remove_member(m, groups_errc::unknown_member_id);
  switch (_state) {
    case group_state::stable:
    case group_state::completing_rebalance:
      maybe_prepare_rebalance(reason);
      break;
    case group_state::preparing_rebalance:
      maybe_complete_join();
      break;
    case group_state::empty:
    case group_state::dead:
      break;
  }
}

void group::on_session_expired(member& m) {
  // Waiting in JoinGroup/SyncGroup counts as alive: those waits have their own deadlines.
  if (!m.is_new && (m.join_cb || m.sync_cb)) return;
  log::info("group ", _id, ": member ", m.id,
            m.is_new ? " never completed its first join" : " session timed out", ", removed");
  remove_member_and_update(m, "member session timed out");
}

void group::on_pending_expired(const std::string& member_id) {
  _pending.erase(member_id);
  maybe_complete_join();
}

void group::arm_session(member& m, std::int64_t timeout_ms) {
  member* pm = &m;  // the timer belongs to the member: if it fires, the member exists
  m.session.arm(timeout_ms, [this, pm] {
    on_session_expired(*pm);
    _env.settle(*this);
  });
}

void group::account(member& m) {
  std::size_t n = member_overhead_bytes + m.id.size() + m.client_id.size() + m.client_host.size() +
                  m.assignment.size() + (m.instance_id ? m.instance_id->size() : std::size_t{0});
  for (const auto& p : m.protocols)
    n += protocol_overhead_bytes + p.name.size() + p.metadata.size();
  m.charged.set(n);
}

// ---------------------------------------------------------------------------------------------
// Protocols

bool group::supports_protocols(const std::string& protocol_type,
                               const std::vector<protocol>& protocols) const {
  if (protocol_type.empty() || protocols.empty()) return false;
  if (_state == group_state::empty) return true;
  if (protocol_type != _protocol_type) return false;
  for (const auto& p : protocols) {
    auto it = _protocol_counts.find(p.name);
    std::size_t count = it == _protocol_counts.end() ? 0 : it->second;
    if (count == _members.size()) return true;
  }
  return false;
}

std::string group::select_protocol() const {
  // Candidates: the protocols every member supports. Each member votes for the first candidate
  // in its own order of preference; most votes wins, a tie goes to the protocol that got its
  // first vote earliest (members in membership order) — deterministic, where Kafka leaves
  // ties to hash order.
  std::vector<std::pair<std::string_view, std::size_t>> votes;
  for (const member* m : members_in_order()) {
    for (const auto& p : m->protocols) {
      auto it = _protocol_counts.find(p.name);
      if (it == _protocol_counts.end() || it->second != _members.size()) continue;
      auto v = std::find_if(votes.begin(), votes.end(),
                            [&](const auto& e) { return e.first == p.name; });
      if (v == votes.end())
        votes.emplace_back(p.name, 1);
      else
        ++v->second;
      break;
    }
  }
  TERN_ASSERT(!votes.empty() && "members always share a protocol (checked on every join)");
  if (votes.empty()) return _members.begin()->second->protocols.front().name;
  auto best = votes.begin();
  for (auto it = votes.begin(); it != votes.end(); ++it)
    if (it->second > best->second) best = it;
  return std::string(best->first);
}

void group::count_protocols(const member& m, int delta) {
  for (const auto& p : m.protocols) {
    if (delta > 0) {
      ++_protocol_counts[p.name];
    } else {
      auto it = _protocol_counts.find(p.name);
      TERN_ASSERT(it != _protocol_counts.end() && it->second > 0);
      if (--it->second == 0) _protocol_counts.erase(it);
    }
  }
}

std::int32_t group::rebalance_timeout_ms() const {
  std::int32_t t = 0;
  for (const auto& [id, m] : _members) t = std::max(t, m->rebalance_timeout_ms);
  return t;
}

std::size_t group::max_size() const {
  std::size_t limit = _env.options.members_per_group_max;
  if (_env.options.group_max_size > 0)
    limit = std::min(limit, static_cast<std::size_t>(_env.options.group_max_size));
  return limit;
}

// ---------------------------------------------------------------------------------------------
// Answers and introspection

std::vector<group::member*> group::members_in_order() const {
  std::vector<member*> out;
  out.reserve(_members.size());
  for (const auto& [id, m] : _members) out.push_back(m.get());
  std::sort(out.begin(), out.end(),
            [](const member* a, const member* b) { return a->added_seq < b->added_seq; });
  return out;
}

std::vector<join_member> group::join_members() const {
  std::vector<join_member> out;
  out.reserve(_members.size());
  for (const member* m : members_in_order()) {
    const bytes* md = metadata_for(m->protocols, *_protocol_name);
    out.push_back({m->id, m->instance_id, md ? *md : bytes{}});
  }
  return out;
}

join_result group::current_generation_result(const member& m, std::string leader_id,
                                             bool with_members) const {
  join_result r;
  r.generation_id = _generation;
  r.protocol_type = _protocol_type;
  r.protocol_name = _protocol_name;
  r.leader_id = std::move(leader_id);
  r.member_id = m.id;
  if (with_members) r.members = join_members();
  return r;
}

void group::answer_join(member& m, join_result r) {
  TERN_ASSERT(m.join_cb && _num_awaiting_join > 0);
  --_num_awaiting_join;
  reply(std::move(m.join_cb), std::move(r));
  m.join_cb = nullptr;
}

void group::answer_sync(member& m, sync_result r) {
  TERN_ASSERT(m.sync_cb);
  reply(std::move(m.sync_cb), std::move(r));
  m.sync_cb = nullptr;
}

void group::reply(join_callback done, join_result r) {
  _env.outbox.push_back([done = std::move(done), r = std::move(r)] { done(r); });
}

void group::reply(sync_callback done, sync_result r) {
  _env.outbox.push_back([done = std::move(done), r = std::move(r)] { done(r); });
}

group_summary group::summary() const {
  return {_id, _protocol_type.value_or(""), std::string(state_name(_state))};
}

group_description group::describe() const {
  group_description d;
  d.group_id = _id;
  d.state = state_name(_state);
  d.protocol_type = _protocol_type.value_or("");
  bool stable = _state == group_state::stable;
  if (stable) d.protocol = _protocol_name.value_or("");
  for (const member* m : members_in_order()) {
    member_description md{m->id, m->instance_id, m->client_id, m->client_host, {}, {}};
    if (stable) {
      if (const bytes* b = metadata_for(m->protocols, d.protocol)) md.metadata = *b;
      md.assignment = m->assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

void group::shutdown() {
  for (auto& [id, m] : _members) {
    if (m->join_cb) answer_join(*m, join_error(groups_errc::coordinator_not_available, m->id));
    if (m->sync_cb) answer_sync(*m, sync_error(groups_errc::coordinator_not_available));
    m->session.cancel();
  }
  _pending.clear();
  _join_timer.cancel();
  _sync_timer.cancel();
}

}  // namespace tern::groups
