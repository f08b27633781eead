#include "client/producer.h"

#include <chrono>
#include <thread>

#include "tern/common/murmur2.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/produce.h"

namespace tern::client {
namespace {
std::string kafka_error(std::int16_t code) {
  return std::string(kafka::to_string(static_cast<kafka::error_code>(code)));
}
}  // namespace

bool producer::init(const std::string& topic, std::string& error) {
  kafka::metadata_response md;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(_options.metadata_max_wait_ms);
  for (;;) {
    if (auto ec = _client.metadata(std::vector<std::string>{topic}, true, md)) {
      error = _client.describe(-1, ec);
      return false;
    }
    bool leaderless = !md.topics.empty() &&
                      md.topics.front().error_code == kafka::wire(kafka::error_code::leader_not_available);
    if (!md.topics.empty() && md.topics.front().error_code == 0)
      for (const auto& p : md.topics.front().partitions) leaderless = leaderless || p.leader_id < 0;
    if (!leaderless || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (md.topics.empty() || md.topics.front().error_code != 0) {
    auto code = md.topics.empty() ? kafka::wire(kafka::error_code::unknown_topic_or_partition) : md.topics.front().error_code;
    error = code == kafka::wire(kafka::error_code::unknown_topic_or_partition)
                ? "topic '" + topic + "' does not exist"
                : "topic '" + topic + "': " + kafka_error(code);
    return false;
  }
  _topic = topic;
  const auto& parts = md.topics.front().partitions;
  _leaders.assign(parts.size(), -1);
  for (const auto& p : parts)
    if (p.partition_index >= 0 && static_cast<std::size_t>(p.partition_index) < parts.size())
      _leaders[static_cast<std::size_t>(p.partition_index)] = p.leader_id;
  if (_leaders.empty()) {
    error = "topic '" + topic + "' has no partitions";
    return false;
  }
  _sticky_partition = static_cast<std::int32_t>(std::chrono::steady_clock::now().time_since_epoch().count() %
                                                static_cast<std::int64_t>(_leaders.size()));
  return true;
}

std::int32_t producer::choose_partition(std::optional<record_batch::bytes_view> key) {
  if (key) return partition_for_key(*key, partition_count());
  return _sticky_partition;
}

bool producer::add(std::optional<record_batch::bytes_view> key, std::optional<record_batch::bytes_view> value,
                   const std::vector<record_batch::header>& headers, std::int64_t timestamp_ms,
                   std::int32_t partition, std::string& error) {
  if (partition >= partition_count()) {
    error = "partition " + std::to_string(partition) + " does not exist in topic '" + _topic + "' (" +
            std::to_string(partition_count()) + " partitions)";
    return false;
  }
  if (partition < 0) partition = choose_partition(key);
  auto& builder = _builders[partition];
  builder.add(timestamp_ms, key, value, headers);
  if (builder.record_count() >= _options.batch_max_records || builder.size_bytes() >= _options.batch_max_bytes) {
    if (!key && partition == _sticky_partition) _sticky_partition = (_sticky_partition + 1) % partition_count();
    return send_partition(partition, error);
  }
  return true;
}

bool producer::send_partition(std::int32_t partition, std::string& error) {
  auto& builder = _builders[partition];
  if (builder.record_count() == 0) return true;
  std::int32_t node = _leaders[static_cast<std::size_t>(partition)];
  auto& broker = _brokers[node];
  if (!broker.conn) {
    if (auto ec = _client.connection_to(node, broker.conn)) {
      error = "cannot connect to the leader of " + _topic + "-" + std::to_string(partition) + ": " +
              _client.describe(node, ec);
      return false;
    }
  }
  while (broker.waiting.size() >= _options.max_inflight)
    if (!receive_one(node, error)) return false;
  std::size_t records = builder.record_count();
  _scratch.clear();
  builder.build(_scratch);
  kafka::produce_request request;
  request.acks = _options.acks;
  request.timeout_ms = _options.timeout_ms;
  request.topic_data.push_back({_topic, {{partition, record_batch::bytes_view(_scratch)}}});
  auto version = broker.conn->version_for(kafka::api_key::produce);
  if (version < 0) {
    error = "the broker does not support Produce v3+";
    return false;
  }
  if (_options.acks == 0) {
    if (auto ec = broker.conn->send_no_response(request, version)) {
      error = _client.describe(node, ec);
      return false;
    }
    _acknowledged += records;
    return true;
  }
  if (auto ec = broker.conn->send(request, version)) {
    error = _client.describe(node, ec);
    return false;
  }
  broker.waiting.push_back({std::chrono::steady_clock::now(), records});
  return true;
}

bool producer::receive_one(std::int32_t node, std::string& error) {
  auto& broker = _brokers[node];
  kafka::produce_response response;
  if (auto ec = broker.conn->receive(response)) {
    error = _client.describe(node, ec);
    return false;
  }
  auto done = broker.waiting.front();
  broker.waiting.pop_front();
  _latencies_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - done.sent).count());
  for (const auto& t : response.responses)
    for (const auto& p : t.partition_responses)
      if (p.error_code != 0) {
        error = "produce to " + t.name + "-" + std::to_string(p.index) + " failed: " + kafka_error(p.error_code);
        // Produce v8+: the broker's own sentence, e.g. which timestamp bound a record broke.
        if (p.error_message) error += " (" + *p.error_message + ")";
        return false;
      }
  _acknowledged += done.records;
  return true;
}

bool producer::flush(std::string& error) {
  for (auto& [partition, builder] : _builders)
    if (!send_partition(partition, error)) return false;
  for (auto& [node, broker] : _brokers)
    while (!broker.waiting.empty())
      if (!receive_one(node, error)) return false;
  return true;
}

}  // namespace tern::client
