#include "forward/forwarder.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "app/log.h"
#include "client/cluster_client.h"
#include "client/group_admin.h"
#include "tern/common/check.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/init_producer_id.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/produce.h"
#include "forward/upstream.h"

namespace tern::forward {
namespace {

using kafka::error_code;

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t idle_poll_ms = 20;
constexpr std::int64_t metadata_max_age_ms = 60000;
constexpr std::int64_t local_scan_interval_ms = 500;  // new local topics are picked up this fast
constexpr std::size_t decompressed_batch_max = 64u << 20;
constexpr std::int16_t produce_version_max = 7;
constexpr std::int16_t produce_version_min = 3;  // RecordBatch v2 and idempotence

bool is_code(std::int16_t code, error_code e) { return code == static_cast<std::int16_t>(e); }

// Errors that mean the upstream no longer knows our producer (or its sequences).
bool producer_lost(std::int16_t code) {
  return code == 45 /* OUT_OF_ORDER_SEQUENCE_NUMBER */ || code == 59 /* UNKNOWN_PRODUCER_ID */ ||
         code == 47 /* INVALID_PRODUCER_EPOCH */ || code == 90 /* PRODUCER_FENCED */;
}
// Errors that retrying cannot fix until someone changes the upstream: the topic stops.
bool topic_fatal(std::int16_t code) {
  return code == 10 /* MESSAGE_TOO_LARGE */ || code == 29 /* TOPIC_AUTHORIZATION_FAILED */ ||
         code == 87 /* INVALID_RECORD */ || code == 18 /* RECORD_LIST_TOO_LARGE */ ||
         code == 17 /* INVALID_TOPIC_EXCEPTION */ || code == 2 /* CORRUPT_MESSAGE */ ||
         code == 32 /* INVALID_TIMESTAMP */;
}

std::string error_text(std::int16_t code) { return client::kafka_error_name(code); }

}  // namespace

forwarder::forwarder(storage::log_store& store, link_config config, std::string cluster_id,
                     replicated_checkpoint* replicated)
    : _store(store),
      _config(std::move(config)),
      _cluster_id(std::move(cluster_id)),
      _checkpoint_name("forward/" + _config.name),
      _replicated(replicated) {
  _status.name = _config.name;
}

forwarder::~forwarder() { stop(); }

void forwarder::start() {
  _worker.start([this] { run(); });
}

void forwarder::stop() { _worker.stop(); }

bool forwarder::wait_ms(std::int64_t ms) { return _worker.wait_ms(ms); }

// A backoff keeps tracking local topics (new ones get their holds while the link is down).
bool forwarder::wait_tracking(std::int64_t ms) {
  auto until = wall_clock_ms() + ms;
  while (!_worker.stopping()) {
    std::int64_t left = until - wall_clock_ms();
    if (left <= 0) break;
    wait_ms(std::min<std::int64_t>(left, local_scan_interval_ms));
    if (!_worker.stopping()) scan_local(false);
  }
  return !_worker.stopping();
}

void forwarder::backoff() {
  _backoff_ms = _backoff_ms == 0 ? _config.retry_backoff_ms
                                 : std::min(_backoff_ms * 2, _config.reconnect_backoff_max_ms);
  {
    std::lock_guard lock(_mutex);
    if (_status.state != "error") _status.state = "backoff";
  }
  wait_tracking(_backoff_ms);
}

void forwarder::set_state(const std::string& state) {
  std::lock_guard lock(_mutex);
  _status.state = state;
}

void forwarder::set_error(const std::string& message, bool log_it) {
  {
    std::lock_guard lock(_mutex);
    if (log_it && _status.last_error == message) log_it = false;  // do not repeat every retry
    _status.last_error = message;
    _status.last_error_ms = wall_clock_ms();
  }
  if (log_it) log::warn("forward link '", _config.name, "': ", message);
}

// ---- connection ----

bool forwarder::connect() {
  set_state("connecting");
  std::unique_ptr<client::cluster_client> c;
  std::string error;
  bool fatal = false;
  if (!open_upstream(_config, "tern-forward-" + _config.name, _worker.abort_flag(), c, error, fatal)) {
    set_error(error);
    set_state(fatal ? "error" : "backoff");
    return false;
  }
  auto v = c->bootstrap_connection().version_for(kafka::api_key::produce);
  if (v < produce_version_min) {
    set_error("the upstream broker does not support Produce v3+ (idempotent record batches)");
    set_state("error");
    return false;
  }
  _client = std::move(c);
  _metadata_stale = true;
  {
    std::lock_guard lock(_mutex);
    _status.broker = _client->bootstrap_address();
    _status.state = "connected";
  }
  log::info("forward link '", _config.name, "': connected to ", _client->bootstrap_address());
  return true;
}

void forwarder::disconnect() {
  _client.reset();
  std::lock_guard lock(_mutex);
  _status.broker.clear();
}

bool forwarder::init_producer() {
  kafka::init_producer_id_request request;
  kafka::init_producer_id_response response;
  auto& conn = _client->bootstrap_connection();
  std::int16_t v = std::min<std::int16_t>(conn.version_for(kafka::api_key::init_producer_id), 1);
  if (v < 0) {
    set_error("the upstream broker does not support InitProducerId (idempotent producers)");
    set_state("error");
    return false;
  }
  if (auto ec = conn.call(request, v, response)) {
    set_error("InitProducerId: " + ec.message());
    return false;
  }
  if (response.error_code != 0) {
    set_error("InitProducerId: " + error_text(response.error_code));
    return false;
  }
  _state.producer_id = response.producer_id;
  _state.producer_epoch = response.producer_epoch;
  _state.sequences.clear();
  log::info("forward link '", _config.name, "': upstream producer id ", response.producer_id,
            " epoch ", response.producer_epoch);
  return commit();
}

// ---- metadata ----

bool forwarder::scan_local(bool force) {
  std::int64_t now = wall_clock_ms();
  if (!force && now - _local_scan_ms < local_scan_interval_ms) return false;
  _local_scan_ms = now;
  std::map<storage::log_id, std::pair<std::string, std::string>> logs;
  for (const auto& t : _store.list_topics()) {
    if (!_config.forward_topics.matches(t.name)) continue;
    auto upstream = _config.upstream_name(t.name);
    for (std::int32_t p = 0; p < t.partition_count; ++p)
      logs[t.partition_log(ids::partition_index{p})] = {t.name, upstream};
  }
  // A log new to the link is held from its start (MirrorMaker's earliest) at once, connected
  // or not, so retention cannot take what was never sent.
  bool positions_changed = false;
  for (const auto& [log, names] : logs) {
    if (_state.positions.contains(log)) continue;
    auto offsets = _store.offsets(log);
    if (!offsets) continue;
    // Held since its creation (log_store::set_creation_hold_policy): from there, so records the
    // disk budget dropped in between are counted as lost rather than silently skipped.
    auto held = _store.retention_hold(log, _checkpoint_name);
    _state.positions.emplace(
        log, (held ? std::min(*held, offsets->log_start) : offsets->log_start).value());
    positions_changed = true;
  }
  if (positions_changed && !_state.intent) commit();
  std::lock_guard lock(_mutex);
  bool changed = logs != _logs;
  _logs = std::move(logs);
  return changed;
}

bool forwarder::refresh_metadata() {
  scan_local(true);
  std::vector<std::string> names;
  {
    std::lock_guard lock(_mutex);
    for (const auto& [log, n] : _logs) names.push_back(n.second);
  }
  _metadata_at_ms = wall_clock_ms();
  _metadata_stale = false;
  if (names.empty()) {
    _upstream.clear();
    return true;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  kafka::metadata_response response;
  if (auto ec = _client->metadata(names, false, response)) {
    set_error("Metadata: " + ec.message());
    _metadata_stale = true;
    return false;
  }
  _upstream.clear();
  for (const auto& t : response.topics) {
    upstream_topic u;
    u.error = t.error_code;
    if (t.error_code == 0) {
      std::int32_t count = 0;
      for (const auto& p : t.partitions) count = std::max(count, p.partition_index + 1);
      u.partition_count = count;
      u.leaders.assign(static_cast<std::size_t>(count), -1);
      for (const auto& p : t.partitions)
        if (p.error_code == 0 || is_code(p.error_code, error_code::leader_not_available))
          u.leaders[static_cast<std::size_t>(p.partition_index)] = p.leader_id;
      if (_stopped.erase(t.name)) {
        log::info("forward link '", _config.name, "': upstream topic '", t.name, "' is usable again");
        publish_stopped();
      }
    } else if (is_code(t.error_code, error_code::unknown_topic_or_partition) || t.error_code == 29) {
      stop_topic(t.name, "upstream topic '" + t.name + "': " + error_text(t.error_code) +
                             (t.error_code == 29 ? "" : " (create it upstream; records wait here)"));
    }
    _upstream[t.name] = std::move(u);
  }
  return true;
}

void forwarder::stop_topic(const std::string& upstream, const std::string& why) {
  auto it = _stopped.find(upstream);
  if (it == _stopped.end() || it->second.first != why) set_error(why);
  _stopped[upstream] = {why, wall_clock_ms()};
  publish_stopped();
}

void forwarder::publish_stopped() {
  std::lock_guard lock(_mutex);
  _stopped_view.clear();
  for (const auto& [topic, why] : _stopped) _stopped_view[topic] = why.first;
}

bool forwarder::topic_usable(const std::string& upstream) const {
  auto it = _upstream.find(upstream);
  return it != _upstream.end() && it->second.error == 0 && it->second.partition_count > 0 &&
         !_stopped.contains(upstream);
}

// ---- checkpoint ----

bool forwarder::commit() {
  if (_replicated) {
    std::string why;
    if (!_replicated->commit(_state, why, _worker.abort_flag())) {
      if (!_worker.stopping()) set_error("committing the link checkpoint to the cluster: " + why);
      _reload = true;
      return false;
    }
    publish_state();
    return true;
  }
  std::promise<std::error_code> done;
  auto result = done.get_future();
  _store.put_checkpoint(_checkpoint_name, _state.encode(), _state.holds(),
                        [&done](std::error_code ec) { done.set_value(ec); });
  auto ec = result.get();
  if (ec) {
    set_error("storing the link checkpoint: " + ec.message());
    return false;
  }
  publish_state();
  return true;
}

bool forwarder::load_replicated() {
  std::int64_t wait = 100;
  while (!_worker.stopping()) {
    std::string why;
    link_state state;
    if (_replicated->load(state, why, _worker.abort_flag())) {
      _state = std::move(state);
      _round_batches.clear();
      _round_built = false;
      _reload = false;
      publish_state();
      log::info("forward link '", _config.name, "': runs on this broker (the controller) from the replicated checkpoint",
                _state.intent ? " (re-sending the round in flight)" : "");
      return true;
    }
    if (_worker.stopping()) break;
    set_error("taking over the link: " + why);
    set_state("starting");
    wait_ms(wait);
    wait = std::min<std::int64_t>(wait * 2, 2000);
  }
  return false;
}

void forwarder::publish_state() {
  std::lock_guard lock(_mutex);
  _positions = _state.positions;
  _status.forwarded_records = _state.forwarded_records;
  _status.forwarded_bytes = _state.forwarded_bytes;
  _status.lost_records = _state.lost_records;
  _status.producer_resets = _state.producer_resets;
}

// ---- rounds ----

bool forwarder::read_range(const storage::read_txn& txn, const log_range& range, std::size_t budget,
                           std::vector<record_batch::record>& out,
                           std::vector<std::vector<std::uint8_t>>& scratch, std::int64_t& end) {
  // `budget` == SIZE_MAX: rebuild a planned range exactly; otherwise plan: stop before a record
  // would pass the budget (the first record of a round always goes) and report the end.
  std::int64_t offset = range.from;
  std::size_t used = 0;
  end = range.from;
  bool planning = budget != SIZE_MAX;
  while (offset < range.to) {
    std::vector<storage::bytes_view> batches;
    std::size_t bytes = 0;
    if (auto ec = txn.read(range.log, ids::offset{offset}, 4u << 20, ids::offset{range.to}, batches,
                           bytes)) {
      set_error("reading " + range.topic + "-" + std::to_string(range.partition) + " at " +
                std::to_string(offset) + ": " + ec.message());
      return false;
    }
    if (batches.empty()) break;
    for (auto batch : batches) {
      record_batch::batch_header h;
      if (record_batch::parse_header(batch, h)) return false;
      offset = h.last_offset() + 1;
      if (h.control()) continue;
      scratch.emplace_back();
      std::vector<record_batch::record> records;
      if (auto ec = record_batch::decode_records(batch, records, scratch.back(), decompressed_batch_max)) {
        set_error("local batch at " + range.topic + "-" + std::to_string(range.partition) + "@" +
                  std::to_string(h.base_offset) + " does not decode: " + ec.message());
        return false;
      }
      for (auto& r : records) {
        if (r.offset < range.from || r.offset >= range.to) continue;
        std::size_t w = record_weight(r, range.topic);
        if (planning && used > 0 && used + w > budget) {
          end = r.offset;
          return true;
        }
        used += w;
        out.push_back(std::move(r));
        end = out.back().offset + 1;
      }
      if (planning && used >= budget) {
        end = std::max(end, std::min(offset, range.to));
        return true;
      }
    }
  }
  end = std::max(end, std::min(offset, range.to));
  return true;
}

bool forwarder::plan_round() {
  if (_metadata_stale || wall_clock_ms() - _metadata_at_ms > metadata_max_age_ms || scan_local(false)) {
    if (!refresh_metadata()) return false;
  }
  struct candidate {
    int priority;
    log_range range;
  };
  std::vector<candidate> candidates;
  bool positions_changed = false;
  std::map<storage::log_id, std::pair<std::string, std::string>> logs;
  {
    std::lock_guard lock(_mutex);
    logs = _logs;
  }
  for (const auto& [log, names] : logs) {
    auto offsets = _store.offsets(log);
    if (!offsets) continue;
    const std::int64_t log_start = offsets->log_start.value();  // positions are plain integers
    auto pos_it = _state.positions.find(log);
    if (pos_it == _state.positions.end()) {
      // A topic new to the link starts at its log start (MirrorMaker's earliest).
      pos_it = _state.positions.emplace(log, log_start).first;
      positions_changed = true;
    }
    if (pos_it->second < log_start) {
      std::uint64_t lost = static_cast<std::uint64_t>(log_start - pos_it->second);
      _state.lost_records += lost;
      log::error("forward link '", _config.name, "': ", lost, " records of ", names.first,
                 " (offsets ", pos_it->second, "..", log_start - 1,
                 ") were deleted locally before they were forwarded; they are lost for the upstream");
      pos_it->second = log_start;
      positions_changed = true;
    }
    if (!topic_usable(names.second)) continue;
    std::int64_t end = offsets->high_watermark.value();
    if (end <= pos_it->second) continue;
    std::int32_t partition = 0;
    if (auto t = _store.find_topic(names.first))
      if (auto p = t->partition_of(log)) partition = p->value();
    if (_replicated && !_replicated->hosted(names.first, partition)) {
      stop_topic(names.second, "partition " + std::to_string(partition) + " of '" + names.first +
                                   "' has no replica on this broker (the controller, which runs the link): "
                                   "in a cluster, forwarded topics need a replica on every controller voter "
                                   "(replication factor = number of brokers)");
      continue;
    }
    candidates.push_back({_config.priority_of(names.first), {log, names.first, partition, pos_it->second, end}});
  }
  // Positions of logs that are gone (topic deleted) go too.
  for (auto it = _state.positions.begin(); it != _state.positions.end();) {
    if (!logs.contains(it->first) && !_store.offsets(it->first)) {
      it = _state.positions.erase(it);
      positions_changed = true;
    } else {
      ++it;
    }
  }
  if (candidates.empty()) {
    if (positions_changed) commit();
    return false;
  }
  // Highest priority first; equal priorities take turns leading, so none starves.
  ++_rotation;
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const candidate& a, const candidate& b) { return a.priority > b.priority; });
  for (std::size_t i = 0; i < candidates.size();) {
    std::size_t j = i;
    while (j < candidates.size() && candidates[j].priority == candidates[i].priority) ++j;
    std::rotate(candidates.begin() + static_cast<long>(i),
                candidates.begin() + static_cast<long>(i + _rotation % (j - i)),
                candidates.begin() + static_cast<long>(j));
    i = j;
  }
  std::size_t budget = _config.batch_max_bytes;
  if (_config.max_bandwidth_bytes_per_sec > 0)  // small rounds pace a metered link smoothly
    budget = std::min<std::size_t>(budget, std::max<std::int64_t>(4096, _config.max_bandwidth_bytes_per_sec / 4));

