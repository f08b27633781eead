#include "cluster/metadata_image.h"

#include <algorithm>
#include "tern/common/check.h"
#include <climits>
#include <cstdint>
#include <iterator>
#include <set>

#include "app/log.h"
#include "cluster/errors.h"

namespace tern::cluster {
namespace {

// 1: brokers and topics; 2: + forwarding links; 3: + consumer groups' committed offsets. Older
// formats still restore (with no links, no group offsets).
constexpr std::uint8_t snapshot_format_version = 3;
constexpr std::uint8_t snapshot_format_with_links = 2;
constexpr std::size_t forward_links_max = 1024;

template <typename T>
bool has_duplicates(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) != v.end();
}

bool contains(const std::vector<node_id>& v, node_id n) {
  return std::find(v.begin(), v.end(), n) != v.end();
}

bool valid_topic_name(const std::string& name) {
  return !name.empty() && name.size() <= topic_name_size_max;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

const char* record_name(const metadata_record& rec) {
  static constexpr const char* names[] = {
      "register_broker", "fence_broker", "unfence_broker", "begin_controlled_shutdown",
      "set_cluster_id", "create_topic", "delete_topic", "alter_topic_configs",
      "partition_change", "forward_link_state", "group_offsets"};
  static_assert(std::size(names) == std::variant_size_v<metadata_record>);
  return names[rec.index()];
}

}  // namespace

bool image_delta::empty() const {
  return !reset && !cluster_id_set && brokers.empty() && topics_created.empty() &&
         topics_deleted.empty() && topic_configs_changed.empty() && partitions_changed.empty() &&
         forward_links_changed.empty() && groups_changed.empty();
}

const broker_state* metadata_image::broker(node_id id) const {
  auto it = _brokers.find(id);
  return it == _brokers.end() ? nullptr : &it->second;
}

const topic_state* metadata_image::topic(std::string_view name) const {
  auto it = _topics.find(std::string(name));
  return it == _topics.end() ? nullptr : &it->second;
}

const topic_state* metadata_image::topic(const uuid16& id) const {
  auto it = _topic_names.find(id);
  return it == _topic_names.end() ? nullptr : topic(it->second);
}

topic_state* metadata_image::mutable_topic(const uuid16& id) {
  return const_cast<topic_state*>(std::as_const(*this).topic(id));
}

const partition_state* metadata_image::partition(const uuid16& topic_id,
                                                 std::int32_t partition) const {
  const topic_state* t = topic(topic_id);
  if (!t || partition < 0 || static_cast<std::size_t>(partition) >= t->partitions.size()) {
    return nullptr;
  }
  return &t->partitions[static_cast<std::size_t>(partition)];
}

const forward_link_checkpoint* metadata_image::forward_link(std::string_view link) const {
  auto it = _forward_links.find(std::string(link));
  return it == _forward_links.end() ? nullptr : &it->second;
}

const group_offset_map* metadata_image::group_offsets(std::string_view group_id) const {
  auto it = _group_offsets.find(group_id);
  return it == _group_offsets.end() ? nullptr : &it->second;
}

bool metadata_image::is_live(node_id id) const {
  const broker_state* b = broker(id);
  return b && !b->fenced && !b->in_controlled_shutdown;
}

std::vector<node_id> metadata_image::offline_replicas(const partition_state& p) const {
  std::vector<node_id> out;
  for (node_id r : p.replicas) {
    const broker_state* b = broker(r);
    if (!b || b->fenced) out.push_back(r);
  }
  return out;
}

bool metadata_image::valid_partition(const partition_state& p) const {
  if (p.replicas.empty() || p.replicas.size() > replicas_max || has_duplicates(p.replicas)) {
    return false;
  }
  for (node_id r : p.replicas) {
    if (!broker(r)) return false;
  }
  if (p.isr.size() > p.replicas.size() || has_duplicates(p.isr)) return false;
  for (node_id r : p.isr) {
    if (!contains(p.replicas, r)) return false;
  }
  if (p.leader != no_leader && !contains(p.isr, p.leader)) return false;
  return p.leader_epoch >= 0 && p.partition_epoch >= 0;
}

void metadata_image::apply(std::span<const std::uint8_t> entry, std::uint64_t index) {
  // The quorum hands entries in log order; anything else is a bug in the caller.
  TERN_ASSERT(index > _last_applied_index);
  std::vector<metadata_record> records;
  if (auto ec = decode_entry(entry, records)) {
    ++_skipped_records;
    log::warn("metadata: skipped entry ", index, " (", entry.size(),
              " bytes): it does not decode");
    _last_applied_index = index;
    return;
  }
  image_delta delta;
  for (const auto& rec : records) {
    if (!apply_record(rec, index, delta)) {
      ++_skipped_records;
      log::warn("metadata: skipped an inconsistent ", record_name(rec), " record in entry ",
                index);
    }
  }
  _last_applied_index = index;
  delta.index = index;
  publish(delta);
}

bool metadata_image::apply_record(const metadata_record& rec, std::uint64_t index,
                                  image_delta& delta) {
  return std::visit([&](const auto& r) { return apply_one(r, index, delta); }, rec);
}

void metadata_image::publish(image_delta& delta) {
  if (delta.empty()) return;
  ++_version;
  delta.version = _version;
  sort_unique(delta.brokers);
  sort_unique(delta.topic_configs_changed);
  sort_unique(delta.partitions_changed);
  sort_unique(delta.forward_links_changed);
  sort_unique(delta.groups_changed);
  if (_on_change) _on_change(delta);
}

bool metadata_image::apply_one(const register_broker_record& r, std::uint64_t index,
                               image_delta& d) {
  if (r.node < 0) return false;
  auto it = _brokers.find(r.node);
  if (it == _brokers.end()) {
    if (_brokers.size() >= brokers_max) return false;
    it = _brokers.emplace(r.node, broker_state{}).first;
  }
  broker_state& b = it->second;
  b.id = r.node;
  b.incarnation_id = r.incarnation_id;
  b.broker_epoch = static_cast<std::int64_t>(index);
  b.endpoints = r.endpoints;
  b.dir_id = r.dir_id;
  b.roles = r.roles;
  // A new registration starts fenced: the broker must catch up before it may lead.
  b.fenced = true;
  b.in_controlled_shutdown = false;
  d.brokers.push_back(r.node);
  return true;
}

bool metadata_image::apply_one(const fence_broker_record& r, std::uint64_t, image_delta& d) {
  auto it = _brokers.find(r.node);
  if (it == _brokers.end() || it->second.broker_epoch != r.broker_epoch) return false;
  if (it->second.fenced) return true;
  it->second.fenced = true;
  d.brokers.push_back(r.node);
  return true;
}

bool metadata_image::apply_one(const unfence_broker_record& r, std::uint64_t, image_delta& d) {
  auto it = _brokers.find(r.node);
  if (it == _brokers.end() || it->second.broker_epoch != r.broker_epoch) return false;
  // A broker that began a controlled shutdown comes back only by registering again.
  if (it->second.in_controlled_shutdown) return false;
  if (!it->second.fenced) return true;
  it->second.fenced = false;
  d.brokers.push_back(r.node);
  return true;
}

bool metadata_image::apply_one(const begin_controlled_shutdown_record& r, std::uint64_t,
                               image_delta& d) {
  auto it = _brokers.find(r.node);
  if (it == _brokers.end() || it->second.broker_epoch != r.broker_epoch) return false;
  if (it->second.in_controlled_shutdown) return true;
  it->second.in_controlled_shutdown = true;
  d.brokers.push_back(r.node);
  return true;
}

bool metadata_image::apply_one(const set_cluster_id_record& r, std::uint64_t, image_delta& d) {
  if (r.cluster_id.empty()) return false;
  if (_cluster_id) return true;  // the first one wins; later ones are ignored by design
  _cluster_id = r.cluster_id;
  d.cluster_id_set = true;
  return true;
}

bool metadata_image::apply_one(const create_topic_record& r, std::uint64_t, image_delta& d) {
  if (!valid_topic_name(r.name) || _topics.count(r.name) || _topic_names.count(r.topic_id) ||
      r.topic_id == uuid16{} || _topics.size() >= topics_max || r.partitions.empty() ||
      r.partitions.size() > partitions_max) {
    return false;
  }
  topic_state t;
  t.name = r.name;
  t.id = r.topic_id;
  t.configs = r.configs;
  t.partitions.reserve(r.partitions.size());
  for (const auto& a : r.partitions) {
    partition_state p;
    p.replicas = a.replicas;
    p.isr = a.isr;
    p.leader = a.leader;
    if (!valid_partition(p)) return false;
    t.partitions.push_back(std::move(p));
  }
  _topic_names.emplace(r.topic_id, r.name);
  _topics.emplace(r.name, std::move(t));
  d.topics_created.push_back(r.topic_id);
  return true;
}

bool metadata_image::apply_one(const delete_topic_record& r, std::uint64_t, image_delta& d) {
  auto it = _topic_names.find(r.topic_id);
  if (it == _topic_names.end()) return false;
  d.topics_deleted.emplace_back(r.topic_id, it->second);
  // A deleted topic's committed offsets go with it (a new topic of that name starts afresh).
  for (auto g = _group_offsets.begin(); g != _group_offsets.end();) {
    auto& offsets = g->second;
    auto from = offsets.lower_bound({it->second, INT32_MIN});
    auto to = offsets.upper_bound({it->second, INT32_MAX});
    if (from != to) d.groups_changed.push_back(g->first);
    offsets.erase(from, to);
    g = offsets.empty() ? _group_offsets.erase(g) : std::next(g);
  }
  _topics.erase(it->second);
  _topic_names.erase(it);
  return true;
}

bool metadata_image::apply_one(const alter_topic_configs_record& r, std::uint64_t,
                               image_delta& d) {
  topic_state* t = mutable_topic(r.topic_id);
  if (!t) return false;
  if (t->configs == r.configs) return true;
  t->configs = r.configs;
  d.topic_configs_changed.push_back(r.topic_id);
  return true;
}

bool metadata_image::apply_one(const partition_change_record& r, std::uint64_t,
                               image_delta& d) {
  topic_state* t = mutable_topic(r.topic_id);
  if (!t || r.partition < 0 || static_cast<std::size_t>(r.partition) >= t->partitions.size()) {
    return false;
  }
  partition_state& cur = t->partitions[static_cast<std::size_t>(r.partition)];
  // Decided against another state of the partition: a concurrent decision won.
  if (cur.partition_epoch != r.partition_epoch) return false;
  partition_state next = cur;
  if (r.replicas) next.replicas = *r.replicas;
  if (r.isr) next.isr = *r.isr;
  if (r.leader) next.leader = *r.leader;
  if (!valid_partition(next)) return false;
  if (next.leader != cur.leader && next.leader != no_leader) {
    const broker_state* b = broker(next.leader);
    if (!b || b->fenced) return false;  // a fenced broker must not lead
  }
  if (next == cur) return true;
  if (cur.leader_epoch == INT32_MAX || cur.partition_epoch == INT32_MAX) return false;
  if (next.leader != cur.leader) ++next.leader_epoch;
  ++next.partition_epoch;
  cur = std::move(next);
  d.partitions_changed.push_back(partition_key{r.topic_id, r.partition});
  return true;
}

bool metadata_image::apply_one(const forward_link_state_record& r, std::uint64_t,
                               image_delta& d) {
  auto it = _forward_links.find(r.link);
  std::int64_t updates = it == _forward_links.end() ? 0 : it->second.updates;
  // Decided against another state of the link: a newer runner's update won.
  if (r.based_on != updates || updates == INT64_MAX) return false;
  if (it == _forward_links.end()) {
    if (r.state.empty()) return true;  // dropping a link never stored
    if (_forward_links.size() >= forward_links_max) return false;
    it = _forward_links.emplace(r.link, forward_link_checkpoint{}).first;
  }
  it->second.updates = updates + 1;
  it->second.state = r.state;
  d.forward_links_changed.push_back(r.link);
  return true;
}

bool metadata_image::apply_one(const group_offsets_record& r, std::uint64_t, image_delta& d) {
  if (r.offsets.size() > offsets_per_group_max) return false;
  auto it = _group_offsets.find(r.group_id);
  if (it == _group_offsets.end()) {
    if (_group_offsets.size() >= groups_max) return false;
    it = _group_offsets.emplace(r.group_id, group_offset_map{}).first;
  }
  group_offset_map next = r.clear_group ? group_offset_map{} : it->second;
  for (const auto& o : r.offsets) {
    std::pair<std::string, std::int32_t> key{o.topic, o.partition};
    if (o.deleted) {
      next.erase(key);
      continue;
    }
    const topic_state* t = topic(o.topic);
    if (!t || o.partition < 0 || static_cast<std::size_t>(o.partition) >= t->partitions.size())
      continue;  // its topic went (or shrank) after the commit was decided
    next[key] = committed_group_offset{o.offset, o.leader_epoch, o.metadata, o.commit_time_ms};
  }
  if (next.size() > offsets_per_group_max) {
    if (it->second.empty()) _group_offsets.erase(it);
    return false;
  }
  if (next != it->second) d.groups_changed.push_back(r.group_id);
  if (next.empty())
    _group_offsets.erase(it);
  else
    it->second = std::move(next);
  return true;
}

// Snapshot layout (big-endian; strings and counts as in metadata_records.h):
//   u8 format (3), u64 last_applied_index, u8 has_cluster_id [string cluster_id],
//   i32 broker count, per broker (ascending id): i32 id, uuid incarnation, i64 epoch, endpoints,
//     uuid dir_id, u8 fenced, u8 in_controlled_shutdown, u8 roles
//   i32 topic count, per topic (ascending name): string name, uuid id, configs,
//     i32 partition count, per partition: replicas, isr, i32 leader, i32 leader_epoch,
//     i32 partition_epoch
//   (format 2+) i32 link count, per forwarding link (ascending name): string name, i64 updates,
//     bytes state
//   (format 3) i32 group count, per group (ascending id): string group_id, i32 offset count, per
//     offset (ascending topic, partition): string topic, i32 partition, i64 offset,
//     i32 leader_epoch, u8 has_metadata [string metadata], i64 commit_time_ms
std::vector<std::uint8_t> metadata_image::snapshot() const {
  codec::bounded_writer w;
  auto& raw = w.raw();
  raw.i8(static_cast<std::int8_t>(snapshot_format_version));
  raw.i64(static_cast<std::int64_t>(_last_applied_index));
  raw.boolean(_cluster_id.has_value());
  if (_cluster_id) w.string(*_cluster_id, cluster_id_size_max);
  w.count(_brokers.size(), brokers_max);
  for (const auto& [id, b] : _brokers) {
    raw.i32(id);
    raw.uuid(b.incarnation_id);
    raw.i64(b.broker_epoch);
    w.endpoints(b.endpoints);
    raw.uuid(b.dir_id);
    raw.boolean(b.fenced);
    raw.boolean(b.in_controlled_shutdown);
    raw.i8(static_cast<std::int8_t>(b.roles));
  }
  w.count(_topics.size(), topics_max);
  for (const auto& [name, t] : _topics) {
    w.string(name, topic_name_size_max);
    raw.uuid(t.id);
    w.configs(t.configs);
    w.count(t.partitions.size(), partitions_max);
    for (const auto& p : t.partitions) {
      w.assignment(partition_assignment{p.replicas, p.isr, p.leader});
      raw.i32(p.leader_epoch);
      raw.i32(p.partition_epoch);
    }
  }
  w.count(_forward_links.size(), forward_links_max);
  for (const auto& [name, link] : _forward_links) {
    w.string(name, link_name_size_max);
    raw.i64(link.updates);
    raw.bytes(link.state);
  }
  w.count(_group_offsets.size(), groups_max);
  for (const auto& [group, offsets] : _group_offsets) {
    w.string(group, string_size_max);
    w.count(offsets.size(), offsets_per_group_max);
    for (const auto& [key, o] : offsets) {
      w.string(key.first, topic_name_size_max);
      raw.i32(key.second);
      raw.i64(o.offset);
      raw.i32(o.leader_epoch);
      raw.boolean(o.metadata.has_value());
      if (o.metadata) w.string(*o.metadata, string_size_max);
      raw.i64(o.commit_time_ms);
    }
  }
  // Everything in the image went through the same bounds when it was applied.
  TERN_ASSERT(w.ok());
  return std::move(raw.owned_mutable());
}

namespace {

bool read_broker(wire::wire_reader& r, broker_state& b) {
  b.id = r.i32();
  b.incarnation_id = r.uuid();
  b.broker_epoch = r.i64();
  b.endpoints = codec::read_endpoints(r);
  b.dir_id = r.uuid();
  b.fenced = codec::read_flag(r);
  b.in_controlled_shutdown = codec::read_flag(r);
  b.roles = static_cast<std::uint8_t>(r.i8());
  return r.ok() && b.id >= 0 && b.broker_epoch >= 0;
}

bool read_topic(wire::wire_reader& r, topic_state& t) {
  t.name = codec::read_string(r, topic_name_size_max);
  t.id = r.uuid();
  t.configs = codec::read_configs(r);
  std::size_t n = codec::read_count(r, partitions_max);
  t.partitions.reserve(n);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    partition_assignment a = codec::read_assignment(r);
    partition_state p{std::move(a.replicas), std::move(a.isr), a.leader, r.i32(), r.i32()};
    t.partitions.push_back(std::move(p));
  }
  return r.ok() && n > 0 && valid_topic_name(t.name) && t.id != uuid16{};
}

// One group's offsets, in the snapshot's order (no duplicate, ascending keys), each of a
// partition of a topic `image` holds.
bool read_group(wire::wire_reader& r, const metadata_image& image, group_offset_map& out) {
  std::size_t n = codec::read_count(r, offsets_per_group_max);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    std::pair<std::string, std::int32_t> key;
    key.first = codec::read_string(r, topic_name_size_max);
    key.second = r.i32();
    committed_group_offset o;
    o.offset = r.i64();
    o.leader_epoch = r.i32();
    if (codec::read_flag(r)) o.metadata = codec::read_string(r, string_size_max);
    o.commit_time_ms = r.i64();
    const topic_state* t = image.topic(key.first);
    if (!r.ok() || !t || key.second < 0 ||
        static_cast<std::size_t>(key.second) >= t->partitions.size() ||
        (!out.empty() && !(out.rbegin()->first < key)))
      return false;
    out.emplace_hint(out.end(), std::move(key), std::move(o));
  }
  return r.ok() && n > 0;
}

}  // namespace

