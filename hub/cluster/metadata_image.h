#pragma once
// The metadata image: what every node knows about the cluster (cluster id, brokers, topics,
// partitions with their replicas, ISR, leader and epochs; consumer groups' committed offsets),
// built by applying the committed
// entries of the metadata log in order. It is the quorum's state_machine; the controller reads
// it to decide (controller_rules.h) and the broker reacts to its change callback.
//
// Design
// - apply() decodes an entry (metadata_records.h) and applies its records in order. A record that
//   refers to an unknown broker/topic or would break an invariant is skipped alone (counted in
//   skipped_records() and logged); an entry that does not decode is skipped whole. Determinism:
//   the result depends only on the bytes, the entry index and the state before (no clock, no
//   local configuration), so every voter reaches the same image.
// - Invariants kept for every partition: replicas non-empty, no duplicates, registered brokers;
//   isr ⊆ replicas without duplicates; leader is no_leader or a member of the isr;
//   leader_epoch and partition_epoch never decrease.
// - An ISR can be empty only after a broker that was its last member lost its disk (its data
//   dir id changed): nobody holds the data, and only an unclean election can bring the partition
//   back (controller_rules.h).
// - Forwarding links' checkpoints (forward_link_state_record) are kept per link name, opaque,
//   with a compare-and-set on their update count.
// - snapshot() is a canonical encoding (maps in key order): two images that applied the same
//   entries have byte-identical snapshots. The version counter, the skip counter and the
//   callback are local and not part of it.
//
// Threads: not thread-safe. Every call runs on the thread that runs the quorum; readers on other
// threads need a copy (the image is copyable).
// Errors: apply() never fails; restore() -> malformed_entry (the image is then unchanged).
// Lifetimes: pointers and references returned by the accessors are valid until the next
// apply()/restore() or the image's destruction. The change callback runs inside apply()/restore()
// after the entry took effect; it must not call apply() or restore().
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "cluster/metadata_records.h"
#include "cluster/state_machine.h"

namespace tern::cluster {

// Bounds of the image, so that a snapshot always decodes within a known memory cost. A record
// that would go beyond them is skipped.
inline constexpr std::size_t brokers_max = 4096;
inline constexpr std::size_t topics_max = 100000;
inline constexpr std::size_t groups_max = 100000;
inline constexpr std::size_t offsets_per_group_max = 100000;

struct broker_state {
  node_id id = 0;
  uuid16 incarnation_id{};
  std::int64_t broker_epoch = 0;  // index of the entry of its latest registration
  std::vector<endpoint> endpoints;
  uuid16 dir_id{};
  bool fenced = true;
  bool in_controlled_shutdown = false;
  std::uint8_t roles = role_broker;
  bool operator==(const broker_state&) const = default;
};

struct partition_state {
  std::vector<node_id> replicas;  // the first is the preferred leader
  std::vector<node_id> isr;
  node_id leader = no_leader;
  std::int32_t leader_epoch = 0;
  std::int32_t partition_epoch = 0;
  bool operator==(const partition_state&) const = default;
};

struct topic_state {
  std::string name;
  uuid16 id{};
  config_map configs;
  std::vector<partition_state> partitions;
  bool operator==(const topic_state&) const = default;
};

// A forwarding link's replicated checkpoint (forward_link_state_record): its opaque state and how
// many updates were applied to it (the compare-and-set of the next record). A dropped link keeps
// its update count with an empty state, so a deposed runner's stale proposal still loses.
struct forward_link_checkpoint {
  std::int64_t updates = 0;
  std::vector<std::uint8_t> state;
  bool operator==(const forward_link_checkpoint&) const = default;
};

// A consumer group's committed offset of one partition (cluster mode; group_offsets_record).
struct committed_group_offset {
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  std::int64_t commit_time_ms = 0;
  bool operator==(const committed_group_offset&) const = default;
};
// One group's committed offsets by (topic name, partition).
using group_offset_map = std::map<std::pair<std::string, std::int32_t>, committed_group_offset>;

struct partition_key {
  uuid16 topic_id{};
  std::int32_t partition = 0;
  auto operator<=>(const partition_key&) const = default;
};

// What one apply() or restore() changed, handed to the change callback.
struct image_delta {
  std::uint64_t version = 0;  // the image's version after the change
  std::uint64_t index = 0;    // the entry (or snapshot) index
  bool reset = false;         // restore(): anything may have changed, re-read the whole image
  bool cluster_id_set = false;
  std::vector<node_id> brokers;               // registered, fenced, unfenced or shutting down
  std::vector<uuid16> topics_created;
  std::vector<std::pair<uuid16, std::string>> topics_deleted;  // id and name
  std::vector<uuid16> topic_configs_changed;
  std::vector<partition_key> partitions_changed;  // not listed for created/deleted topics
  std::vector<std::string> forward_links_changed;
  std::vector<std::string> groups_changed;        // their committed offsets changed
  bool empty() const;
};

class metadata_image final : public state_machine {
 public:
  using change_callback = std::function<void(const image_delta&)>;

