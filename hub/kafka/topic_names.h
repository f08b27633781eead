#pragma once
// Lookups shared by handlers: topic names to storage topics, and the error each failure maps to.
#include <optional>
#include <string_view>
#include <system_error>

#include "storage/log_store.h"
#include "tern/kafka/error_code.h"

namespace tern::kafka {

// Maps a storage error to the Kafka code a client understands.
error_code to_kafka_error(std::error_code ec);

// Kafka's topic name rule: 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);

// Topic-level configs we accept on CreateTopics, with their validation. Sets `message` on failure.
bool valid_topic_config(std::string_view key, const std::optional<std::string>& value, std::string& message);

}  // namespace tern::kafka
