#include "cluster/controller_rpc.h"

#include "tern/common/wire.h"

namespace tern::cluster::rpc {
namespace {

using wire::wire_reader;
using wire::wire_writer;

wire_writer begin(kind k, std::uint64_t correlation_id) {
  wire_writer w;
  w.i8(static_cast<std::int8_t>(k));
  w.i64(static_cast<std::int64_t>(correlation_id));
  return w;
}

// Reads a count bounded by `max`; a larger or negative one fails the reader.
std::size_t read_count(wire_reader& r, std::size_t max) {
  auto n = r.array_length();
  if (n < 0 || static_cast<std::size_t>(n) > max) {
    r.fail();
    return 0;
  }
  return static_cast<std::size_t>(n);
}

void write_ids(wire_writer& w, const std::vector<std::int32_t>& ids) {
  w.array_length(static_cast<std::int32_t>(ids.size()));
  for (auto id : ids) w.i32(id);
}
void read_ids(wire_reader& r, std::vector<std::int32_t>& out) {
  auto n = read_count(r, replicas_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.push_back(r.i32());
}

void write_configs(wire_writer& w, const std::map<std::string, std::string>& configs) {
  w.array_length(static_cast<std::int32_t>(configs.size()));
  for (const auto& [k, v] : configs) {
    w.string(k);
    w.string(v);
  }
}
void read_configs(wire_reader& r, std::map<std::string, std::string>& out) {
  auto n = read_count(r, configs_per_topic_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto k = r.string();
    out[k] = r.string();
  }
}

void write_results(wire_writer& w, const std::vector<topic_result>& results) {
  w.array_length(static_cast<std::int32_t>(results.size()));
  for (const auto& t : results) {
    w.string(t.name);
    w.i16(t.error);
    w.string(t.message);
  }
}
void read_results(wire_reader& r, std::vector<topic_result>& out) {
  auto n = read_count(r, topics_per_request_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto& t = out.emplace_back();
    t.name = r.string();
    t.error = r.i16();
    t.message = r.string();
  }
}

// The trailing topic ids of a create_topics_response, one per result (see the header).
void write_topic_ids(wire_writer& w, const std::vector<topic_result>& results) {
  w.array_length(static_cast<std::int32_t>(results.size()));
  for (const auto& t : results) w.uuid(t.topic_id);
}
void read_topic_ids(wire_reader& r, std::vector<topic_result>& results) {
  auto n = read_count(r, topics_per_request_max);
  if (n != results.size()) return r.fail();
  for (auto& t : results) t.topic_id = r.uuid();
}

void read_heartbeat_request(wire_reader& r, heartbeat_request& m) {
  m.node_id = r.i32();
  m.incarnation_id = r.uuid();
  m.data_dir_id = r.uuid();
  m.role_broker = r.boolean();
  m.want_shutdown = r.boolean();
  auto n = read_count(r, endpoints_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto& e = m.endpoints.emplace_back();
    e.listener = r.string();
    e.host = r.string();
    auto port = r.i32();
    if (port < 0 || port > 65535) r.fail();
    e.port = static_cast<std::uint16_t>(port);
  }
}

void read_create_request(wire_reader& r, create_topics_request& m) {
  m.validate_only = r.boolean();
  auto n = read_count(r, topics_per_request_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto& t = m.topics.emplace_back();
    t.name = r.string();
    t.partitions = r.i32();
    t.replication_factor = r.i16();
    read_configs(r, t.configs);
    auto a = read_count(r, 10000);
    for (std::size_t j = 0; j < a && r.ok(); ++j) read_ids(r, t.assignments.emplace_back());
  }
}

}  // namespace

std::vector<std::uint8_t> encode(std::uint64_t id, const heartbeat_request& m) {
  auto w = begin(kind::heartbeat_request, id);
  w.i32(m.node_id);
  w.uuid(m.incarnation_id);
  w.uuid(m.data_dir_id);
  w.boolean(m.role_broker);
  w.boolean(m.want_shutdown);
  w.array_length(static_cast<std::int32_t>(m.endpoints.size()));
  for (const auto& e : m.endpoints) {
    w.string(e.listener);
    w.string(e.host);
    w.i32(e.port);
  }
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const heartbeat_response& m) {
  auto w = begin(kind::heartbeat_response, id);
  w.i16(m.error);
  w.i64(m.broker_epoch);
  w.boolean(m.fenced);
  w.boolean(m.shutdown_ready);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const create_topics_request& m) {
  auto w = begin(kind::create_topics_request, id);
  w.boolean(m.validate_only);
  w.array_length(static_cast<std::int32_t>(m.topics.size()));
  for (const auto& t : m.topics) {
    w.string(t.name);
    w.i32(t.partitions);
    w.i16(t.replication_factor);
    write_configs(w, t.configs);
    w.array_length(static_cast<std::int32_t>(t.assignments.size()));
    for (const auto& a : t.assignments) write_ids(w, a);
  }
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const create_topics_response& m) {
  auto w = begin(kind::create_topics_response, id);
  write_results(w, m.results);
  write_topic_ids(w, m.results);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const delete_topics_request& m) {
  auto w = begin(kind::delete_topics_request, id);
  w.array_length(static_cast<std::int32_t>(m.names.size()));
  for (const auto& n : m.names) w.string(n);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const delete_topics_response& m) {
  auto w = begin(kind::delete_topics_response, id);
  write_results(w, m.results);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const alter_configs_request& m) {
  auto w = begin(kind::alter_configs_request, id);
  w.string(m.name);
  write_configs(w, m.configs);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const alter_configs_response& m) {
  auto w = begin(kind::alter_configs_response, id);
  w.i16(m.error);
  w.string(m.message);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const alter_partition_request& m) {
  auto w = begin(kind::alter_partition_request, id);
  w.i32(m.leader_id);
  w.i64(m.broker_epoch);
  w.uuid(m.topic_id);
  w.i32(m.partition);
  w.i32(m.leader_epoch);
  w.i32(m.partition_epoch);
  write_ids(w, m.new_isr);
  return w.contiguous();
}

std::vector<std::uint8_t> encode(std::uint64_t id, const alter_partition_response& m) {
  auto w = begin(kind::alter_partition_response, id);
  w.i16(m.error);
  return w.contiguous();
}

bool decode(std::span<const std::uint8_t> bytes, envelope& out) {
  wire_reader r(bytes);
  auto k = static_cast<std::uint8_t>(r.i8());
  out.correlation_id = static_cast<std::uint64_t>(r.i64());
  if (!r.ok() || k < static_cast<std::uint8_t>(kind::heartbeat_request) ||
      k > static_cast<std::uint8_t>(kind::alter_partition_response))
    return false;
  out.type = static_cast<kind>(k);
  switch (out.type) {
    case kind::heartbeat_request: read_heartbeat_request(r, out.heartbeat_req); break;
    case kind::heartbeat_response:
      out.heartbeat_resp.error = r.i16();
      out.heartbeat_resp.broker_epoch = r.i64();
      out.heartbeat_resp.fenced = r.boolean();
      out.heartbeat_resp.shutdown_ready = r.boolean();
      break;
    case kind::create_topics_request: read_create_request(r, out.create_req); break;
    case kind::create_topics_response:
      read_results(r, out.create_resp.results);
      read_topic_ids(r, out.create_resp.results);
      break;
    case kind::delete_topics_request: {
      auto n = read_count(r, topics_per_request_max);
      for (std::size_t i = 0; i < n && r.ok(); ++i) out.delete_req.names.push_back(r.string());
      break;
    }
    case kind::delete_topics_response: read_results(r, out.delete_resp.results); break;
    case kind::alter_configs_request:
      out.alter_configs_req.name = r.string();
      read_configs(r, out.alter_configs_req.configs);
      break;
    case kind::alter_configs_response:
      out.alter_configs_resp.error = r.i16();
      out.alter_configs_resp.message = r.string();
      break;
    case kind::alter_partition_request: {
      auto& m = out.alter_partition_req;
      m.leader_id = r.i32();
      m.broker_epoch = r.i64();
      m.topic_id = r.uuid();
      m.partition = r.i32();
      m.leader_epoch = r.i32();
      m.partition_epoch = r.i32();
      read_ids(r, m.new_isr);
      break;
    }
    case kind::alter_partition_response: out.alter_partition_resp.error = r.i16(); break;
  }
  return r.ok() && r.remaining() == 0;
}

}  // namespace tern::cluster::rpc
