#pragma once
// Topic ids (Kafka's 16-byte uuids) as the handlers see them: which topic an id names, on a
// single node (the store's random per-topic uuid, storage/log_store.h) or in a cluster (the id the
// controller chose, kept in the replicated metadata image, cluster/metadata_image.h — every broker
// reports the same one). Metadata v12 and DeleteTopics v6 name topics by id; Metadata v10+,
// CreateTopics v7 and DeleteTopics v6 report them.
//
// Errors: none; an id no topic has gives std::nullopt (the handler answers UNKNOWN_TOPIC_ID).
// Lifetimes: the results are copies, valid after the store or image changes.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "kafka/request_context.h"

namespace tern::kafka {

using topic_uuid = std::array<std::uint8_t, 16>;

// True for the all-zero id, which names no topic ("no id" in every schema).
bool is_zero_id(const topic_uuid& id);

// The name of the topic with this id, as this broker knows it (a cluster broker's image may lag
// the controller by a moment).
std::optional<std::string> topic_name_by_id(request_context& ctx, const topic_uuid& id);

}  // namespace tern::kafka
