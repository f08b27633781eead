#pragma once
// Kafka's 16-byte uuids (topic ids, cluster ids) and their text form, as Kafka's Uuid.toString
// writes it: 22 characters of unpadded base64url. What kafka-topics prints as TopicId and what
// Metadata carries as cluster_id. Pure functions, no errors.
#include <array>
#include <cstdint>
#include <string>

namespace tern {

using uuid = std::array<std::uint8_t, 16>;

// Always 22 characters of [A-Za-z0-9_-].
std::string uuid_text(const uuid& id);

}  // namespace tern
