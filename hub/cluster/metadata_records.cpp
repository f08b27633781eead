#include "cluster/metadata_records.h"

#include <algorithm>
#include <type_traits>

#include "cluster/errors.h"

namespace tern::cluster {
namespace codec {

void bounded_writer::string(std::string_view s, std::size_t size_max) {
  if (s.size() > size_max || s.size() > string_size_max) return fail();
  _w.string(s);
}

void bounded_writer::count(std::size_t n, std::size_t count_max) {
  if (n > count_max) return fail();
  _w.i32(static_cast<std::int32_t>(n));
}

void bounded_writer::nodes(const std::vector<node_id>& nodes) {
  count(nodes.size(), replicas_max);
  if (!ok()) return;
  for (node_id n : nodes) _w.i32(n);
}

void bounded_writer::configs(const config_map& configs) {
  count(configs.size(), configs_max);
  if (!ok()) return;
  for (const auto& [k, v] : configs) {
    string(k, string_size_max);
    string(v, string_size_max);
  }
}

void bounded_writer::endpoints(const std::vector<endpoint>& endpoints) {
  count(endpoints.size(), endpoints_max);
  if (!ok()) return;
  for (const auto& e : endpoints) {
    string(e.listener, string_size_max);
    string(e.host, host_size_max);
    _w.i32(e.port);
  }
}

void bounded_writer::assignment(const partition_assignment& a) {
  nodes(a.replicas);
  nodes(a.isr);
  _w.i32(a.leader);
}

std::string read_string(wire::wire_reader& r, std::size_t size_max) {
  auto s = r.nullable_string();
  if (!s || s->size() > size_max) {
    r.fail();
    return {};
  }
  return std::move(*s);
}

std::size_t read_count(wire::wire_reader& r, std::size_t count_max) {
  std::int32_t n = r.i32();
  // Each element takes at least one byte: a count beyond what is left is a lie.
  if (n < 0 || static_cast<std::size_t>(n) > count_max ||
      static_cast<std::size_t>(n) > r.remaining()) {
    r.fail();
    return 0;
  }
  return static_cast<std::size_t>(n);
}

bool read_flag(wire::wire_reader& r) {
  std::int8_t b = r.i8();
  if (b != 0 && b != 1) r.fail();
  return b == 1;
}

std::vector<node_id> read_nodes(wire::wire_reader& r) {
  std::size_t n = read_count(r, replicas_max);
  std::vector<node_id> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.push_back(r.i32());
  return out;
}

config_map read_configs(wire::wire_reader& r) {
  std::size_t n = read_count(r, configs_max);
  config_map out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    std::string k = read_string(r, string_size_max);
    std::string v = read_string(r, string_size_max);
    // Keys are written in map order: a duplicate or unordered key is not our encoding.
    if (!out.empty() && !(out.rbegin()->first < k)) r.fail();
    if (r.ok()) out.emplace_hint(out.end(), std::move(k), std::move(v));
  }
  return out;
}

std::vector<endpoint> read_endpoints(wire::wire_reader& r) {
  std::size_t n = read_count(r, endpoints_max);
  std::vector<endpoint> out;
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    endpoint e;
    e.listener = read_string(r, string_size_max);
    e.host = read_string(r, host_size_max);
    std::int32_t port = r.i32();
    if (port < 0 || port > 65535) r.fail();
    e.port = static_cast<std::uint16_t>(port);
    out.push_back(std::move(e));
  }
  return out;
}

partition_assignment read_assignment(wire::wire_reader& r) {
  partition_assignment a;
  a.replicas = read_nodes(r);
  a.isr = read_nodes(r);
  a.leader = r.i32();
  return a;
}

}  // namespace codec

