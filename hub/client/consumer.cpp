#include "client/consumer.h"

#include "tern/common/crc32c.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/list_offsets.h"

namespace tern::client {
namespace {
std::string kafka_error(std::int16_t code) {
  return std::string(kafka::to_string(static_cast<kafka::error_code>(code)));
}
const char* codec_name(record_batch::compression c) {
  switch (c) {
    case record_batch::compression::none: return "none";
    case record_batch::compression::gzip: return "gzip";
    case record_batch::compression::snappy: return "snappy";
    case record_batch::compression::lz4: return "lz4";
    case record_batch::compression::zstd: return "zstd";
  }
  return "unknown";
}
}  // namespace

bool consumer::init(const std::string& topic, std::int32_t partition, start from, std::int64_t offset,
                    std::string& error) {
  kafka::metadata_response md;
  if (auto ec = _client.metadata(std::vector<std::string>{topic}, false, md)) {
    error = _client.describe(-1, ec);
    return false;
  }
  if (md.topics.empty() || md.topics.front().error_code != 0) {
    error = "topic '" + topic + "' does not exist";
    return false;
  }
  _topic = topic;
  for (const auto& p : md.topics.front().partitions)
    if (partition < 0 || p.partition_index == partition) _partitions[p.partition_index].leader = p.leader_id;
  if (_partitions.empty()) {
    error = "partition " + std::to_string(partition) + " does not exist in topic '" + topic + "'";
    return false;
  }
  if (from == start::offset) {
    for (auto& [p, state] : _partitions) state.position = offset;
    return true;
  }
  // Resolve earliest/latest per leader.
  std::map<std::int32_t, kafka::list_offsets_request> by_leader;
  for (auto& [p, state] : _partitions) {
    auto& request = by_leader[state.leader];
    if (request.topics.empty()) request.topics.push_back({topic, {}});
    request.topics.front().partitions.push_back(
        {p, from == start::earliest ? kafka::list_offsets_request::earliest_timestamp
                                    : kafka::list_offsets_request::latest_timestamp, 1});
  }
  for (auto& [leader, request] : by_leader) {
    kafka_connection* conn = nullptr;
    if (auto ec = _client.connection_to(leader, conn)) {
      error = _client.describe(leader, ec);
      return false;
    }
    kafka::list_offsets_response response;
    if (auto ec = conn->call(request, conn->version_for(kafka::api_key::list_offsets), response)) {
      error = _client.describe(leader, ec);
      return false;
    }
    for (const auto& t : response.topics)
      for (const auto& p : t.partitions) {
        if (p.error_code != 0) {
          error = "list offsets of " + topic + "-" + std::to_string(p.partition_index) + ": " + kafka_error(p.error_code);
          return false;
        }
        _partitions[p.partition_index].position = p.offset;
      }
  }
  return true;
}

bool consumer::caught_up() const {
  for (const auto& [p, s] : _partitions)
    if (s.high_watermark < 0 || s.position < s.high_watermark) return false;
  return true;
}

bool consumer::poll(const record_fn& fn, bool& stopped, std::string& error) {
  stopped = false;
  std::map<std::int32_t, kafka::fetch_request> by_leader;
  for (auto& [p, state] : _partitions) {
    auto& request = by_leader[state.leader];
    if (request.topics.empty()) {
      request.max_wait_ms = _options.max_wait_ms;
      request.min_bytes = _options.min_bytes;
      request.max_bytes = _options.max_bytes;
      request.isolation_level = 0;
      request.topics.push_back({_topic, {}});
    }
    kafka::fetch_request::partition fp;
    fp.partition = p;
    fp.fetch_offset = state.position;
    fp.partition_max_bytes = _options.partition_max_bytes;
    request.topics.front().partitions.push_back(fp);
  }
  for (auto& [leader, request] : by_leader) {
    kafka_connection* conn = nullptr;
    if (auto ec = _client.connection_to(leader, conn)) {
      error = _client.describe(leader, ec);
      return false;
    }
    kafka::fetch_response response;
    if (auto ec = conn->call(request, conn->version_for(kafka::api_key::fetch), response)) {
      error = _client.describe(leader, ec);
      return false;
    }
    for (const auto& t : response.responses) {
      for (const auto& p : t.partitions) {
        auto& state = _partitions[p.partition_index];
        if (p.error_code != 0) {
          error = "fetch " + _topic + "-" + std::to_string(p.partition_index) + " at offset " +
                  std::to_string(state.position) + ": " + kafka_error(p.error_code);
          return false;
        }
        state.high_watermark = p.high_watermark;
        std::vector<record_batch::bytes_view> batches;
        for (auto blob : p.record_batches) {
          // A fetch may end with a partial batch (max bytes); stop at it, it comes whole next time.
          while (blob.size() >= record_batch::header_size) {
            record_batch::batch_header h;
            if (auto ec = record_batch::parse_header(blob, h)) {
              error = "fetch " + _topic + "-" + std::to_string(p.partition_index) + ": " + ec.message();
              return false;
            }
            if (h.total_size() > blob.size()) break;
            batches.push_back(blob.first(h.total_size()));
            blob = blob.subspan(h.total_size());
          }
        }
        _bytes += p.records_size();
        for (auto b : batches) {
          record_batch::batch_header h;
          auto ec = _options.verify_crc ? record_batch::validate(b, h) : record_batch::parse_header(b, h);
          if (ec) {
            error = "batch at offset " + std::to_string(h.base_offset) + " of " + _topic + "-" +
                    std::to_string(p.partition_index) + " is invalid: " + ec.message();
            return false;
          }
          if (h.last_offset() < state.position) continue;
          if (h.control()) {
            state.position = h.last_offset() + 1;
            continue;
          }
          if (h.codec() != record_batch::compression::none) {
            error = "batch at offset " + std::to_string(h.base_offset) + " of " + _topic + "-" +
                    std::to_string(p.partition_index) + " is " + codec_name(h.codec()) +
                    "-compressed; this consumer cannot decompress it yet";
            return false;
          }
          std::vector<record_batch::record> records;
          if (auto dec = record_batch::decode_records(b, records)) {
            error = "batch at offset " + std::to_string(h.base_offset) + ": " + dec.message();
            return false;
          }
          for (const auto& r : records) {
            if (r.offset < state.position) continue;
            state.position = r.offset + 1;
            if (!fn(p.partition_index, r)) {
              stopped = true;
              return true;
            }
          }
          state.position = std::max(state.position, h.last_offset() + 1);
        }
      }
    }
  }
  return true;
}

}  // namespace tern::client
