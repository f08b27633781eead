#pragma once
// Kafka's default partitioner hash: murmur2 exactly as org.apache.kafka.common.utils.Utils.murmur2
// (seed 0x9747b28c), and toPositive(hash) % partitions. Pure functions, no errors.
#include <cstdint>
#include <span>

namespace tern {
std::int32_t murmur2(std::span<const std::uint8_t> key);
// Partition the Java client chooses for a non-null key. partitions must be > 0.
std::int32_t partition_for_key(std::span<const std::uint8_t> key, std::int32_t partitions);
}  // namespace tern