  std::unique_ptr<storage::read_txn> txn;
  if (auto ec = _store.begin_read(txn)) {
    set_error("store snapshot: " + ec.message());
    return false;
  }
  round_intent intent;
  std::vector<std::vector<record_batch::record>> records;
  std::vector<std::vector<std::uint8_t>> scratch;
  std::size_t used = 0;
  for (auto& c : candidates) {
    if (used >= budget) break;
    std::vector<record_batch::record> got;
    std::int64_t end = c.range.from;
    if (!read_range(*txn, c.range, budget - used, got, scratch, end)) return false;
    if (end <= c.range.from) continue;
    for (const auto& r : got) used += record_weight(r, c.range.topic);
    c.range.to = end;
    auto upstream = _config.upstream_name(c.range.topic);
    intent.partition_counts[upstream] = _upstream[upstream].partition_count;
    intent.ranges.push_back(c.range);
    records.push_back(std::move(got));
  }
  if (intent.ranges.empty()) return false;
  _state.intent = std::move(intent);
  // Build the batches now, from the records in hand (a restart rebuilds them from the store).
  round_builder builder(_config, _cluster_id, _state.producer_id, _state.producer_epoch,
                        _state.sequences, _state.intent->partition_counts);
  for (std::size_t i = 0; i < records.size(); ++i) builder.add(_state.intent->ranges[i], records[i]);
  txn.reset();
  if (auto ec = builder.finish({}, _round_batches)) {
    set_error("building upstream batches: " + ec.message());
    _state.intent.reset();
    return false;
  }
  _round_built = true;
  if (!commit()) {
    _state.intent.reset();
    _round_built = false;
    return false;
  }
  return true;
}

