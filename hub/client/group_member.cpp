#include "client/group_member.h"

#include <algorithm>
#include <set>
#include <thread>

#include "client/range_assignor.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/consumer_protocol.h"
#include "tern/kafka/messages/heartbeat.h"
#include "tern/kafka/messages/join_group.h"
#include "tern/kafka/messages/leave_group.h"
#include "tern/kafka/messages/offset_commit.h"
#include "tern/kafka/messages/sync_group.h"

namespace tern::client {
namespace {

using kafka::error_code;
using kafka::wire;

bool decode_subscription(const std::vector<std::uint8_t>& bytes,
                         kafka::consumer_protocol_subscription& out) {
  wire::wire_reader r(wire::bytes_view(bytes.data(), bytes.size()));
  return !bytes.empty() && out.decode(r);
}

std::vector<std::uint8_t> encode_assignment(const std::vector<topic_partition>& partitions,
                                            std::int16_t version) {
  kafka::consumer_protocol_assignment a;
  for (const auto& tp : partitions) {
    if (a.assigned_partitions.empty() || a.assigned_partitions.back().topic != tp.topic)
      a.assigned_partitions.push_back({tp.topic, {}});
    a.assigned_partitions.back().partitions.push_back(tp.partition);
  }
  wire::wire_writer w;
  a.encode(w, version);
  return w.contiguous();
}

}  // namespace

std::vector<std::string> subscribed_topics(const std::vector<joined_member>& members) {
  std::set<std::string> topics;
  for (const auto& m : members) {
    kafka::consumer_protocol_subscription s;
    if (decode_subscription(m.subscription, s)) topics.insert(s.topics.begin(), s.topics.end());
  }
  return {topics.begin(), topics.end()};
}

std::vector<std::pair<std::string, std::vector<std::uint8_t>>> leader_assignments(
    const std::vector<joined_member>& members,
    const std::map<std::string, std::vector<std::int32_t>>& partitions_per_topic) {
  std::vector<member_subscription> subscriptions;
  std::map<std::string, std::int16_t> versions;
  for (const auto& m : members) {
    kafka::consumer_protocol_subscription s;
    bool ok = decode_subscription(m.subscription, s);
    subscriptions.push_back(
        {m.member_id, m.group_instance_id, ok ? s.topics : std::vector<std::string>{}});
    // Answer each member in the version it spoke (assignment v0 and v1 share one layout).
    versions[m.member_id] =
        ok ? std::min(s.sender_version, kafka::consumer_protocol_assignment::max_version)
           : kafka::consumer_protocol_assignment::min_version;
  }
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> out;
  for (const auto& [member, partitions] : range_assign(subscriptions, partitions_per_topic))
    out.emplace_back(member, encode_assignment(partitions, versions[member]));
  return out;
}

call_status group_member::ensure_coordinator(std::string& error) {
  if (_coordinator.connected()) return call_status::ok;
  call_status status = call_status::fatal;
  if (!connect_coordinator(_client, _options.group_id,
                           std::chrono::milliseconds(_options.coordinator_wait_ms), backoff(),
                           _coordinator, error, &status))
    return status;
  // JoinGroup and SyncGroup wait for the whole group: allow the rebalance timeout and a margin.
  _coordinator.conn->set_timeout(std::max<std::chrono::milliseconds>(
      std::chrono::seconds(30),
      std::chrono::milliseconds(_options.rebalance_timeout_ms) + std::chrono::seconds(5)));
  return call_status::ok;
}

group_member::outcome group_member::on_group_error(std::int16_t code, const char* api,
                                                   std::string& error) {
  error = std::string(api) + " in group '" + _options.group_id + "': " + kafka_error_name(code);
  if (is_coordinator_error(code)) {
    lose_coordinator();
    std::this_thread::sleep_for(backoff());
    return outcome::retry;
  }
  if (code == wire(error_code::unknown_member_id)) {
    _member_id.clear();
    return outcome::retry;
  }
  if (code == wire(error_code::rebalance_in_progress) ||
      code == wire(error_code::illegal_generation))
    return outcome::retry;
  if (code == wire(error_code::invalid_session_timeout))
    error += " (session.timeout.ms " + std::to_string(_options.session_timeout_ms) +
             " is outside the broker's group.min.session.timeout.ms..group.max.session.timeout.ms)";
  if (code == wire(error_code::inconsistent_group_protocol))
    error += " (the group's members use another protocol type or share no assignor with \"range\")";
  return outcome::fail;
}

call_status group_member::join(std::string& error) {
  _assignment.clear();
  _generation_id = -1;
  const auto deadline =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(_options.rebalance_timeout_ms + _options.coordinator_wait_ms);
  std::string last;
  for (;;) {
    if (_options.stop_requested && _options.stop_requested()) {
      error = "interrupted";
      return call_status::fatal;
    }
    if (auto status = ensure_coordinator(error); status != call_status::ok) return status;
    switch (join_and_sync(last)) {
      case outcome::done:
        _next_heartbeat = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(_options.heartbeat_interval_ms);
        return call_status::ok;
      case outcome::fail:
        error = last;
        return call_status::fatal;
      case outcome::retry:
        break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      error = "could not join group '" + _options.group_id + "': " + last;
      return call_status::fatal;
    }
  }
}

group_member::outcome group_member::join_and_sync(std::string& error) {
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> assignments;
  auto joined = send_join(assignments, error);
  if (joined != outcome::done) return joined;
  return send_sync(assignments, error);
}

group_member::outcome group_member::send_join(
    std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& leader_assignments_out,
    std::string& error) {
  auto& conn = *_coordinator.conn;
  auto version = negotiated_version(conn, kafka::api_key::join_group, 0, "JoinGroup",
                                    _coordinator.address, error);
  if (version < 0) return outcome::fail;
  if (_options.group_instance_id && version < 5) {
    error = "static membership (group.instance.id) needs JoinGroup v5, the broker at " +
            _coordinator.address + " supports v" + std::to_string(version);
    return outcome::fail;
  }
  kafka::consumer_protocol_subscription subscription;
  subscription.topics = _options.topics;
  wire::wire_writer sw;
  subscription.encode(sw, 0);
  const std::vector<std::uint8_t> metadata = sw.contiguous();

  kafka::join_group_request request;
  request.group_id = _options.group_id;
  request.session_timeout_ms = _options.session_timeout_ms;
  request.rebalance_timeout_ms = _options.rebalance_timeout_ms;
  request.member_id = _member_id;
  request.group_instance_id = _options.group_instance_id;
  request.protocol_type = std::string(kafka::consumer_protocol_type);
  request.protocols.push_back({assignor_name, wire::bytes_view(metadata.data(), metadata.size())});
  kafka::join_group_response response;
  if (auto ec = conn.call(request, version, response)) {
    error = _coordinator.describe(ec);
    lose_coordinator();
    return outcome::retry;
  }
  if (response.error_code == wire(error_code::member_id_required)) {
    _member_id = response.member_id;  // KIP-394: join again with the id the coordinator chose
    return outcome::retry;
  }
  if (response.error_code != 0) return on_group_error(response.error_code, "JoinGroup", error);
  _member_id = response.member_id;
  _leader_id = response.leader;
  _generation_id = response.generation_id;
  if (!is_leader()) return outcome::done;

  // Copy the subscriptions out of the frame before the Metadata call.
  std::vector<joined_member> members;
  for (const auto& m : response.members)
    members.push_back({m.member_id, m.group_instance_id, {m.metadata.begin(), m.metadata.end()}});
  std::map<std::string, std::vector<std::int32_t>> partitions_per_topic;
  auto topics = subscribed_topics(members);
  if (!topics.empty()) {
    kafka::metadata_response md;
    if (auto ec = _client.metadata(topics, false, md)) {
      error = _client.describe(-1, ec);
      if (status_of(ec) != call_status::retriable) return outcome::fail;
      lose_coordinator();  // likely gone too: join() finds out and reports it retriable
      return outcome::retry;
    }
    for (const auto& t : md.topics)
      if (t.error_code == 0)
        for (const auto& p : t.partitions)
          partitions_per_topic[t.name].push_back(p.partition_index);
  }
  leader_assignments_out = leader_assignments(members, partitions_per_topic);
  return outcome::done;
}

group_member::outcome group_member::send_sync(
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& leader_assignments_in,
    std::string& error) {
  auto& conn = *_coordinator.conn;
  auto version = negotiated_version(conn, kafka::api_key::sync_group, 0, "SyncGroup",
                                    _coordinator.address, error);
  if (version < 0) return outcome::fail;
  kafka::sync_group_request request;
  request.group_id = _options.group_id;
  request.generation_id = _generation_id;
  request.member_id = _member_id;
  if (version >= 3) request.group_instance_id = _options.group_instance_id;
  // v5 (KIP-559): the coordinator checks these against the generation's. The member offered
  // only this assignor, so the group chose it.
  request.protocol_type = std::string(kafka::consumer_protocol_type);
  request.protocol_name = std::string(assignor_name);
  for (const auto& [member, bytes] : leader_assignments_in)
    request.assignments.push_back({member, wire::bytes_view(bytes.data(), bytes.size())});
  kafka::sync_group_response response;
  if (auto ec = conn.call(request, version, response)) {
    error = _coordinator.describe(ec);
    lose_coordinator();
    return outcome::retry;
  }
  if (response.error_code != 0) return on_group_error(response.error_code, "SyncGroup", error);
  _assignment.clear();
  if (!response.assignment.empty()) {  // empty bytes: no partitions
    kafka::consumer_protocol_assignment assignment;
    wire::wire_reader r(response.assignment);
    if (!assignment.decode(r)) {
      error =
          "the leader of group '" + _options.group_id + "' sent an assignment that does not decode";
      return outcome::fail;
    }
    for (const auto& tp : assignment.assigned_partitions)
      for (auto p : tp.partitions) _assignment.push_back({tp.topic, p});
    std::sort(_assignment.begin(), _assignment.end());
    _assignment.erase(std::unique(_assignment.begin(), _assignment.end()), _assignment.end());
  }
  return outcome::done;
}

std::chrono::milliseconds group_member::until_heartbeat() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      _next_heartbeat - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

call_status group_member::heartbeat_if_due(bool& rejoin, std::string& error, bool* answered) {
  rejoin = false;
  if (answered) *answered = false;
  const auto now = std::chrono::steady_clock::now();
  if (now < _next_heartbeat) return call_status::ok;
  if (_generation_id < 0) {
    rejoin = true;
    return call_status::ok;
  }
  if (auto status = ensure_coordinator(error); status != call_status::ok) {
    _next_heartbeat = now + backoff();
    return status;
  }
  auto& conn = *_coordinator.conn;
  auto version = negotiated_version(conn, kafka::api_key::heartbeat, 0, "Heartbeat",
                                    _coordinator.address, error);
  if (version < 0) return call_status::fatal;
  kafka::heartbeat_request request;
  request.group_id = _options.group_id;
  request.generation_id = _generation_id;
  request.member_id = _member_id;
  if (version >= 3) request.group_instance_id = _options.group_instance_id;
  kafka::heartbeat_response response;
  if (conn.call(request, version, response)) {
    lose_coordinator();  // found again at the next heartbeat, soon
    _next_heartbeat = now + backoff();
    return call_status::ok;
  }
  _next_heartbeat = now + std::chrono::milliseconds(_options.heartbeat_interval_ms);
  if (answered) *answered = true;
  if (response.error_code == 0) return call_status::ok;
  if (is_coordinator_error(response.error_code)) {
    lose_coordinator();
    _next_heartbeat = now + backoff();
    return call_status::ok;
  }
  if (on_group_error(response.error_code, "Heartbeat", error) == outcome::fail)
    return call_status::fatal;
  rejoin = true;
  return call_status::ok;
}

call_status group_member::fetch_committed(std::map<topic_partition, std::int64_t>& out,
                                          std::string& error) {
  out.clear();
  if (_assignment.empty()) return call_status::ok;
  for (int attempt = 0;; ++attempt) {
    if (auto status = ensure_coordinator(error); status != call_status::ok) return status;
    bool moved = false;
    if (fetch_committed_offsets(_coordinator, _options.group_id, _assignment, out, error, &moved))
      return call_status::ok;
    if (!moved) return call_status::fatal;
    if (attempt >= 3) return call_status::retriable;
    lose_coordinator();
    std::this_thread::sleep_for(backoff());
  }
}

call_status group_member::send_commit(const std::map<topic_partition, std::int64_t>& offsets,
                                      bool standalone, std::int16_t& code, std::string& where,
                                      std::string& error) {
  kafka::offset_commit_request request;
  request.group_id = _options.group_id;
  request.generation_id = standalone ? -1 : _generation_id;
  request.member_id = standalone ? std::string() : _member_id;
  for (const auto& [tp, offset] : offsets) {
    if (request.topics.empty() || request.topics.back().name != tp.topic)
      request.topics.push_back({tp.topic, {}});
    kafka::offset_commit_request::partition p;
    p.partition_index = tp.partition;
    p.committed_offset = offset;
    p.committed_metadata = std::string();
    request.topics.back().partitions.push_back(p);
  }
  for (int attempt = 0;; ++attempt) {
    if (auto status = ensure_coordinator(error); status != call_status::ok) return status;
    auto& conn = *_coordinator.conn;
    auto version = negotiated_version(conn, kafka::api_key::offset_commit, 1, "OffsetCommit",
                                      _coordinator.address, error);
    if (version < 0) return call_status::fatal;
    request.group_instance_id =
        version >= 7 && !standalone ? _options.group_instance_id : std::nullopt;
    kafka::offset_commit_response response;
    code = 0;
    if (auto ec = conn.call(request, version, response)) {
      error = _coordinator.describe(ec);
      lose_coordinator();
      if (attempt >= 3) return status_of(ec);
      continue;
    }
    for (const auto& t : response.topics)
      for (const auto& p : t.partitions)
        if (p.error_code != 0 && code == 0) {
          code = p.error_code;
          where = t.name + "-" + std::to_string(p.partition_index);
        }
    if (!is_coordinator_error(code)) return call_status::ok;
    error = "OffsetCommit in group '" + _options.group_id + "': " + kafka_error_name(code);
    lose_coordinator();
    if (attempt >= 3) return call_status::retriable;
    std::this_thread::sleep_for(backoff());
  }
}

call_status group_member::commit(const std::map<topic_partition, std::int64_t>& offsets,
                                 bool& rejoin, std::string& error) {
  rejoin = false;
  if (offsets.empty()) return call_status::ok;
  if (_generation_id < 0) {
    rejoin = true;
    return call_status::ok;
  }
  std::int16_t code = 0;
  std::string where;
  if (auto status = send_commit(offsets, false, code, where, error); status != call_status::ok)
    return status;
  if (code == 0) return call_status::ok;
  if (on_group_error(code, "OffsetCommit", error) == outcome::fail) {
    error = "cannot commit offsets of group '" + _options.group_id + "' (" + where +
            "): " + kafka_error_name(code);
    return call_status::fatal;
  }
  rejoin = true;  // the generation is gone: rejoin; these offsets were not committed
  return call_status::ok;
}

call_status group_member::commit_standalone(const std::map<topic_partition, std::int64_t>& offsets,
                                            bool& accepted, std::string& error) {
  accepted = false;
  if (offsets.empty()) return call_status::ok;
  std::int16_t code = 0;
  std::string where;
  if (auto status = send_commit(offsets, true, code, where, error); status != call_status::ok)
    return status;
  accepted = code == 0;
  if (!accepted)
    error = "group '" + _options.group_id + "' refused a commit outside a generation (" + where +
            "): " + kafka_error_name(code);
  return call_status::ok;
}

void group_member::leave() {
  if (_member_id.empty() || _options.group_instance_id) return;
  std::string ignored;
  if (!_coordinator.connected()) return;  // no coordinator at hand: the session timeout will do
  auto& conn = *_coordinator.conn;
  auto version = negotiated_version(conn, kafka::api_key::leave_group, 0, "LeaveGroup",
                                    _coordinator.address, ignored);
  if (version >= 0) {
    kafka::leave_group_request request;
    request.group_id = _options.group_id;
    if (version >= 3)
      request.members.push_back({_member_id, std::nullopt, "the consumer is closing"});
    else
      request.member_id = _member_id;
    kafka::leave_group_response response;
    (void)conn.call(request, version, response);
  }
  _member_id.clear();
  _generation_id = -1;
  _assignment.clear();
}

}  // namespace tern::client
