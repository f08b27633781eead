#pragma once
// The "consumer" group protocol's payloads (Kafka's ConsumerProtocolSubscription and
// ConsumerProtocolAssignment), versions 0–1. They are not requests: a member puts its
// subscription in JoinGroup protocols[].metadata, the coordinator hands every member's
// subscription to the leader in JoinGroup members[].metadata, and the leader's assignments travel
// in SyncGroup assignments[].assignment and come back in the SyncGroup response's assignment.
// Each payload starts with its own int16 version; there is no flexible version and no header.
//
//   subscription v0: version, topics[], user_data?
//   subscription v1: version, topics[], user_data?, owned_partitions[topic, partitions[]]
//   assignment v0–1: version, assigned_partitions[topic, partitions[]], user_data?
//                    (v1 only pairs with subscription v1; the layout is the same)
// (? = nullable bytes: std::nullopt is written as null. generation_id / rack_id, subscription v2+
// / v3+, are outside this range.)
//
// Versions travel in-band, so encode() takes the version to write (an int16 at the front) and
// decode() reads it from the payload into `sender_version`. As in Kafka's own clients, a payload
// newer than max_version is read with the max_version layout and its trailing fields are left
// unread — newer versions only append fields — so a leader can assign partitions to newer members.
// A negative version fails. An empty payload (e.g. the assignment of a failed SyncGroup) fails to
// decode; callers treat it as "no partitions".
//
// Fields a version lacks are neither written nor read: encode() drops them and decode() leaves
// them empty.
//
// Errors: encode() with a version outside [min_version, max_version] is a programmer error and
// asserts. decode() returns false (and fails the reader) on malformed or truncated input, on a
// null where the schema forbids one, and on a negative version; it never throws or asserts, and
// the struct is then only partly filled. A hostile array count cannot allocate more than the
// remaining input warrants. decode() does not require the reader to be exhausted.
//
// Lifetimes: decoded strings are owned copies, but user_data is a view: after decode() it points
// INTO the reader's buffer (usually itself a view into a JoinGroup/SyncGroup frame) and must not
// outlive it. encode() copies it into the writer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/common/wire.h"

namespace tern::kafka {

// JoinGroup protocol_type of groups that use these payloads.
inline constexpr std::string_view consumer_protocol_type = "consumer";

// One topic's partitions, as both payloads list them.
struct consumer_protocol_topic_partition {
  std::string topic;
  std::vector<std::int32_t> partitions;
};

struct consumer_protocol_subscription {
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  using topic_partition = consumer_protocol_topic_partition;

  std::int16_t sender_version = 0;  // set by decode(): the payload's version; encode() ignores it
  std::vector<std::string> topics;
  std::optional<wire::bytes_view> user_data;      // assignor-specific; usually null
  std::vector<topic_partition> owned_partitions;  // v1+

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r);
};

struct consumer_protocol_assignment {
  static constexpr std::int16_t min_version = 0;
  static constexpr std::int16_t max_version = 1;

  using topic_partition = consumer_protocol_topic_partition;

  std::int16_t sender_version = 0;  // set by decode(): the payload's version; encode() ignores it
  std::vector<topic_partition> assigned_partitions;
  std::optional<wire::bytes_view> user_data;  // assignor-specific; usually null

  void encode(wire::wire_writer& w, std::int16_t version) const;
  bool decode(wire::wire_reader& r);
};

}  // namespace tern::kafka
