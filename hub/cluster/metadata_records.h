#pragma once
// The records of the metadata log and their binary encoding. A Raft entry is a batch of records
// the controller proposed together; every voter decodes the same bytes and applies the records in
// order (metadata_image.h). Pure functions over buffers: no I/O, no clock, no state.
//
// Entry layout (all integers big-endian, strings int16-length-prefixed as in Kafka):
//   u8  entry_format (1)          u16 record_count (1..records_per_entry_max)
//   per record: u8 type, u8 version, u32 body_size, body
// Every record type is at version 1 (forward_link_state, type 10, is newer: a Tern that predates
// it finds the whole entry malformed, so every voter of a cluster must know it before a link runs). A body must be consumed exactly: trailing bytes, an unknown
// type or version, a count or string over its bound, or a truncation make the WHOLE entry
// malformed (a voter never applies half of an entry it does not understand).
//
// Threads: none of its own; every function is reentrant.
// Errors: encode_entry() -> entry_too_large (the entry or one of its counts/strings is over a
// bound below; nothing is produced); decode_entry() -> malformed_entry (out is then empty).
// Lifetimes: decoded records own their data (strings and vectors are copies), so they outlive
// the buffer they came from.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "tern/common/wire.h"

namespace tern::cluster {

using node_id = std::int32_t;
using uuid16 = std::array<std::uint8_t, 16>;
using config_map = std::map<std::string, std::string>;
inline constexpr node_id no_leader = -1;

// Bounds on everything a record carries. An entry comes from our own controller, but a snapshot
// or entry may also be corrupt or come from a different Tern: decoding must cost bounded memory.
inline constexpr std::size_t entry_size_bytes_max = 4 * 1024 * 1024;
inline constexpr std::size_t records_per_entry_max = 65535;
inline constexpr std::size_t topic_name_size_max = 249;  // Kafka's limit
inline constexpr std::size_t string_size_max = 32767;    // int16 length prefix
inline constexpr std::size_t host_size_max = 255;
inline constexpr std::size_t endpoints_max = 16;
inline constexpr std::size_t configs_max = 1024;
inline constexpr std::size_t partitions_max = 10000;
inline constexpr std::size_t replicas_max = 32;
inline constexpr std::size_t cluster_id_size_max = 64;
inline constexpr std::size_t link_name_size_max = 249;
inline constexpr std::size_t link_state_size_max = 512 * 1024;  // a forwarding link's checkpoint
inline constexpr std::size_t group_offsets_per_record_max = 100000;

// Process roles (bit set), as in Kafka's process.roles.
inline constexpr std::uint8_t role_broker = 1;
inline constexpr std::uint8_t role_controller = 2;

struct endpoint {
  std::string listener;
  std::string host;
  std::uint16_t port = 0;
  bool operator==(const endpoint&) const = default;
};

// A broker process (re)registers. Applying it sets the broker epoch to the entry's index and
// leaves the broker fenced and not shutting down, whatever it was before.
struct register_broker_record {
  node_id node = 0;
  uuid16 incarnation_id{};  // random, chosen by the broker process at start
  uuid16 dir_id{};          // identifies the broker's data dir: a new id means a lost disk
  std::uint8_t roles = role_broker;
  std::vector<endpoint> endpoints;
  bool operator==(const register_broker_record&) const = default;
};

// Fence/unfence/shutdown name the broker epoch they were decided for: applied to a broker that
// registered again in between (another epoch), they are skipped.
struct fence_broker_record {
  node_id node = 0;
  std::int64_t broker_epoch = 0;
  bool operator==(const fence_broker_record&) const = default;
};
struct unfence_broker_record {
  node_id node = 0;
  std::int64_t broker_epoch = 0;
  bool operator==(const unfence_broker_record&) const = default;
};
struct begin_controlled_shutdown_record {
  node_id node = 0;
  std::int64_t broker_epoch = 0;
  bool operator==(const begin_controlled_shutdown_record&) const = default;
};

// The first one applied sets the cluster id; later ones are ignored.
struct set_cluster_id_record {
  std::string cluster_id;
  bool operator==(const set_cluster_id_record&) const = default;
};

struct partition_assignment {
  std::vector<node_id> replicas;  // ordered: the first is the preferred leader
  std::vector<node_id> isr;
  node_id leader = no_leader;
  bool operator==(const partition_assignment&) const = default;
};

// A new topic; its partitions start at leader_epoch 0 and partition_epoch 0.
struct create_topic_record {
  std::string name;
  uuid16 topic_id{};
  config_map configs;
  std::vector<partition_assignment> partitions;
  bool operator==(const create_topic_record&) const = default;
};

struct delete_topic_record {
  uuid16 topic_id{};
  bool operator==(const delete_topic_record&) const = default;
};

// Replaces the topic's whole config map.
struct alter_topic_configs_record {
  uuid16 topic_id{};
  config_map configs;
  bool operator==(const alter_topic_configs_record&) const = default;
};

// Changes one partition. `partition_epoch` is the epoch the decision was made against: applied to
// a partition that changed since (another epoch), the record is skipped, so two decisions made on
// the same state can never both apply. A different leader bumps leader_epoch; every applied
// change bumps partition_epoch.
struct partition_change_record {
  uuid16 topic_id{};
  std::int32_t partition = 0;
  std::int32_t partition_epoch = 0;
  std::optional<node_id> leader;
  std::optional<std::vector<node_id>> isr;
  std::optional<std::vector<node_id>> replicas;
  bool operator==(const partition_change_record&) const = default;
};

// A forwarding link's checkpoint (hub/forward/link_state.h), replicated so that whichever node
// runs the link next resumes it exactly. `state` is opaque here: the forward module encodes it
// with every local log named by topic and partition (a log id is local to one broker's store;
// topic, partition and offsets are the same on every replica). `based_on` is the link's update
// count the runner decided against: applied to a link updated since, the record is skipped, so
// a deposed runner's late proposal can never overwrite its successor's. An empty `state` drops
// the link (its retention holds go).
struct forward_link_state_record {
  std::string link;
  std::int64_t based_on = 0;
  std::vector<std::uint8_t> state;
  bool operator==(const forward_link_state_record&) const = default;
};

// A consumer group's committed offsets change (cluster mode: the controller coordinates every
// group, and a commit is acknowledged only once this record is committed by a majority). Applied:
// `clear_group` first removes every offset of the group (DeleteGroups, offsets expiry), then each
// offset is set, or removed when `deleted` (OffsetDelete). An offset of a topic the image does not
// hold (deleted meanwhile) is dropped alone.
struct group_offset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = -1;
  std::int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  std::int64_t commit_time_ms = 0;  // the coordinator's wall clock (offsets expiry)
  bool deleted = false;
  bool operator==(const group_offset&) const = default;
};
struct group_offsets_record {
  std::string group_id;
  bool clear_group = false;
  std::vector<group_offset> offsets;
  bool operator==(const group_offsets_record&) const = default;
};

