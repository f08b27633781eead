#include "client/consumer.h"

#include <chrono>
#include <thread>

#include <algorithm>

#include "tern/common/compression.h"
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
  return "unknown codec";
}
}  // namespace

call_status consumer::find_leaders(const std::string& topic, const std::vector<std::int32_t>& only,
                                  std::map<std::int32_t, std::int32_t>& leaders,
                                  std::string& error) {
  kafka::metadata_response md;
  if (auto ec = _client.metadata(std::vector<std::string>{topic}, false, md)) {
    error = _client.describe(-1, ec);
    return status_of(ec);
  }
  if (md.topics.empty()) {
    error = "topic '" + topic + "' does not exist";
    return call_status::fatal;
  }
  const auto code = md.topics.front().error_code;
  if (code == kafka::wire(kafka::error_code::unknown_topic_or_partition)) {
    error = "topic '" + topic + "' does not exist";
    return call_status::fatal;
  }
  if (code == kafka::wire(kafka::error_code::topic_authorization_failed)) {
    error = "not authorized to describe topic '" + topic + "' (TOPIC_AUTHORIZATION_FAILED)";
    return call_status::fatal;
  }
  if (code != 0) {  // e.g. LEADER_NOT_AVAILABLE while a cluster elects
    error = "metadata of topic '" + topic + "': " + kafka_error(code);
    return call_status::retriable;
  }
  for (const auto& p : md.topics.front().partitions)
    if (only.empty() || std::find(only.begin(), only.end(), p.partition_index) != only.end())
      leaders[p.partition_index] = p.leader_id;
  for (auto p : only)
    if (!leaders.count(p)) {
      error = "partition " + std::to_string(p) + " does not exist in topic '" + topic + "'";
      return call_status::fatal;
    }
  return call_status::ok;
}

call_status consumer::resolve(start from, const std::vector<std::int32_t>& partitions,
                              std::string& error) {
  std::map<std::int32_t, kafka::list_offsets_request> by_leader;
  for (auto p : partitions) {
    auto& request = by_leader[_partitions[p].leader];
    if (request.topics.empty()) request.topics.push_back({_topic, {}});
    request.topics.front().partitions.push_back(
        {p, from == start::earliest ? kafka::list_offsets_request::earliest_timestamp
                                    : kafka::list_offsets_request::latest_timestamp, 1});
  }
  for (auto& [leader, request] : by_leader) {
    kafka_connection* conn = nullptr;
    if (auto ec = _client.connection_to(leader, conn)) {
      error = _client.describe(leader, ec);
      // No leader known yet (-1) or its broker is unknown: a cluster still electing.
      return ec == client_errc::malformed_response ? call_status::retriable : status_of(ec);
    }
    kafka::list_offsets_response response;
    if (auto ec = conn->call(request, conn->version_for(kafka::api_key::list_offsets), response)) {
      error = _client.describe(leader, ec);
      _client.drop_connection(leader);
      return status_of(ec);
    }
    for (const auto& t : response.topics)
      for (const auto& p : t.partitions) {
        if (p.error_code != 0) {
          error = "list offsets of " + _topic + "-" + std::to_string(p.partition_index) + ": " + kafka_error(p.error_code);
          return is_leader_change(p.error_code) ? call_status::retriable : call_status::fatal;
        }
        _partitions[p.partition_index].position = p.offset;
      }
  }
  return call_status::ok;
}

call_status consumer::init(const std::string& topic, std::int32_t partition, start from,
                           std::int64_t offset, std::string& error) {
  std::map<std::int32_t, std::int32_t> leaders;
  if (auto status = find_leaders(
          topic, partition < 0 ? std::vector<std::int32_t>{} : std::vector<std::int32_t>{partition},
          leaders, error);
      status != call_status::ok)
    return status;
  _topic = topic;
  for (auto [p, leader] : leaders) _partitions[p].leader = leader;
  if (_partitions.empty()) {
    error = "partition " + std::to_string(partition) + " does not exist in topic '" + topic + "'";
    return call_status::fatal;
  }
  if (from == start::offset) {
    for (auto& [p, state] : _partitions) state.position = offset;
    return call_status::ok;
  }
  std::vector<std::int32_t> all;
  for (const auto& [p, state] : _partitions) all.push_back(p);
  return resolve(from, all, error);
}

call_status consumer::assign(const std::string& topic, const std::vector<std::int32_t>& partitions,
                             const std::map<std::int32_t, std::int64_t>& committed, start reset,
                             std::string& error) {
  _topic = topic;
  _partitions.clear();
  _auto_reset = reset;
  if (partitions.empty()) return call_status::ok;
  std::map<std::int32_t, std::int32_t> leaders;
  if (auto status = find_leaders(topic, partitions, leaders, error); status != call_status::ok)
    return status;
  std::vector<std::int32_t> uncommitted;
  for (auto [p, leader] : leaders) {
    _partitions[p].leader = leader;
    auto c = committed.find(p);
    if (c != committed.end() && c->second >= 0) _partitions[p].position = c->second;
    else uncommitted.push_back(p);
  }
  return resolve(reset, uncommitted, error);
}

std::map<std::int32_t, std::int64_t> consumer::positions() const {
  std::map<std::int32_t, std::int64_t> out;
  for (const auto& [p, s] : _partitions) out[p] = s.position;
  return out;
}