namespace {

using codec::bounded_writer;

template <typename T>
struct record_traits;
#define TERN_RECORD_TYPE(T, code) \
  template <>                     \
  struct record_traits<T> {       \
    static constexpr record_type type = record_type::code; \
  };
TERN_RECORD_TYPE(register_broker_record, register_broker)
TERN_RECORD_TYPE(fence_broker_record, fence_broker)
TERN_RECORD_TYPE(unfence_broker_record, unfence_broker)
TERN_RECORD_TYPE(begin_controlled_shutdown_record, begin_controlled_shutdown)
TERN_RECORD_TYPE(set_cluster_id_record, set_cluster_id)
TERN_RECORD_TYPE(create_topic_record, create_topic)
TERN_RECORD_TYPE(delete_topic_record, delete_topic)
TERN_RECORD_TYPE(alter_topic_configs_record, alter_topic_configs)
TERN_RECORD_TYPE(partition_change_record, partition_change)
TERN_RECORD_TYPE(forward_link_state_record, forward_link_state)
TERN_RECORD_TYPE(group_offsets_record, group_offsets)
#undef TERN_RECORD_TYPE

void write_body(bounded_writer& w, const register_broker_record& r) {
  w.raw().i32(r.node);
  w.raw().uuid(r.incarnation_id);
  w.raw().uuid(r.dir_id);
  w.raw().i8(static_cast<std::int8_t>(r.roles));
  w.endpoints(r.endpoints);
}
void write_epoch_body(bounded_writer& w, node_id node, std::int64_t epoch) {
  w.raw().i32(node);
  w.raw().i64(epoch);
}
void write_body(bounded_writer& w, const fence_broker_record& r) {
  write_epoch_body(w, r.node, r.broker_epoch);
}
void write_body(bounded_writer& w, const unfence_broker_record& r) {
  write_epoch_body(w, r.node, r.broker_epoch);
}
void write_body(bounded_writer& w, const begin_controlled_shutdown_record& r) {
  write_epoch_body(w, r.node, r.broker_epoch);
}
void write_body(bounded_writer& w, const set_cluster_id_record& r) {
  w.string(r.cluster_id, cluster_id_size_max);
}
void write_body(bounded_writer& w, const create_topic_record& r) {
  w.string(r.name, topic_name_size_max);
  w.raw().uuid(r.topic_id);
  w.configs(r.configs);
  w.count(r.partitions.size(), partitions_max);
  if (!w.ok()) return;
  for (const auto& p : r.partitions) w.assignment(p);
}
void write_body(bounded_writer& w, const delete_topic_record& r) { w.raw().uuid(r.topic_id); }
void write_body(bounded_writer& w, const alter_topic_configs_record& r) {
  w.raw().uuid(r.topic_id);
  w.configs(r.configs);
}
void write_optional_nodes(bounded_writer& w, const std::optional<std::vector<node_id>>& nodes) {
  w.raw().boolean(nodes.has_value());
  if (nodes) w.nodes(*nodes);
}
void write_body(bounded_writer& w, const partition_change_record& r) {
  w.raw().uuid(r.topic_id);
  w.raw().i32(r.partition);
  w.raw().i32(r.partition_epoch);
  w.raw().boolean(r.leader.has_value());
  if (r.leader) w.raw().i32(*r.leader);
  write_optional_nodes(w, r.isr);
  write_optional_nodes(w, r.replicas);
}

void write_body(bounded_writer& w, const forward_link_state_record& r) {
  w.string(r.link, link_name_size_max);
  w.raw().i64(r.based_on);
  if (r.link.empty() || r.based_on < 0 || r.state.size() > link_state_size_max) return w.fail();
  w.raw().bytes(r.state);
}

forward_link_state_record read_forward_link_state(wire::wire_reader& r) {
  forward_link_state_record out;
  out.link = codec::read_string(r, link_name_size_max);
  out.based_on = r.i64();
  auto state = r.nullable_bytes();  // never written null: one value, one encoding
  if (!state || out.link.empty() || out.based_on < 0 || state->size() > link_state_size_max) r.fail();
  if (r.ok()) out.state.assign(state->begin(), state->end());
  return out;
}

void write_body(bounded_writer& w, const group_offsets_record& r) {
  w.string(r.group_id, string_size_max);
  w.raw().boolean(r.clear_group);
  w.count(r.offsets.size(), group_offsets_per_record_max);
  if (!w.ok()) return;
  for (const auto& o : r.offsets) {
    w.string(o.topic, topic_name_size_max);
    w.raw().i32(o.partition);
    w.raw().i64(o.offset);
    w.raw().i32(o.leader_epoch);
    w.raw().boolean(o.metadata.has_value());
    if (o.metadata) w.string(*o.metadata, string_size_max);
    w.raw().i64(o.commit_time_ms);
    w.raw().boolean(o.deleted);
  }
}

group_offsets_record read_group_offsets(wire::wire_reader& r) {
  group_offsets_record out;
  out.group_id = codec::read_string(r, string_size_max);
  out.clear_group = codec::read_flag(r);
  std::size_t n = codec::read_count(r, group_offsets_per_record_max);
  out.offsets.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    group_offset o;
    o.topic = codec::read_string(r, topic_name_size_max);
    o.partition = r.i32();
    o.offset = r.i64();
    o.leader_epoch = r.i32();
    if (codec::read_flag(r)) o.metadata = codec::read_string(r, string_size_max);
    o.commit_time_ms = r.i64();
    o.deleted = codec::read_flag(r);
    out.offsets.push_back(std::move(o));
  }
  return out;
}

register_broker_record read_register(wire::wire_reader& r) {
  register_broker_record out;
  out.node = r.i32();
  out.incarnation_id = r.uuid();
  out.dir_id = r.uuid();
  out.roles = static_cast<std::uint8_t>(r.i8());
  out.endpoints = codec::read_endpoints(r);
  return out;
}