std::error_code metadata_image::restore(std::span<const std::uint8_t> snapshot) {
  // Decode into a scratch image and swap only once everything checked out.
  metadata_image next;
  wire::wire_reader r(snapshot);
  const auto format = static_cast<std::uint8_t>(r.i8());
  bool ok = format >= 1 && format <= snapshot_format_version;
  next._last_applied_index = static_cast<std::uint64_t>(r.i64());
  if (codec::read_flag(r)) {
    next._cluster_id = codec::read_string(r, cluster_id_size_max);
    ok = ok && !next._cluster_id->empty();
  }
  std::size_t brokers = codec::read_count(r, brokers_max);
  for (std::size_t i = 0; ok && i < brokers && r.ok(); ++i) {
    broker_state b;
    ok = read_broker(r, b) && (next._brokers.empty() || next._brokers.rbegin()->first < b.id);
    if (ok) next._brokers.emplace_hint(next._brokers.end(), b.id, std::move(b));
  }
  std::size_t topics = codec::read_count(r, topics_max);
  for (std::size_t i = 0; ok && i < topics && r.ok(); ++i) {
    topic_state t;
    ok = read_topic(r, t) && (next._topics.empty() || next._topics.rbegin()->first < t.name) &&
         next._topic_names.emplace(t.id, t.name).second;
    for (const auto& p : t.partitions) ok = ok && next.valid_partition(p);
    if (ok) next._topics.emplace_hint(next._topics.end(), t.name, std::move(t));
  }
  std::size_t links = format >= snapshot_format_with_links ? codec::read_count(r, forward_links_max) : 0;
  for (std::size_t i = 0; ok && i < links && r.ok(); ++i) {
    std::string name = codec::read_string(r, link_name_size_max);
    forward_link_checkpoint link;
    link.updates = r.i64();
    auto state = r.nullable_bytes();
    ok = state && r.ok() && !name.empty() && link.updates > 0 && state->size() <= link_state_size_max &&
         (next._forward_links.empty() || next._forward_links.rbegin()->first < name);
    if (!ok) break;
    link.state.assign(state->begin(), state->end());
    next._forward_links.emplace_hint(next._forward_links.end(), std::move(name), std::move(link));
  }
  std::size_t groups = format >= 3 ? codec::read_count(r, groups_max) : 0;
  for (std::size_t i = 0; ok && i < groups && r.ok(); ++i) {
    std::string group = codec::read_string(r, string_size_max);
    group_offset_map offsets;
    ok = r.ok() && read_group(r, next, offsets) &&
         (next._group_offsets.empty() || next._group_offsets.rbegin()->first < group);
    if (ok)
      next._group_offsets.emplace_hint(next._group_offsets.end(), std::move(group),
                                       std::move(offsets));
  }
  if (!ok || !r.ok() || r.remaining() != 0) return cluster_errc::malformed_entry;
  _cluster_id = std::move(next._cluster_id);
  _forward_links = std::move(next._forward_links);
  _brokers = std::move(next._brokers);
  _topics = std::move(next._topics);
  _topic_names = std::move(next._topic_names);
  _group_offsets = std::move(next._group_offsets);
  _last_applied_index = next._last_applied_index;
  image_delta delta;
  delta.reset = true;
  delta.index = _last_applied_index;
  publish(delta);
  return {};
}

}  // namespace tern::cluster
