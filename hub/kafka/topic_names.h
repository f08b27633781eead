#pragma once
// Topic name and topic config rules shared by handlers (Kafka's own rules).
#include <optional>
#include <string_view>
#include <string>
#include "kafka/topic_configs.h"
#include "tern/kafka/error_code.h"

namespace tern::kafka {

// Kafka's topic name rule: 1..249 of [a-zA-Z0-9._-], not "." or "..".
bool valid_topic_name(std::string_view name);

// Topic config validation (valid_topic_config) lives in kafka/topic_configs.h.

}  // namespace tern::kafka