bool forwarder::build_round_batches() {
  TERN_ASSERT(_state.intent);
  std::unique_ptr<storage::read_txn> txn;
  if (auto ec = _store.begin_read(txn)) {
    set_error("store snapshot: " + ec.message());
    return false;
  }
  round_builder builder(_config, _cluster_id, _state.producer_id, _state.producer_epoch,
                        _state.sequences, _state.intent->partition_counts, _state.intent->upstream_has);
  std::vector<std::vector<std::uint8_t>> scratch;
  for (const auto& range : _state.intent->ranges) {
    if (!_state.intent->partition_counts.contains(_config.upstream_name(range.topic))) return false;
    if (_replicated) {
      // Planned on another broker: rebuilt only from the whole range, never from part of it.
      auto offsets = _store.offsets(range.log);
      if (!offsets || offsets->high_watermark.value() < range.to || offsets->log_start.value() > range.from) {
        set_error("the round in flight needs " + range.topic + "-" + std::to_string(range.partition) + " offsets " +
                      std::to_string(range.from) + ".." + std::to_string(range.to - 1) +
                      "; waiting for this broker's replica to have them committed",
                  false);
        return false;
      }
    }
    std::vector<record_batch::record> records;
    std::int64_t end = 0;
    if (!read_range(*txn, range, SIZE_MAX, records, scratch, end)) return false;
    builder.add(range, records);
  }
  if (auto ec = builder.finish(_state.intent->acked, _round_batches)) {
    set_error("building upstream batches: " + ec.message());
    return false;
  }
  _round_built = true;
  return true;
}