using metadata_record =
    std::variant<register_broker_record, fence_broker_record, unfence_broker_record,
                 begin_controlled_shutdown_record, set_cluster_id_record, create_topic_record,
                 delete_topic_record, alter_topic_configs_record, partition_change_record,
                 forward_link_state_record, group_offsets_record>;

// Wire type codes; never reuse a retired one.
enum class record_type : std::uint8_t {
  register_broker = 1,
  fence_broker = 2,
  unfence_broker = 3,
  begin_controlled_shutdown = 4,
  set_cluster_id = 5,
  create_topic = 6,
  delete_topic = 7,
  alter_topic_configs = 8,
  partition_change = 9,
  forward_link_state = 10,  // since the forwarding links run in clusters
  group_offsets = 11,
};

inline constexpr std::uint8_t entry_format_version = 1;
inline constexpr std::uint8_t record_version = 1;

// Encodes `records` (1..records_per_entry_max of them) as one entry into `out` (replaced).
// Errors: entry_too_large (over a bound: no records, too many, a string or count over its limit,
// or the whole entry over entry_size_bytes_max); `out` is then empty.
std::error_code encode_entry(std::span<const metadata_record> records,
                             std::vector<std::uint8_t>& out);

// Decodes one entry into `out` (replaced). Never crashes on any input.
// Errors: malformed_entry (out is then empty).
std::error_code decode_entry(std::span<const std::uint8_t> entry,
                             std::vector<metadata_record>& out);

// Building blocks shared by the entry codec and the image's snapshot codec (metadata_image.cpp).
namespace codec {

// A wire_writer with a sticky "over a bound" flag, the mirror of wire_reader's failure flag:
// a writer over a bound keeps accepting calls and the caller checks ok() once at the end.
class bounded_writer {
 public:
  bool ok() const { return !_over; }
  void fail() { _over = true; }
  wire::wire_writer& raw() { return _w; }
  void string(std::string_view s, std::size_t size_max);
  // Writes an i32 count, failing if over `count_max`.
  void count(std::size_t n, std::size_t count_max);
  void nodes(const std::vector<node_id>& nodes);
  void configs(const config_map& configs);
  void endpoints(const std::vector<endpoint>& endpoints);
  void assignment(const partition_assignment& a);

 private:
  wire::wire_writer _w;
  bool _over = false;
};

// Readers fail `r` (sticky) on a value over its bound, so a hostile count costs nothing.
std::string read_string(wire::wire_reader& r, std::size_t size_max);
std::size_t read_count(wire::wire_reader& r, std::size_t count_max);
// A bool that must be exactly 0 or 1, so that one value has exactly one encoding.
bool read_flag(wire::wire_reader& r);
std::vector<node_id> read_nodes(wire::wire_reader& r);
config_map read_configs(wire::wire_reader& r);
std::vector<endpoint> read_endpoints(wire::wire_reader& r);
partition_assignment read_assignment(wire::wire_reader& r);

}  // namespace codec

}  // namespace tern::cluster
