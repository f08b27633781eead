#pragma once
// Strong types for the integers the hub passes around most: record offsets, partition indexes,
// node (broker) ids, leader epochs and storage log ids.
//
// Why: all five are plain 32- or 64-bit integers on the wire and in LMDB, and a call such as
// `truncate(log, epoch)` or `read(log, partition, ...)` compiled silently when they were bare
// integers; replication and forwarding take several of them per call. Each is its own type here,
// so passing one where another is expected, comparing two different ones, or mixing one with a
// raw integer is a compile error. Only the arithmetic that means something exists:
//   offset + count → offset, offset - count → offset, offset - offset → count (std::int64_t),
//   ++offset (the next record), next(leader_epoch) (a new leader's epoch).
// Partition indexes, node ids and log ids are names, not quantities: no arithmetic at all.
//
// Conversions are explicit both ways: `ids::offset{raw}` in, `.value()` out. They belong at the
// boundaries only: the wire codec (common/ message structs keep the schemas' integer fields),
// LMDB key encoding, configuration parsing. Kafka's "none" values (-1 offsets, epochs and node
// ids) are ordinary values of these types, with named constants below.
//
// Where they are used (and where they stop): storage's public API (storage/log_store.h; inside,
// the store keeps the integers it stores: storage_format.h's partition_state), replication/ and
// the Kafka handlers. The cluster metadata and Raft (cluster/) keep int32 node ids, partition
// indexes and epochs; replica_manager types them where it reads the metadata image.
//
// Cost: each type holds exactly its integer, is trivially copyable, and every operation is
// constexpr and inline, so the generated code is that of the bare integer (the footprint budget
// counts template instances: there is one small class template, instantiated five times).
//
// Errors: none (no operation can fail; the arithmetic is the integer's, overflow included, and
// callers check ranges as they did for the bare integers). Lifetimes: plain values.
// Printing: operator<< writes the integer (for log:: messages and test output); std::hash is
// the integer's.
#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <type_traits>

namespace tern::ids {

namespace detail {
// One integer behind a tag that makes each instantiation a distinct type. Arithmetic is defined
// per type below, never here.
template <class Tag, class Rep>
class strong_integer {
 public:
  using rep = Rep;
  constexpr strong_integer() noexcept = default;
  constexpr explicit strong_integer(Rep raw) noexcept : _value(raw) {}
  // A value of another strong type never converts in (it has no conversion to Rep), nor does a
  // floating-point one: `offset(2.5)` would otherwise truncate silently.
  template <class Other>
    requires std::is_floating_point_v<Other>
  explicit strong_integer(Other) = delete;

  constexpr Rep value() const noexcept { return _value; }

  friend constexpr bool operator==(strong_integer, strong_integer) noexcept = default;
  friend constexpr auto operator<=>(strong_integer, strong_integer) noexcept = default;

  friend std::ostream& operator<<(std::ostream& os, strong_integer v) { return os << v._value; }

 private:
  Rep _value = 0;
};
}  // namespace detail

struct offset_tag;
struct partition_index_tag;
struct node_id_tag;
struct leader_epoch_tag;
struct log_id_tag;

// A record's offset in a partition (Kafka int64 offset). -1 is Kafka's "none"/"unknown".
using offset = detail::strong_integer<offset_tag, std::int64_t>;
// A partition's index within its topic (Kafka int32 partition).
using partition_index = detail::strong_integer<partition_index_tag, std::int32_t>;
// A broker's node id (Kafka int32 node/broker/replica id). -1 is "no node" (no leader known).
using node_id = detail::strong_integer<node_id_tag, std::int32_t>;
// A partition leader's epoch (Kafka int32 leader epoch). -1 is "no epoch" (a single-node hub).
using leader_epoch = detail::strong_integer<leader_epoch_tag, std::int32_t>;
// A partition's log in the store (storage/log_store.h): never reused, independent of the name.
using log_id = detail::strong_integer<log_id_tag, std::uint32_t>;

inline constexpr offset no_offset{-1};
inline constexpr node_id no_node{-1};
inline constexpr leader_epoch no_leader_epoch{-1};

// Offsets: positions that move by record counts.
constexpr offset operator+(offset position, std::int64_t count) noexcept {
  return offset{position.value() + count};
}
constexpr offset operator-(offset position, std::int64_t count) noexcept {
  return offset{position.value() - count};
}
constexpr std::int64_t operator-(offset later, offset earlier) noexcept {
  return later.value() - earlier.value();
}
constexpr offset& operator+=(offset& position, std::int64_t count) noexcept {
  return position = position + count;
}
constexpr offset& operator-=(offset& position, std::int64_t count) noexcept {
  return position = position - count;
}
constexpr offset& operator++(offset& position) noexcept { return position += 1; }

// The epoch a newly elected leader takes after `epoch`.
constexpr leader_epoch next(leader_epoch epoch) noexcept { return leader_epoch{epoch.value() + 1}; }

static_assert(sizeof(offset) == sizeof(std::int64_t) && sizeof(log_id) == sizeof(std::uint32_t));
static_assert(std::is_trivially_copyable_v<offset> && std::is_trivially_copyable_v<partition_index> &&
              std::is_trivially_copyable_v<node_id> && std::is_trivially_copyable_v<leader_epoch> &&
              std::is_trivially_copyable_v<log_id>);

}  // namespace tern::ids

template <class Tag, class Rep>
struct std::hash<tern::ids::detail::strong_integer<Tag, Rep>> {
  std::size_t operator()(tern::ids::detail::strong_integer<Tag, Rep> v) const noexcept {
    return std::hash<Rep>{}(v.value());
  }
};