void forwarder::throttle(std::size_t bytes) {
  const std::int64_t rate = _config.max_bandwidth_bytes_per_sec;
  if (rate <= 0) return;
  std::int64_t now = mono_ns();
  if (_tokens_at_ns == 0) _tokens_at_ns = now;
  const double burst = std::max<double>(4096, static_cast<double>(rate) / 4);
  _tokens = std::min(burst, _tokens + static_cast<double>(now - _tokens_at_ns) * static_cast<double>(rate) / 1e9);
  _tokens_at_ns = now;
  _tokens -= static_cast<double>(bytes);
  if (_tokens < 0) {
    // Pay the debt before sending: the average stays at the cap, bursts stay under `burst`.
    auto wait = static_cast<std::int64_t>(-_tokens * 1000.0 / static_cast<double>(rate));
    wait_ms(wait);
  }
}

// Sends the round's batches until each upstream partition has answered; false after an error
// that needs a backoff (the round stays; the next call re-sends what is unanswered).
bool forwarder::send_round() {
  TERN_ASSERT(_state.intent);
  if (!_round_built && !build_round_batches()) return false;
  auto& intent = *_state.intent;
  // Drop what a stopped topic holds: its ranges do not advance, its sequences stay.
  // (Pointers into _round_batches, which stays as it is until this call returns.)
  std::vector<const upstream_batch*> pending;
  for (const auto& b : _round_batches) {
    if (std::find(intent.acked.begin(), intent.acked.end(), b.partition) != intent.acked.end()) continue;
    if (_stopped.contains(b.partition.first)) continue;
    pending.push_back(&b);
  }
  if (pending.empty()) {
    finish_round();
    return true;
  }
  // Group by leader.
  std::map<std::int32_t, std::vector<const upstream_batch*>> by_leader;
  bool missing_leader = false;
  for (const upstream_batch* b : pending) {
    auto it = _upstream.find(b->partition.first);
    std::int32_t leader = -1;
    if (it != _upstream.end() && b->partition.second < static_cast<std::int32_t>(it->second.leaders.size()))
      leader = it->second.leaders[static_cast<std::size_t>(b->partition.second)];
    // (When the upstream topic's partition count changed under a planned round, the round keeps
    // the old count: its batches must stay identical. New rounds use the new one.)
    if (leader < 0) {
      _metadata_stale = true;
      missing_leader = true;
      continue;
    }
    by_leader[leader].push_back(b);
  }
  if (by_leader.empty()) {
    refresh_metadata();
    return false;
  }
  struct in_flight {
    std::int32_t leader;
    client::kafka_connection* conn;
    std::vector<const upstream_batch*> batches;
    std::size_t bytes = 0;
  };
  std::vector<in_flight> sent;
  bool failed = false;
  for (auto& [leader, batches] : by_leader) {
    client::kafka_connection* conn = nullptr;
    if (auto ec = _client->connection_to(leader, conn)) {
      set_error(_client->describe(leader, ec));
      _client->drop_connection(leader);
      _metadata_stale = true;
      failed = true;
      continue;
    }
    kafka::produce_request request;
    request.acks = -1;
    request.timeout_ms = static_cast<std::int32_t>(_config.request_timeout_ms);
    std::size_t bytes = 0;
    for (const auto* b : batches) {
      auto t = std::find_if(request.topic_data.begin(), request.topic_data.end(),
                            [&](const auto& x) { return x.name == b->partition.first; });
      if (t == request.topic_data.end()) {
        request.topic_data.push_back({b->partition.first, {}});
        t = std::prev(request.topic_data.end());
      }
      t->partition_data.push_back({b->partition.second, wire::bytes_view(b->bytes)});
      bytes += b->bytes.size();
    }
    throttle(bytes);
    if (_worker.stopping()) return false;
    conn->set_timeout(std::chrono::milliseconds(_config.request_timeout_ms + 5000));
    std::int16_t v = std::min(conn->version_for(kafka::api_key::produce), produce_version_max);
    if (auto ec = conn->send(request, v)) {
      set_error(_client->describe(leader, ec));
      _client->drop_connection(leader);
      failed = true;
      continue;
    }
    sent.push_back({leader, conn, batches, bytes});
  }
  bool producer_reset = false;
  for (auto& f : sent) {
    kafka::produce_response response;
    if (auto ec = f.conn->receive(response)) {
      set_error(_client->describe(f.leader, ec));
      _client->drop_connection(f.leader);
      _metadata_stale = true;
      failed = true;
      continue;
    }
    for (const auto& t : response.responses) {
      for (const auto& p : t.partition_responses) {
        upstream_partition tp{t.name, p.index};
        const upstream_batch* batch = nullptr;
        for (const auto* b : f.batches)
          if (b->partition == tp) batch = b;
        if (!batch) continue;
        std::int16_t code = p.error_code;
        if (code == 0 || code == 46 /* DUPLICATE_SEQUENCE_NUMBER: stored before */) {
          intent.acked.push_back(tp);
          std::lock_guard lock(_mutex);
          _state.forwarded_records += static_cast<std::uint64_t>(batch->record_count);
          _state.forwarded_bytes += batch->bytes.size();
        } else if (producer_lost(code)) {
          producer_reset = true;
          set_error("upstream " + tp.first + "-" + std::to_string(tp.second) + ": " + error_text(code));
        } else if (topic_fatal(code)) {
          stop_topic(tp.first, "upstream topic '" + tp.first + "' partition " + std::to_string(tp.second) +
                                   " refused records: " + error_text(code) +
                                   (code != 10                ? ""
                                    : batch->record_count == 1 ? " (the record is larger than the upstream's max.message.bytes)"
                                                               : " (lower forward." + _config.name +
                                                                     ".batch.max.bytes below the upstream's max.message.bytes)"));
        } else {
          // NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, timeouts, NOT_ENOUGH_REPLICAS, an
          // upstream restarting: retry after fresh metadata.
          set_error("upstream " + tp.first + "-" + std::to_string(tp.second) + ": " + error_text(code), false);
          _metadata_stale = true;
          failed = true;
        }
      }
    }
  }
  if (producer_reset) {
    // The upstream forgot us: a new producer id; acknowledged partitions of this round stay
    // acknowledged (persisted with the new id before anything is sent under it).
    ++_state.producer_resets;
    std::vector<upstream_partition> unacked;
    for (const auto& b : _round_batches)
      if (std::find(intent.acked.begin(), intent.acked.end(), b.partition) == intent.acked.end())
        unacked.push_back(b.partition);
    // What of this round did the upstream store before it forgot us? Its tails tell, by origin.
    if (!read_upstream_tails(unacked)) {
      _state.producer_resets--;  // not reset yet: try again after a backoff
      return false;
    }
    log::warn("forward link '", _config.name, "': the upstream lost this link's producer state; ",
              "taking a new producer id (", intent.upstream_has.size(),
              " partitions found holding part of the round in flight; that part is not sent again)");
    _state.producer_id = -1;
    if (!init_producer()) return false;  // commits the new id with the acked list
    _round_built = false;
    return false;
  }
  if (_metadata_stale && !_worker.stopping()) refresh_metadata();
  if (failed || missing_leader) return false;
  // Everything answered (or stopped): the round is done once nothing unacked is left.
  bool left = false;
  for (const auto& b : _round_batches)
    if (std::find(intent.acked.begin(), intent.acked.end(), b.partition) == intent.acked.end() &&
        !_stopped.contains(b.partition.first))
      left = true;
  if (!left) finish_round();
  return true;
}

