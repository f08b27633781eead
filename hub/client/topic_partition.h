#pragma once
// A (topic, partition) pair, ordered by topic then partition: the key of every per-partition map
// in the group client (assignments, committed offsets, log end offsets).
#include <compare>
#include <cstdint>
#include <string>

namespace tern::client {

struct topic_partition {
  std::string topic;
  std::int32_t partition = 0;

  auto operator<=>(const topic_partition&) const = default;
  bool operator==(const topic_partition&) const = default;
};

// "topic-3", as Kafka names a partition in messages.
inline std::string to_string(const topic_partition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

}  // namespace tern::client