bool consumer::caught_up() const {
  for (const auto& [p, s] : _partitions)
    if (s.high_watermark < 0 || s.position < s.high_watermark) return false;
  return true;
}

call_status consumer::poll(const record_fn& fn, bool& stopped, std::string& error) {
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
  std::vector<std::int32_t> out_of_range;  // group mode: restart these at _auto_reset
  std::vector<std::int32_t> moved;         // their leader changed or went away: look it up again
  for (auto& [leader, request] : by_leader) {
    kafka_connection* conn = nullptr;
    kafka::fetch_response response;
    std::error_code fetch_error = leader < 0 ? std::error_code(client_errc::malformed_response)
                                             : _client.connection_to(leader, conn);
    // At most v12: v13 names topics by id, which this consumer does not track.
    constexpr std::int16_t fetch_version_max = 12;
    if (!fetch_error)
      fetch_error = conn->call(request, std::min(conn->version_for(kafka::api_key::fetch), fetch_version_max),
                               response);
    if (fetch_error) {
      // TLS or SASL refused on a new connection: another attempt would meet the same refusal.
      if (status_of(fetch_error) == call_status::fatal &&
          fetch_error != client_errc::malformed_response) {
        error = _client.describe(leader, fetch_error);
        return call_status::fatal;
      }
      // The leader's broker is gone (a failover in a cluster): find the new leaders.
      if (leader >= 0) _client.drop_connection(leader);
      for (const auto& fp : request.topics.front().partitions) moved.push_back(fp.partition);
      continue;
    }
    for (const auto& t : response.responses) {
      for (const auto& p : t.partitions) {
        auto& state = _partitions[p.partition_index];
        if (p.error_code == kafka::wire(kafka::error_code::offset_out_of_range) && _auto_reset) {
          out_of_range.push_back(p.partition_index);
          continue;
        }
        if (is_leader_change(p.error_code)) {
          moved.push_back(p.partition_index);
          continue;
        }
        if (p.error_code != 0) {
          error = "fetch " + _topic + "-" + std::to_string(p.partition_index) + " at offset " +
                  std::to_string(state.position) + ": " + kafka_error(p.error_code);
          return call_status::fatal;
        }
        state.high_watermark = p.high_watermark;
        std::vector<record_batch::bytes_view> batches;
        for (auto blob : p.record_batches) {
          // A fetch may end with a partial batch (max bytes); stop at it, it comes whole next time.
          while (blob.size() >= record_batch::header_size) {
            record_batch::batch_header h;
            if (auto ec = record_batch::parse_header(blob, h)) {
              error = "fetch " + _topic + "-" + std::to_string(p.partition_index) + ": " + ec.message();
              return call_status::fatal;
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
            return call_status::fatal;
          }
          if (h.last_offset() < state.position) continue;
          if (h.control()) {
            state.position = h.last_offset() + 1;
            continue;
          }
          std::vector<record_batch::record> records;
          std::vector<std::uint8_t> scratch;  // the decompressed records; lives until fn returns
          if (auto dec = record_batch::decode_records(b, records, scratch,
                                                      _options.decompressed_batch_bytes_max)) {
            error = "batch at offset " + std::to_string(h.base_offset) + " of " + _topic + "-" +
                    std::to_string(p.partition_index) + " (" + codec_name(h.codec()) +
                    "): " + dec.message();
            if (dec == compression::compression_errc::too_large) {
              error += " (" + std::to_string(_options.decompressed_batch_bytes_max) + " bytes)";
            }
            return call_status::fatal;
          }
          for (const auto& r : records) {
            if (r.offset < state.position) continue;
            state.position = r.offset + 1;
            if (!fn(p.partition_index, r)) {
              stopped = true;
              return call_status::ok;
            }
          }
          state.position = std::max(state.position, h.last_offset() + 1);
        }
      }
    }
  }
  if (!moved.empty()) {
    if (auto status = refresh_leaders(moved, error); status != call_status::ok) return status;
  }
  return out_of_range.empty() ? call_status::ok : resolve(*_auto_reset, out_of_range, error);
}

bool consumer::is_leader_change(std::int16_t code) {
  using kafka::error_code;
  return code == kafka::wire(error_code::not_leader_or_follower) ||
         code == kafka::wire(error_code::leader_not_available) ||
         code == kafka::wire(error_code::fenced_leader_epoch) ||
         code == kafka::wire(error_code::unknown_leader_epoch) ||
         code == kafka::wire(error_code::offset_not_available) ||  // a new leader's HW lags
         code == kafka::wire(error_code::unknown_topic_or_partition);
}

// After a leader change: waits a moment (an election takes a few hundred ms to seconds), then
// asks the cluster where the partitions are led now. A partition without a leader yet keeps
// leader -1 and is looked up again at the next poll. Positions are kept: nothing is skipped or
// read twice. Retriable when no broker answers Metadata at all (a single hub restarting).
call_status consumer::refresh_leaders(const std::vector<std::int32_t>& partitions,
                                      std::string& error) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::map<std::int32_t, std::int32_t> leaders;
  if (auto status = find_leaders(_topic, partitions, leaders, error); status != call_status::ok)
    return status;
  for (auto [p, leader] : leaders) _partitions[p].leader = leader;
  return call_status::ok;
}

}  // namespace tern::client