// Reads the tail of each upstream partition in `partitions` (from its end back by twice what
// this round sends there, plus 1,000 records) and records in the intent, per local log of the
// round, the highest offset whose origin header names this gateway. Per upstream partition a
// local log's records arrive in offset order, so everything up to that offset is held upstream.
bool forwarder::read_upstream_tails(const std::vector<upstream_partition>& partitions) {
  auto& intent = *_state.intent;
  std::map<std::pair<std::string, std::int32_t>, storage::log_id> logs;  // local topic, partition
  for (const auto& r : intent.ranges) logs[{r.topic, r.partition}] = r.log;
  for (const auto& tp : partitions) {
    auto it = _upstream.find(tp.first);
    if (it == _upstream.end() || tp.second >= static_cast<std::int32_t>(it->second.leaders.size())) return false;
    std::int32_t leader = it->second.leaders[static_cast<std::size_t>(tp.second)];
    client::kafka_connection* conn = nullptr;
    if (leader < 0 || _client->connection_to(leader, conn)) return false;
    std::int64_t window = 1000;
    for (const auto& b : _round_batches)
      if (b.partition == tp) window += 2 * static_cast<std::int64_t>(b.record_count);
    std::int64_t ends[2] = {-1, -1};  // earliest, latest
    for (int i = 0; i < 2; ++i) {
      kafka::list_offsets_request request;
      request.topics.push_back({tp.first, {{tp.second, i == 0 ? kafka::list_offsets_request::earliest_timestamp
                                                              : kafka::list_offsets_request::latest_timestamp, 1}}});
      kafka::list_offsets_response response;
      std::int16_t v = std::min<std::int16_t>(conn->version_for(kafka::api_key::list_offsets), 3);
      if (v < 1 || conn->call(request, v, response)) return false;
      for (const auto& t : response.topics)
        for (const auto& p : t.partitions)
          if (p.error_code == 0) ends[i] = p.offset;
    }
    if (ends[0] < 0 || ends[1] < 0) return false;
    std::int64_t offset = std::max(ends[0], ends[1] - window);
    std::map<storage::log_id, std::int64_t> found;
    for (int round_trips = 0; offset < ends[1] && round_trips < 64; ++round_trips) {
      kafka::fetch_request request;
      request.max_bytes = 8 << 20;
      request.topics.push_back({tp.first, {}});
      kafka::fetch_request::partition fp;
      fp.partition = tp.second;
      fp.fetch_offset = offset;
      fp.partition_max_bytes = 8 << 20;
      request.topics.back().partitions.push_back(fp);
      kafka::fetch_response response;
      std::int16_t v = std::min<std::int16_t>(conn->version_for(kafka::api_key::fetch), 11);
      if (v < kafka::fetch_request::min_version || conn->call(request, v, response)) return false;
      std::int64_t next = offset;
      for (const auto& t : response.responses)
        for (const auto& p : t.partitions) {
          if (p.error_code != 0) return false;
          for (auto blob : p.record_batches) {
            while (!blob.empty()) {
              record_batch::batch_header h;
              if (record_batch::parse_header(blob, h) || h.total_size() > blob.size()) break;
              auto one = blob.first(h.total_size());
              blob = blob.subspan(h.total_size());
              next = std::max(next, h.last_offset() + 1);
              std::vector<record_batch::record> records;
              std::vector<std::uint8_t> scratch;
              if (h.control() || record_batch::decode_records(one, records, scratch, decompressed_batch_max))
                continue;
              for (const auto& r : records)
                for (const auto& header : r.headers) {
                  if (header.key != origin_header_key || !header.value) continue;
                  std::string cluster, topic;
                  std::int32_t partition = 0;
                  std::int64_t origin = 0;
                  std::string_view value(reinterpret_cast<const char*>(header.value->data()), header.value->size());
                  if (!parse_origin(value, cluster, topic, partition, origin) || cluster != _cluster_id) continue;
                  auto log = logs.find({topic, partition});
                  if (log != logs.end()) found[log->second] = std::max(found[log->second], origin);
                }
            }
          }
        }
      if (next <= offset) break;  // nothing more readable
      offset = next;
    }
    for (auto [log, through] : found) intent.upstream_has.push_back({tp, log, through});
  }
  return true;
}

