#pragma once
// The one place where the hub's module errors become Kafka wire error codes.
#include <system_error>

#include "tern/kafka/error_code.h"

namespace tern::kafka {

// Maps storage_errc and groups_errc values (and raw system errors) to the code a Kafka client
// understands. An empty error_code maps to none; anything unrecognised to KAFKA_STORAGE_ERROR
// (storage/system) or UNKNOWN_SERVER_ERROR.
error_code to_kafka_error(std::error_code ec);

// As to_kafka_error, for a request that changes configs (AlterConfigs, IncrementalAlterConfigs):
// a value storage refuses (invalid_argument) is INVALID_CONFIG, as Kafka answers.
error_code to_kafka_config_error(std::error_code ec);

}  // namespace tern::kafka
