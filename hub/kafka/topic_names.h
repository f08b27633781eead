#pragma once
// Topic name and topic config rules shared by handlers (Kafka's own rules).
#include <optional>
#include <string_view>
#include <string>
#include "tern/kafka/error_code.h"

namespace tern::kafka {

// Kafka's topic name rule: 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);

// Topic-level configs we accept on CreateTopics, with their validation. Sets `message` on failure.
bool valid_topic_config(std::string_view key, const std::optional<std::string>& value, std::string& message);

}  // namespace tern::kafka
