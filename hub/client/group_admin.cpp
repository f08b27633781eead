#include "client/group_admin.h"

#include <algorithm>
#include <thread>

#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/consumer_protocol.h"
#include "tern/kafka/messages/describe_groups.h"
#include "tern/kafka/messages/find_coordinator.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/offset_fetch.h"

namespace tern::client {

std::string kafka_error_name(std::int16_t code) {
  std::string name(kafka::to_string(static_cast<kafka::error_code>(code)));
  return name == "UNKNOWN_ERROR_CODE" ? "error code " + std::to_string(code) : name;
}

bool is_coordinator_error(std::int16_t code) {
  return code == kafka::wire(kafka::error_code::not_coordinator) ||
         code == kafka::wire(kafka::error_code::coordinator_not_available) ||
         code == kafka::wire(kafka::error_code::coordinator_load_in_progress);
}

std::int16_t negotiated_version(const kafka_connection& conn, kafka::api_key api,
                                std::int16_t min_version, const char* name,
                                const std::string& address, std::string& error) {
  std::int16_t v = conn.version_for(api);
  if (v >= min_version) return v;
  error = "the broker at " + address + " does not support " + name + " v" +
          std::to_string(min_version) + " or later";
  return -1;
}

namespace {

// A v4+ (batched) answer to a batch of one key: its coordinator moved to the v0–3 fields, the
// ones the caller reads. False if the broker did not answer that key.
bool single_coordinator(kafka::find_coordinator_response& response, std::int16_t version,
                        const std::string& key) {
  if (version < kafka::find_coordinator_request::first_batched_version) return true;
  auto it = std::find_if(response.coordinators.begin(), response.coordinators.end(),
                         [&](const auto& c) { return c.coordinator_key == key; });
  if (it == response.coordinators.end()) return false;
  response.error_code = it->error_code;
  response.error_message = std::move(it->error_message);
  response.node_id = it->node_id;
  response.host = std::move(it->host);
  response.port = it->port;
  return true;
}

}  // namespace

bool connect_coordinator(cluster_client& client, const std::string& group_id,
                         std::chrono::milliseconds wait, std::chrono::milliseconds backoff,
                         coordinator_link& out, std::string& error, call_status* status) {
  call_status ignored;
  call_status& result = status ? *status : ignored;
  result = call_status::fatal;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  bool reconnected = false;
  for (;;) {
    // The bootstrap connection may be replaced by reconnect_metadata(): look it up each time. A
    // connection that failed earlier is closed (kafka_connection.h): open another first.
    if (!client.bootstrap_connection().is_open()) {
      if (auto ec = client.reconnect_metadata()) {
        error = client.describe(-1, ec);
        result = status_of(ec);
        return false;
      }
      reconnected = true;
    }
    auto& boot = client.bootstrap_connection();
    auto version = negotiated_version(boot, kafka::api_key::find_coordinator, 0,
                                      "FindCoordinator", client.bootstrap_address(), error);
    if (version < 0) return false;
    kafka::find_coordinator_request request;
    request.coordinator_key = group_id;     // v0–3
    request.coordinator_keys = {group_id};  // v4+: a batch of one
    request.key_type = kafka::find_coordinator_request::key_type_group;
    kafka::find_coordinator_response response;
    auto call_error = boot.call(request, version, response);
    if (!call_error && !single_coordinator(response, version, group_id)) {
      error = "the broker at " + client.bootstrap_address() +
              " answered FindCoordinator without the coordinator of group '" + group_id + "'";
      return false;
    }
    if (call_error) {
      error = client.describe(-1, call_error);
      result = status_of(call_error);
      if (result != call_status::retriable || reconnected) return false;
      reconnected = true;
      if (auto again = client.reconnect_metadata()) {  // no broker answers
        error = client.describe(-1, again);
        result = status_of(again);
        return false;
      }
      continue;
    }
    if (response.error_code == 0) {
      if (response.port <= 0 || response.port > 65535) {
        error = "the coordinator of group '" + group_id + "' has an invalid port " +
                std::to_string(response.port);
        return false;
      }
      out.address = response.host + ":" + std::to_string(response.port);
      out.node_id = response.node_id;
      out.conn = std::make_unique<kafka_connection>();
      out.conn->set_client_id(boot.client_id());
      out.conn->set_tls(client.tls());
      if (auto ec = out.conn->connect(response.host, static_cast<std::uint16_t>(response.port))) {
        error = "cannot connect to " + out.address + " (coordinator of group '" + group_id +
                "'): " + ec.message();
        out.conn.reset();
        result = status_of(ec);
        return false;
      }
      result = call_status::ok;
      return true;
    }
    const bool transient =
        response.error_code == kafka::wire(kafka::error_code::coordinator_not_available) ||
        response.error_code == kafka::wire(kafka::error_code::coordinator_load_in_progress);
    if (!transient || std::chrono::steady_clock::now() + backoff >= deadline) {
      error = "cannot find the coordinator of group '" + group_id +
              "': " + kafka_error_name(response.error_code) +
              (response.error_message && !response.error_message->empty()
                   ? " (" + *response.error_message + ")"
                   : "");
      result = transient ? call_status::retriable : call_status::fatal;
      return false;
    }
    std::this_thread::sleep_for(backoff);
  }
}

bool fetch_committed_offsets(coordinator_link& coordinator, const std::string& group_id,
                             const std::optional<std::vector<topic_partition>>& partitions,
                             std::map<topic_partition, std::int64_t>& out, std::string& error,
                             bool* coordinator_moved) {
  out.clear();
  if (coordinator_moved) *coordinator_moved = false;
  auto version = negotiated_version(*coordinator.conn, kafka::api_key::offset_fetch,
                                    partitions ? 1 : 2, "OffsetFetch", coordinator.address, error);
  if (version < 0) return false;
  kafka::offset_fetch_request request;
  request.group_id = group_id;
  if (partitions) {
    request.topics.emplace();
    for (const auto& tp : *partitions) {
      auto& topics = *request.topics;
      if (topics.empty() || topics.back().name != tp.topic) topics.push_back({tp.topic, {}});
      topics.back().partition_indexes.push_back(tp.partition);
    }
  }
  // v8 carries groups in a list: this one group is its only element, and its answer the only
  // group of the response (moved to the v0–v7 fields so one code path reads both).
  if (version >= 8) {
    request.groups.push_back({group_id, std::move(request.topics)});
    request.group_id.clear();
    request.topics.reset();
  }
  kafka::offset_fetch_response response;
  if (auto ec = coordinator.conn->call(request, version, response)) {
    error = coordinator.describe(ec);
    coordinator.conn.reset();
    if (coordinator_moved) *coordinator_moved = true;
    return false;
  }
  if (version >= 8) {
    auto g = std::find_if(response.groups.begin(), response.groups.end(),
                          [&](const auto& x) { return x.group_id == group_id; });
    if (g == response.groups.end()) {
      error = "cannot fetch the committed offsets of group '" + group_id + "': " +
              coordinator.address + " did not answer for it";
      return false;
    }
    response.topics = std::move(g->topics);
    response.error_code = g->error_code;
  }
  auto failed = [&](std::int16_t code, const std::string& what) {
    error = "cannot fetch the committed offsets of group '" + group_id + "'" + what + ": " +
            kafka_error_name(code);
    if (coordinator_moved) *coordinator_moved = is_coordinator_error(code);
    return false;
  };
  if (response.error_code != 0) return failed(response.error_code, "");
  for (const auto& t : response.topics)
    for (const auto& p : t.partitions) {
      if (p.error_code != 0)
        return failed(p.error_code, " (" + t.name + "-" + std::to_string(p.partition_index) + ")");
      if (p.committed_offset >= 0) out[{t.name, p.partition_index}] = p.committed_offset;
    }
  return true;
}

bool describe_group(coordinator_link& coordinator, const std::string& group_id,
                    group_description& out, std::string& error) {
  out = {};
  auto version = negotiated_version(*coordinator.conn, kafka::api_key::describe_groups, 0,
                                    "DescribeGroups", coordinator.address, error);
  if (version < 0) return false;
  kafka::describe_groups_request request;
  request.groups = {group_id};
  kafka::describe_groups_response response;
  if (auto ec = coordinator.conn->call(request, version, response)) {
    error = coordinator.describe(ec);
    coordinator.conn.reset();
    return false;
  }
  auto g = std::find_if(response.groups.begin(), response.groups.end(),
                        [&](const auto& d) { return d.group_id == group_id; });
  if (g == response.groups.end()) {
    error = "the coordinator " + coordinator.address + " did not describe group '" + group_id + "'";
    return false;
  }
  out.error_code = g->error_code;
  if (g->error_code == kafka::wire(kafka::error_code::group_id_not_found)) {
    out.state = "Dead";
    return true;
  }
  if (g->error_code != 0) {
    error = "cannot describe group '" + group_id + "': " + kafka_error_name(g->error_code);
    return false;
  }
  out.state = g->group_state;
  out.protocol_type = g->protocol_type;
  out.protocol = g->protocol_data;
  for (const auto& m : g->members) {
    group_member_view view{m.member_id, m.client_id, m.client_host, {}};
    // The views point into the connection's last frame, still alive here.
    kafka::consumer_protocol_assignment assignment;
    wire::wire_reader r(m.member_assignment);
    if (g->protocol_type == kafka::consumer_protocol_type && !m.member_assignment.empty() &&
        assignment.decode(r)) {
      for (const auto& tp : assignment.assigned_partitions)
        for (auto p : tp.partitions) view.partitions.push_back({tp.topic, p});
      std::sort(view.partitions.begin(), view.partitions.end());
    }
    out.members.push_back(std::move(view));
  }
  return true;
}

bool topic_partitions(cluster_client& client, const std::string& topic,
                      std::vector<std::int32_t>& out, std::string& error) {
  out.clear();
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{topic}, false, md)) {
    error = client.describe(-1, ec);
    return false;
  }
  for (const auto& t : md.topics) {
    if (t.name != topic) continue;
    if (t.error_code == kafka::wire(kafka::error_code::unknown_topic_or_partition)) break;
    if (t.error_code != 0) {
      error = "cannot look up topic '" + topic + "': " + kafka_error_name(t.error_code);
      return false;
    }
    for (const auto& p : t.partitions) out.push_back(p.partition_index);
    std::sort(out.begin(), out.end());
    return true;
  }
  error = "topic '" + topic + "' does not exist";
  return false;
}