void forwarder::finish_round() {
  auto& intent = *_state.intent;
  for (const auto& range : intent.ranges) {
    auto upstream = _config.upstream_name(range.topic);
    if (_stopped.contains(upstream)) continue;  // not sent: stays where it was
    _state.positions[range.log] = range.to;
  }
  for (const auto& b : _round_batches) {
    if (std::find(intent.acked.begin(), intent.acked.end(), b.partition) == intent.acked.end()) continue;
    _state.sequences[b.partition] = advance_sequence(b.base_sequence, b.record_count);
  }
  _state.intent.reset();
  _round_batches.clear();
  _round_built = false;
  _backoff_ms = 0;
  commit();
  publish_progress();
}

void forwarder::publish_progress() {
  std::lock_guard lock(_mutex);
  std::int64_t now = wall_clock_ms();
  _samples.push_back({now, _state.forwarded_records, _state.forwarded_bytes});
  while (_samples.size() > 2 && now - _samples[1].at_ms > 10000) _samples.erase(_samples.begin());
  if (_status.state != "connected") _status.state = "connected";
}

// ---- main loop ----

void forwarder::run() {
  std::vector<std::uint8_t> value;
  bool found = false;
  if (_replicated) {
    if (!load_replicated()) {
      set_state("stopped");
      return;
    }
  } else if (auto ec = _store.get_checkpoint(_checkpoint_name, value, found)) {
    log::error("forward link '", _config.name, "': reading its checkpoint: ", ec.message());
  } else if (found && !_state.decode(value)) {
    log::error("forward link '", _config.name,
               "': its checkpoint is damaged; starting over from the start of each local log "
               "(records still stored may reach the upstream twice)");
    _state = link_state{};
  }
  publish_state();
  if (_state.intent)
    log::info("forward link '", _config.name, "': re-sending the round in flight at the last stop (",
              _state.intent->ranges.size(), " partitions)");
  scan_local(true);
  bool idle = true;
  while (!_worker.stopping()) {
    if (_reload && !load_replicated()) break;
    if (!_client && !connect()) {
      backoff();
      continue;
    }
    if (_state.producer_id < 0 && !init_producer()) {
      disconnect();
      backoff();
      continue;
    }
    // Stopped topics are retried every reconnect.backoff.max.ms (the user may have fixed them).
    for (auto it = _stopped.begin(); it != _stopped.end();) {
      if (wall_clock_ms() - it->second.second >= _config.reconnect_backoff_max_ms) {
        it = _stopped.erase(it);
        _metadata_stale = true;
        publish_stopped();
      } else {
        ++it;
      }
    }
    if (!_state.intent) {
      if (_metadata_stale && !refresh_metadata()) {
        disconnect();
        backoff();
        continue;
      }
      if (!plan_round()) {
        idle = true;
        wait_ms(idle_poll_ms);
        continue;
      }
      if (idle && _config.linger_ms > 0 && _round_batches.size() < 2) {
        // Coming out of idle with a small round: nothing is lost by sending it now, but a
        // trickle would cost a round trip per record. The round is already committed, so it is
        // sent as planned; lingering only delays it.
        wait_ms(_config.linger_ms);
      }
      idle = false;
    }
    if (!send_round()) {
      if (_worker.stopping()) break;
      backoff();
      if (_state.producer_id >= 0 && _client && !_client->bootstrap_connection().is_open()) disconnect();
      continue;
    }
  }
  set_state("stopped");
}