template <typename T>
T read_epoch_record(wire::wire_reader& r) {
  T out;
  out.node = r.i32();
  out.broker_epoch = r.i64();
  return out;
}

create_topic_record read_create_topic(wire::wire_reader& r) {
  create_topic_record out;
  out.name = codec::read_string(r, topic_name_size_max);
  out.topic_id = r.uuid();
  out.configs = codec::read_configs(r);
  std::size_t n = codec::read_count(r, partitions_max);
  out.partitions.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) out.partitions.push_back(codec::read_assignment(r));
  return out;
}

std::optional<std::vector<node_id>> read_optional_nodes(wire::wire_reader& r) {
  if (!codec::read_flag(r)) return std::nullopt;
  return codec::read_nodes(r);
}

partition_change_record read_partition_change(wire::wire_reader& r) {
  partition_change_record out;
  out.topic_id = r.uuid();
  out.partition = r.i32();
  out.partition_epoch = r.i32();
  if (codec::read_flag(r)) out.leader = r.i32();
  out.isr = read_optional_nodes(r);
  out.replicas = read_optional_nodes(r);
  return out;
}

std::optional<metadata_record> read_body(record_type type, wire::wire_reader& r) {
  switch (type) {
    case record_type::register_broker: return read_register(r);
    case record_type::fence_broker: return read_epoch_record<fence_broker_record>(r);
    case record_type::unfence_broker: return read_epoch_record<unfence_broker_record>(r);
    case record_type::begin_controlled_shutdown:
      return read_epoch_record<begin_controlled_shutdown_record>(r);
    case record_type::set_cluster_id:
      return set_cluster_id_record{codec::read_string(r, cluster_id_size_max)};
    case record_type::create_topic: return read_create_topic(r);
    case record_type::delete_topic: return delete_topic_record{r.uuid()};
    case record_type::alter_topic_configs: {
      alter_topic_configs_record out;
      out.topic_id = r.uuid();
      out.configs = codec::read_configs(r);
      return out;
    }
    case record_type::partition_change: return read_partition_change(r);
    case record_type::forward_link_state: return read_forward_link_state(r);
    case record_type::group_offsets: return read_group_offsets(r);
  }
  return std::nullopt;  // an unknown type: a newer Tern's record
}

}  // namespace

std::error_code encode_entry(std::span<const metadata_record> records,
                             std::vector<std::uint8_t>& out) {
  out.clear();
  if (records.empty() || records.size() > records_per_entry_max) {
    return cluster_errc::entry_too_large;
  }
  bounded_writer w;
  w.raw().i8(static_cast<std::int8_t>(entry_format_version));
  w.raw().i16(static_cast<std::int16_t>(static_cast<std::uint16_t>(records.size())));
  for (const auto& rec : records) {
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          w.raw().i8(static_cast<std::int8_t>(record_traits<T>::type));
          w.raw().i8(static_cast<std::int8_t>(record_version));
          std::size_t size_at = w.raw().reserve_i32();
          std::size_t body_start = w.raw().owned_size();
          write_body(w, body);
          w.raw().patch_u32(size_at,
                            static_cast<std::uint32_t>(w.raw().owned_size() - body_start));
        },
        rec);
    if (!w.ok() || w.raw().owned_size() > entry_size_bytes_max) {
      return cluster_errc::entry_too_large;
    }
  }
  out = std::move(w.raw().owned_mutable());
  return {};
}

std::error_code decode_entry(std::span<const std::uint8_t> entry,
                             std::vector<metadata_record>& out) {
  out.clear();
  if (entry.size() > entry_size_bytes_max) return cluster_errc::malformed_entry;
  wire::wire_reader r(entry);
  std::uint8_t format = static_cast<std::uint8_t>(r.i8());
  std::size_t count = static_cast<std::uint16_t>(r.i16());
  if (!r.ok() || format != entry_format_version || count == 0) {
    return cluster_errc::malformed_entry;
  }
  out.reserve(std::min(count, r.remaining()));
  for (std::size_t i = 0; i < count; ++i) {
    auto type = static_cast<record_type>(static_cast<std::uint8_t>(r.i8()));
    std::uint8_t version = static_cast<std::uint8_t>(r.i8());
    std::uint32_t size = r.u32();
    if (!r.ok() || version != record_version || size > r.remaining()) break;
    wire::wire_reader body(r.raw(size));
    auto rec = read_body(type, body);
    if (!rec || !body.ok() || body.remaining() != 0) {
      r.fail();
      break;
    }
    out.push_back(std::move(*rec));
  }
  if (!r.ok() || out.size() != count || r.remaining() != 0) {
    out.clear();
    return cluster_errc::malformed_entry;
  }
  return {};
}

}  // namespace tern::cluster