bool list_offsets(cluster_client& client, const std::vector<topic_partition>& partitions,
                  std::int64_t timestamp, std::map<topic_partition, std::int64_t>& out,
                  std::string& error) {
  out.clear();
  if (partitions.empty()) return true;
  std::vector<std::string> topics;
  for (const auto& tp : partitions)
    if (std::find(topics.begin(), topics.end(), tp.topic) == topics.end())
      topics.push_back(tp.topic);
  kafka::metadata_response md;
  if (auto ec = client.metadata(topics, false, md)) {
    error = client.describe(-1, ec);
    return false;
  }
  std::map<topic_partition, std::int32_t> leaders;
  for (const auto& t : md.topics)
    if (t.error_code == 0)
      for (const auto& p : t.partitions) leaders[{t.name, p.partition_index}] = p.leader_id;
  std::map<std::int32_t, kafka::list_offsets_request> by_leader;
  for (const auto& tp : partitions) {
    auto l = leaders.find(tp);
    if (l == leaders.end()) continue;  // unknown topic or partition: no offsets
    auto& topics_of = by_leader[l->second].topics;
    auto t = std::find_if(topics_of.begin(), topics_of.end(),
                          [&](const auto& x) { return x.name == tp.topic; });
    if (t == topics_of.end()) t = topics_of.insert(topics_of.end(), {tp.topic, {}});
    t->partitions.push_back({tp.partition, timestamp, 1});
  }
  for (auto& [leader, request] : by_leader) {
    kafka_connection* conn = nullptr;
    if (auto ec = client.connection_to(leader, conn)) {
      error = client.describe(leader, ec);
      return false;
    }
    auto version = negotiated_version(*conn, kafka::api_key::list_offsets, 0, "ListOffsets",
                                      "node " + std::to_string(leader), error);
    if (version < 0) return false;
    kafka::list_offsets_response response;
    if (auto ec = conn->call(request, version, response)) {
      error = client.describe(leader, ec);
      return false;
    }
    for (const auto& t : response.topics)
      for (const auto& p : t.partitions) {
        if (p.error_code == kafka::wire(kafka::error_code::unknown_topic_or_partition)) continue;
        if (p.error_code != 0) {
          error = "cannot list offsets of " + t.name + "-" + std::to_string(p.partition_index) +
                  ": " + kafka_error_name(p.error_code);
          return false;
        }
        std::int64_t offset = p.offset;
        if (!p.old_style_offsets.empty()) offset = p.old_style_offsets.front();  // ListOffsets v0
        if (offset >= 0) out[{t.name, p.partition_index}] = offset;
      }
  }
  return true;
}

}  // namespace tern::client
