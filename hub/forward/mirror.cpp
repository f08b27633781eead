#include "forward/mirror.h"

#include <chrono>
#include <future>

#include "app/log.h"
#include "client/cluster_client.h"
#include "client/group_admin.h"
#include "forward/upstream.h"
#include "replication/follower_logic.h"
#include "tern/common/check.h"
#include "tern/common/record_batch.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/list_offsets.h"

namespace tern::forward {
namespace {


constexpr std::int64_t refresh_interval_ms = 30000;
constexpr std::int32_t fetch_max_wait_ms = 500;
constexpr std::int32_t partition_max_bytes = 1 << 20;
constexpr std::int32_t fetch_max_bytes = 8 << 20;

// Waits for one asynchronous store call (the mirror thread may block; the hub's loop never does).
template <typename Start>
std::error_code wait_store(Start start) {
  std::promise<std::error_code> done;
  auto result = done.get_future();
  start([&done](std::error_code ec) { done.set_value(ec); });
  return result.get();
}

}  // namespace

mirror::mirror(storage::log_store& store, link_config config) : _store(store), _config(std::move(config)) {
  _status.name = _config.name;
  _status.direction = "mirror";
}

mirror::~mirror() { stop(); }

void mirror::start() {
  _worker.start([this] { run(); });
}

void mirror::stop() { _worker.stop(); }

bool mirror::wait_ms(std::int64_t ms) { return _worker.wait_ms(ms); }

void mirror::set_error(const std::string& message) {
  bool repeat = false;
  {
    std::lock_guard lock(_mutex);
    repeat = _status.last_error == message;
    _status.last_error = message;
    _status.last_error_ms = wall_clock_ms();
  }
  if (!repeat) log::warn("mirror link '", _config.name, "': ", message);
}

// Learns the matching upstream topics and their leaders, and creates missing local topics.
bool mirror::refresh() {
  kafka::metadata_response all;
  if (auto ec = _client->metadata(std::nullopt, false, all)) {
    set_error("Metadata: " + ec.message());
    return false;
  }
  std::map<std::pair<std::string, std::int32_t>, partition_state> found;
  for (const auto& t : all.topics) {
    if (t.error_code != 0 || !_config.mirror_topics.matches(t.name)) continue;
    std::string local = _config.mirror_local_name(t.name);
    auto info = _store.find_topic(local);
    std::int32_t count = 0;
    for (const auto& p : t.partitions) count = std::max(count, p.partition_index + 1);
    if (!info) {
      storage::topic_info created;
      auto ec = _store.create_topic(local, count, {}, created);
      if (ec && ec != storage::storage_errc::topic_exists) {
        set_error("creating local topic '" + local + "': " + ec.message());
        continue;
      }
      info = _store.find_topic(local);
      if (!info) continue;
      log::info("mirror link '", _config.name, "': created local topic '", local, "' (", count,
                " partitions) for upstream topic '", t.name, "'");
    }
    for (const auto& p : t.partitions) {
      partition_state s;
      s.upstream_topic = t.name;
      s.partition = p.partition_index;
      s.local_topic = local;
      s.leader = p.leader_id;
      if (p.partition_index >= info->partition_count) {
        s.error = "local topic '" + local + "' has " + std::to_string(info->partition_count) +
                  " partitions, fewer than upstream";
      } else {
        s.log = info->partition_log(ids::partition_index{p.partition_index});
      }
      found[{t.name, p.partition_index}] = std::move(s);
    }
  }
  std::lock_guard lock(_mutex);
  for (auto& [key, s] : found) {
    auto old = _partitions.find(key);
    if (old != _partitions.end() && old->second.log == s.log) {
      s.upstream_high_watermark = old->second.upstream_high_watermark;
      if (s.error.empty()) {
        s.error = old->second.error;
        s.retry_at_ms = old->second.retry_at_ms;
      }
    }
  }
  _partitions = std::move(found);
  _refreshed_at_ms = wall_clock_ms();
  return true;
}

bool mirror::reset_to_upstream_start(partition_state& p) {
  kafka::list_offsets_request request;
  request.topics.push_back({p.upstream_topic, {{p.partition, kafka::list_offsets_request::earliest_timestamp, 1}}});
  client::kafka_connection* conn = nullptr;
  if (auto ec = _client->connection_to(p.leader, conn)) {
    _client->drop_connection(p.leader);
    return false;
  }
  kafka::list_offsets_response response;
  std::int16_t v = std::min<std::int16_t>(conn->version_for(kafka::api_key::list_offsets), 3);
  if (v < 1 || conn->call(request, v, response)) return false;
  for (const auto& t : response.topics)
    for (const auto& part : t.partitions) {
      if (part.error_code != 0 || part.offset < 0) return false;
      auto local = _store.offsets(p.log);
      if (!local) return false;
      if (ids::offset{part.offset} <= local->log_end) {
        // Our end is beyond the upstream's: the upstream topic was recreated or truncated.
        std::lock_guard lock(_mutex);
        p.error = "upstream " + p.upstream_topic + "-" + std::to_string(p.partition) +
                  " no longer holds offset " + std::to_string(local->log_end.value()) +
                  " (recreated upstream?); recreate local topic '" + p.local_topic + "' to mirror it again";
        return false;
      }
      std::int64_t skipped = ids::offset{part.offset} - local->log_end;
      auto ec = wait_store([&](auto done) { _store.reset(p.log, ids::offset{part.offset}, done); });
      if (ec) return false;
      {
        std::lock_guard lock(_mutex);
        _status.lost_records += static_cast<std::uint64_t>(skipped);
      }
      log::error("mirror link '", _config.name, "': upstream ", p.upstream_topic, "-", p.partition,
                 " now starts at ", part.offset, "; ", skipped,
                 " records were deleted upstream before they could be copied (lost)");
      return true;
    }
  return false;
}

// One Fetch per upstream leader for every mirrored partition, from each local log end.
bool mirror::fetch_round() {
  std::map<std::int32_t, std::vector<partition_state*>> by_leader;
  std::int64_t now = wall_clock_ms();
  for (auto& [key, p] : _partitions) {
    if (!p.error.empty() && now < p.retry_at_ms) continue;
    if (p.log == storage::log_id{0} || p.leader < 0) continue;
    by_leader[p.leader].push_back(&p);
  }
  if (by_leader.empty()) {
    wait_ms(fetch_max_wait_ms);
    return true;
  }
  bool ok = true;
  for (auto& [leader, parts] : by_leader) {
    client::kafka_connection* conn = nullptr;
    if (auto ec = _client->connection_to(leader, conn)) {
      set_error(_client->describe(leader, ec));
      _client->drop_connection(leader);
      ok = false;
      continue;
    }
    kafka::fetch_request request;
    request.max_wait_ms = by_leader.size() > 1 ? 10 : fetch_max_wait_ms;
    request.min_bytes = 1;
    request.max_bytes = fetch_max_bytes;
    std::map<std::pair<std::string, std::int32_t>, ids::offset> asked;
    for (auto* p : parts) {
      auto off = _store.offsets(p->log);
      if (!off) continue;
      auto t = std::find_if(request.topics.begin(), request.topics.end(),
                            [&](const auto& x) { return x.topic == p->upstream_topic; });
      if (t == request.topics.end()) {
        request.topics.push_back({p->upstream_topic, {}});
        t = std::prev(request.topics.end());
      }
      kafka::fetch_request::partition fp;
      fp.partition = p->partition;
      fp.fetch_offset = off->log_end.value();
      fp.partition_max_bytes = partition_max_bytes;
      t->partitions.push_back(fp);
      asked[{p->upstream_topic, p->partition}] = off->log_end;
    }
    std::int16_t v = std::min<std::int16_t>(conn->version_for(kafka::api_key::fetch), 11);
    if (v < kafka::fetch_request::min_version) {
      set_error("the upstream broker does not support Fetch v4+");
      ok = false;
      continue;
    }
    conn->set_timeout(std::chrono::milliseconds(_config.request_timeout_ms + fetch_max_wait_ms));
    kafka::fetch_response response;
    if (auto ec = conn->call(request, v, response)) {
      set_error(_client->describe(leader, ec));
      _client->drop_connection(leader);
      ok = false;
      continue;
    }
    for (const auto& t : response.responses) {
      for (const auto& part : t.partitions) {
        auto key = std::make_pair(t.topic, part.partition_index);
        auto it = _partitions.find(key);
        auto a = asked.find(key);
        if (it == _partitions.end() || a == asked.end()) continue;
        partition_state& p = it->second;
        if (part.error_code == 1 /* OFFSET_OUT_OF_RANGE */) {
          if (!reset_to_upstream_start(p)) p.retry_at_ms = wall_clock_ms() + _config.reconnect_backoff_max_ms;
          continue;
        }
        if (part.error_code != 0) {
          set_error("upstream " + t.topic + "-" + std::to_string(part.partition_index) + ": " +
                    client::kafka_error_name(part.error_code));
          _refreshed_at_ms = -1;  // leaders may have moved
          continue;
        }
        {
          std::lock_guard lock(_mutex);
          p.upstream_high_watermark = part.high_watermark;
        }
        if (part.record_batches.empty()) continue;
        replication::fetched_batches got;
        auto split = replication::take_fetched_batches(part.record_batches.front(), a->second, got);
        if (!got.batches.empty()) {
          // Our own copies with leader epoch -1: the local partition keeps no epoch table, so its
          // high watermark is its log end, as for any single-node partition.
          auto owned = std::make_shared<std::vector<std::vector<std::uint8_t>>>();
          storage::append_request append;
          std::int64_t records = 0;
          for (auto b : got.batches) {
            owned->emplace_back(b.begin(), b.end());
            record_batch::set_partition_leader_epoch(owned->back(), -1);
            record_batch::batch_header h;
            if (!record_batch::parse_header(owned->back(), h)) records += h.record_count;
          }
          for (const auto& b : *owned) append.batches.emplace_back(b);
          append.keepalive = owned;
          append.log = p.log;
          append.replica = true;
          append.allow_offset_gaps = got.has_gaps;
          auto ec = wait_store([&](auto done) {
            append.done = [done](const storage::append_result& r) { done(r.error); };
            _store.append(std::move(append));
          });
          std::lock_guard lock(_mutex);
          if (ec) {
            p.error = "appending to local topic '" + p.local_topic + "': " + ec.message();
            p.retry_at_ms = wall_clock_ms() + _config.reconnect_backoff_max_ms;
          } else {
            p.error.clear();
            _status.forwarded_records += static_cast<std::uint64_t>(records);
            _status.forwarded_bytes += got.size_bytes;
          }
        }
        if (split) set_error("upstream " + t.topic + "-" + std::to_string(part.partition_index) +
                             " sent a corrupt batch: " + split.message());
      }
    }
  }
  return ok;
}

void mirror::run() {
  while (!_worker.stopping()) {
    if (!_client) {
      {
        std::lock_guard lock(_mutex);
        _status.state = "connecting";
      }
      std::string error;
      bool fatal = false;
      if (!open_upstream(_config, "tern-mirror-" + _config.name, _worker.abort_flag(), _client, error, fatal)) {
        _client.reset();
        set_error(error);
        {
          std::lock_guard lock(_mutex);
          _status.state = fatal ? "error" : "backoff";
        }
        _backoff_ms = std::min(std::max<std::int64_t>(_backoff_ms * 2, _config.retry_backoff_ms),
                               _config.reconnect_backoff_max_ms);
        wait_ms(_backoff_ms);
        continue;
      }
      std::lock_guard lock(_mutex);
      _status.state = "connected";
      _status.broker = _client->bootstrap_address();
      _refreshed_at_ms = -1;
    }
    if (_refreshed_at_ms < 0 || wall_clock_ms() - _refreshed_at_ms > refresh_interval_ms) {
      if (!refresh()) {
        _client.reset();
        wait_ms(_config.retry_backoff_ms);
        continue;
      }
    }
    if (!fetch_round()) {
      _backoff_ms = std::min(std::max<std::int64_t>(_backoff_ms * 2, _config.retry_backoff_ms),
                             _config.reconnect_backoff_max_ms);
      _refreshed_at_ms = -1;
      if (!_client->bootstrap_connection().is_open()) _client.reset();
      wait_ms(_backoff_ms);
    } else {
      _backoff_ms = 0;
    }
  }
  std::lock_guard lock(_mutex);
  _status.state = "stopped";
}

link_status mirror::status() const {
  std::lock_guard lock(_mutex);
  link_status s = _status;
  std::map<std::string, forward_topic_status> topics;
  for (const auto& [key, p] : _partitions) {
    auto& t = topics[p.local_topic];
    t.topic = p.local_topic;
    t.upstream = p.upstream_topic;
    if (!p.error.empty()) t.error = p.error;
    if (p.log == storage::log_id{0} || p.upstream_high_watermark < 0) continue;
    auto off = _store.offsets(p.log);
    if (!off) continue;
    std::int64_t behind =
        std::max<std::int64_t>(0, p.upstream_high_watermark - off->log_end.value());
    t.backlog_records += behind;
    s.backlog_records += behind;
  }
  for (auto& [name, t] : topics) s.topics.push_back(std::move(t));
  // Unknown until every mirrored partition has answered a Fetch once.
  bool known = !_partitions.empty();
  for (const auto& [key, p] : _partitions)
    known = known && (p.upstream_high_watermark >= 0 || p.log == storage::log_id{0});
  if (!known) s.backlog_records = -1;
  return s;
}

}  // namespace tern::forward