  metadata_image() = default;

  // state_machine
  void apply(std::span<const std::uint8_t> entry, std::uint64_t index) override;
  std::vector<std::uint8_t> snapshot() const override;
  std::error_code restore(std::span<const std::uint8_t> snapshot) override;

  // Called after every apply()/restore() that changed something (one call per entry).
  void on_change(change_callback cb) { _on_change = std::move(cb); }

  const std::optional<std::string>& cluster_id() const { return _cluster_id; }
  const std::map<node_id, broker_state>& brokers() const { return _brokers; }
  const std::map<std::string, topic_state>& topics() const { return _topics; }
  const broker_state* broker(node_id id) const;
  const topic_state* topic(std::string_view name) const;
  const topic_state* topic(const uuid16& id) const;
  const partition_state* partition(const uuid16& topic_id, std::int32_t partition) const;
  const std::map<std::string, forward_link_checkpoint>& forward_links() const { return _forward_links; }
  const forward_link_checkpoint* forward_link(std::string_view link) const;
  // Committed offsets of consumer groups (cluster mode), by group id; a group without offsets
  // is absent.
  const std::map<std::string, group_offset_map, std::less<>>& group_offsets() const {
    return _group_offsets;
  }
  const group_offset_map* group_offsets(std::string_view group_id) const;

  // Registered, unfenced and not in controlled shutdown: may lead and join ISRs.
  bool is_live(node_id id) const;
  // Kafka's offline replicas: replicas whose broker is fenced (or unknown).
  std::vector<node_id> offline_replicas(const partition_state& p) const;

  std::uint64_t last_applied_index() const { return _last_applied_index; }
  // Local and monotonic: +1 per apply()/restore() that changed something.
  std::uint64_t version() const { return _version; }
  // Local: records skipped because they were inconsistent, plus entries that did not decode.
  std::uint64_t skipped_records() const { return _skipped_records; }

 private:
  bool apply_record(const metadata_record& rec, std::uint64_t index, image_delta& delta);
  bool apply_one(const register_broker_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const fence_broker_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const unfence_broker_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const begin_controlled_shutdown_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const set_cluster_id_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const create_topic_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const delete_topic_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const alter_topic_configs_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const partition_change_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const forward_link_state_record& r, std::uint64_t index, image_delta& d);
  bool apply_one(const group_offsets_record& r, std::uint64_t index, image_delta& d);
  topic_state* mutable_topic(const uuid16& id);
  bool valid_partition(const partition_state& p) const;
  void publish(image_delta& delta);

  std::optional<std::string> _cluster_id;
  std::map<node_id, broker_state> _brokers;
  std::map<std::string, topic_state> _topics;
  std::map<uuid16, std::string> _topic_names;  // id -> name
  std::map<std::string, forward_link_checkpoint> _forward_links;
  std::map<std::string, group_offset_map, std::less<>> _group_offsets;
  std::uint64_t _last_applied_index = 0;
  std::uint64_t _version = 0;
  std::uint64_t _skipped_records = 0;
  change_callback _on_change;
};

}  // namespace tern::cluster