link_status forwarder::status() const {
  link_status s;
  std::map<storage::log_id, std::int64_t> positions;
  std::map<storage::log_id, std::pair<std::string, std::string>> logs;
  std::map<std::string, std::string> stopped_copy;
  {
    std::lock_guard lock(_mutex);
    s = _status;
    positions = _positions;
    logs = _logs;
    stopped_copy = _stopped_view;
    if (_samples.size() >= 2) {
      const auto& a = _samples.front();
      const auto& b = _samples.back();
      double secs = static_cast<double>(std::max<std::int64_t>(b.at_ms - a.at_ms, 1)) / 1000.0;
      s.records_per_sec = static_cast<double>(b.records - a.records) / secs;
      s.bytes_per_sec = static_cast<double>(b.bytes - a.bytes) / secs;
    }
  }
  std::map<std::string, forward_topic_status> topics;
  std::int64_t now = wall_clock_ms();
  std::unique_ptr<storage::read_txn> txn;
  (void)_store.begin_read(txn);
  for (const auto& [log, names] : logs) {
    auto& t = topics[names.first];
    t.topic = names.first;
    t.upstream = names.second;
    if (auto why = stopped_copy.find(names.second); why != stopped_copy.end()) t.error = why->second;
    auto offsets = _store.offsets(log);
    if (!offsets) continue;
    auto pos_it = positions.find(log);
    ids::offset pos = pos_it == positions.end() ? offsets->log_start
                                                : std::max(ids::offset{pos_it->second}, offsets->log_start);
    std::int64_t behind = std::max<std::int64_t>(0, offsets->high_watermark - pos);
    t.backlog_records += behind;
    s.backlog_records += behind;
    std::int64_t span = offsets->log_end - offsets->log_start;
    if (span > 0)
      s.backlog_bytes += static_cast<std::int64_t>(static_cast<double>(offsets->size_bytes) *
                                                   static_cast<double>(behind) / static_cast<double>(span));
    if (behind > 0 && txn) {
      std::vector<storage::bytes_view> batches;
      std::size_t bytes = 0;
      if (!txn->read(log, pos, 1, offsets->high_watermark, batches, bytes) && !batches.empty()) {
        record_batch::batch_header h;
        if (!record_batch::parse_header(batches.front(), h) && h.max_timestamp >= 0) {
          std::int64_t age = std::max<std::int64_t>(0, now - h.base_timestamp);
          s.oldest_unforwarded_age_ms = std::max(s.oldest_unforwarded_age_ms, age);
        }
      }
    }
  }
  for (auto& [name, t] : topics) s.topics.push_back(std::move(t));
  return s;
}

}  // namespace tern::forward
