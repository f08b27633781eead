#include "replication/follower_fetcher.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "app/log.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/fetch.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/offset_for_leader_epoch.h"

namespace tern::replication {
namespace {

constexpr std::int16_t epoch_request_version = 3;  // replica_id and current_leader_epoch
constexpr std::int16_t list_offsets_version = 1;   // replica_id, one (timestamp, offset) answer
constexpr std::int16_t fetch_version_min = 9;      // current_leader_epoch
constexpr std::int16_t fetch_version_max = 12;  // v12: flexible, smaller frames
constexpr std::int64_t idle_wait_ms = 100;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Runs one asynchronous store call and waits for its callback. The fetcher thread is not the
// store's writer thread, so waiting here cannot deadlock it.
template <typename Start>
std::error_code wait_store(Start start) {
  std::promise<std::error_code> promise;
  auto result = promise.get_future();
  start([&promise](std::error_code ec) { promise.set_value(ec); });
  return result.get();
}

template <typename Topics, typename Partition>
Partition& add_partition(Topics& topics, const std::string& name) {
  auto it = std::find_if(topics.begin(), topics.end(), [&](const auto& t) { return t.topic == name; });
  if (it == topics.end()) {
    topics.emplace_back().topic = name;
    it = topics.end() - 1;
  }
  return it->partitions.emplace_back();
}

}  // namespace

// A partition's answer from one Fetch, with the offset it was asked from.
struct follower_fetcher::fetch_context {
  ids::offset fetch_offset{0};
  const kafka::fetch_response::partition* answer = nullptr;
};

follower_fetcher::follower_fetcher(storage::log_store& store, fetcher_options options,
                                   error_callback on_error)
    : _store(store), _options(std::move(options)), _on_error(std::move(on_error)) {}

follower_fetcher::~follower_fetcher() { stop(); }

void follower_fetcher::start() {
  std::lock_guard lock(_mutex);
  if (_thread.joinable() || _stopping) return;
  _thread = std::thread([this] { run(); });
}

void follower_fetcher::stop() {
  {
    std::lock_guard lock(_mutex);
    _stopping = true;
  }
  _wake.notify_all();
  if (_thread.joinable()) _thread.join();
}

std::error_code follower_fetcher::add_partitions(const std::vector<followed_partition>& partitions) {
  {
    std::lock_guard lock(_mutex);
    std::size_t added = 0;
    for (const auto& p : partitions) added += _partitions.count({p.topic, p.partition}) ? 0 : 1;
    if (_partitions.size() + added > _options.partitions_max)
      return replication_errc::too_many_partitions;
    for (const auto& p : partitions) {
      entry e;
      e.status.partition = p;
      e.generation = _next_generation++;
      _partitions[{p.topic, p.partition}] = std::move(e);
    }
  }
  _wake.notify_all();
  return {};
}

void follower_fetcher::remove_partitions(
    const std::vector<std::pair<std::string, ids::partition_index>>& partitions) {
  std::lock_guard lock(_mutex);
  for (const auto& k : partitions) _partitions.erase(k);
}

std::size_t follower_fetcher::partition_count() const {
  std::lock_guard lock(_mutex);
  return _partitions.size();
}

std::vector<partition_status> follower_fetcher::status() const {
  std::vector<partition_status> out;
  {
    std::lock_guard lock(_mutex);
    for (const auto& [k, e] : _partitions) out.push_back(e.status);
  }
  for (auto& s : out) {
    if (auto off = _store.offsets(s.partition.log)) {
      s.log_end = off->log_end;
      s.high_watermark = off->high_watermark;
    }
  }
  return out;
}

bool follower_fetcher::wait_for(std::int64_t ms) {
  std::unique_lock lock(_mutex);
  _wake.wait_for(lock, std::chrono::milliseconds(ms), [&] { return _stopping; });
  return !_stopping;
}

void follower_fetcher::run() {
  std::int64_t backoff_ms = 0;
  std::error_code last_logged;
  for (;;) {
    {
      std::lock_guard lock(_mutex);
      if (_stopping) break;
    }
    if (partition_count() == 0) {
      _connection.close();
      if (!wait_for(idle_wait_ms)) break;
      continue;
    }
    reports out;
    std::error_code ec = ensure_connected();
    if (!ec) ec = truncation_round(out);
    if (!ec) ec = resolve_out_of_range(out);
    if (!ec) ec = fetch_round(out);
    report(out);
    if (!ec) {
      if (last_logged) log::info("replicas: fetching from broker ", _options.leader, " again");
      last_logged = {};
      backoff_ms = 0;
      continue;
    }
    // Once per distinct error: a leader that stays unreachable (or refuses our certificate)
    // must be visible in the log, not only in the partitions' status.
    if (ec != last_logged) {
      log::warn("replicas: fetching from broker ", _options.leader, " at ", _options.host, ":",
                _options.port, " failed: ", ec.message(),
                _connection.error_detail().empty() ? "" : " (" + _connection.error_detail() + ")");
      last_logged = ec;
    }
    _connection.close();
    {
      std::lock_guard lock(_mutex);
      for (auto& [k, e] : _partitions)
        if (e.status.phase != fetch_phase::paused) e.status.last_error = ec;
    }
    backoff_ms = std::clamp(backoff_ms * 2, _options.backoff_min_ms, _options.backoff_max_ms);
    if (!wait_for(backoff_ms)) break;
  }
  _connection.close();
}

std::error_code follower_fetcher::ensure_connected() {
  if (_connection.is_open()) return {};
  _connection.set_client_id(_options.client_id);
  _connection.set_tls(_options.tls);
  _connection.set_timeout(std::chrono::milliseconds(_options.max_wait_ms + _options.request_slack_ms));
  if (auto ec = _connection.connect(_options.host, _options.port,
                                    std::chrono::milliseconds(_options.connect_timeout_ms)))
    return ec;
  std::int16_t v = _connection.version_for(kafka::api_key::fetch);
  if (v < fetch_version_min) {
    _connection.close();
    return replication_errc::unsupported_version;
  }
  _fetch_version = std::min(v, fetch_version_max);
  return {};
}

std::vector<follower_fetcher::work_item> follower_fetcher::take_work(fetch_phase phase) {
  std::vector<work_item> out;
  std::int64_t now = now_ms();
  std::lock_guard lock(_mutex);
  for (const auto& [k, e] : _partitions)
    if (e.status.phase == phase && e.retry_after_ms <= now)
      out.push_back({k, e.generation, e.status.partition});
  return out;
}

follower_fetcher::entry* follower_fetcher::find_current(const work_item& w) {
  auto it = _partitions.find(w.k);
  return it != _partitions.end() && it->second.generation == w.generation ? &it->second : nullptr;
}

void follower_fetcher::delay(entry& e, std::error_code ec) {
  e.status.last_error = ec;
  e.backoff_ms = std::clamp(e.backoff_ms * 2, _options.backoff_min_ms, _options.backoff_max_ms);
  e.retry_after_ms = now_ms() + e.backoff_ms;
}

void follower_fetcher::pause(entry& e, std::error_code ec, reports& out) {
  e.status.phase = fetch_phase::paused;
  e.status.last_error = ec;
  out.emplace_back(e.status.partition, ec);
}

void follower_fetcher::report(reports& out) {
  if (!_on_error) return;
  for (const auto& [p, ec] : out) _on_error(p, ec);
}

// A leader's per-partition error: the fencing family pauses the partition for the broker to
// refresh its metadata; out of range is resolved next round; anything else is retried later.
bool follower_fetcher::leader_error(entry& e, std::int16_t error, reports& out) {
  e.status.last_leader_error = error;
  switch (error) {
    case wire_codes::none: return false;
    case wire_codes::fenced_leader_epoch:
      pause(e, replication_errc::fenced_leader_epoch, out);
      break;
    case wire_codes::unknown_leader_epoch:
      pause(e, replication_errc::unknown_leader_epoch, out);
      break;
    case wire_codes::not_leader_or_follower:
      pause(e, replication_errc::not_leader_or_follower, out);
      break;
    case wire_codes::unknown_topic_or_partition:
      pause(e, replication_errc::leader_error, out);
      break;
    case wire_codes::offset_out_of_range:
      e.status.phase = fetch_phase::out_of_range;
      e.status.last_error = replication_errc::offset_out_of_range;
      break;
    default:
      delay(e, replication_errc::leader_error);
  }
  return true;
}

// One OffsetForLeaderEpoch exchange for every partition in the truncating phase. Partitions
// without a local epoch skip it: they cut to their high watermark (Kafka's rule for a log that
// has no epochs) and go on fetching.
std::error_code follower_fetcher::truncation_round(reports& out) {
  std::vector<work_item> work = take_work(fetch_phase::truncating);
  if (work.empty()) return {};
  kafka::offset_for_leader_epoch_request request;
  request.replica_id = _options.self.value();
  std::map<key, work_item> asked;
  for (const auto& w : work) {
    auto off = _store.offsets(w.partition.log);
    if (off && off->last_epoch >= ids::leader_epoch{0}) {
      auto& p = add_partition<decltype(request.topics),
                              kafka::offset_for_leader_epoch_request::partition>(request.topics,
                                                                                 w.k.first);
      p.partition = w.k.second.value();
      p.current_leader_epoch = w.partition.leader_epoch.value();
      p.leader_epoch = off->last_epoch.value();
      asked.emplace(w.k, w);
      continue;
    }
    std::lock_guard lock(_mutex);
    entry* e = find_current(w);
    if (!e) continue;
    if (!off) {
      pause(*e, storage::storage_errc::unknown_partition, out);
      continue;
    }
    std::error_code ec;
    if (off->high_watermark < off->log_end)
      ec = wait_store([&](auto done) { _store.truncate(w.partition.log, off->high_watermark, done); });
    if (ec) delay(*e, ec);
    else e->status.phase = fetch_phase::fetching;
  }
  if (asked.empty()) return {};
  kafka::offset_for_leader_epoch_response response;
  if (auto ec = _connection.call(request, epoch_request_version, response)) return ec;
  std::lock_guard lock(_mutex);
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      auto it = asked.find({t.topic, ids::partition_index{p.partition}});
      if (it == asked.end()) continue;
      entry* e = find_current(it->second);
      asked.erase(it);  // a duplicate answer is ignored
      if (e && e->status.phase == fetch_phase::truncating)
        apply_epoch_answer(*e, p.error_code,
                           {ids::leader_epoch{p.leader_epoch}, ids::offset{p.end_offset}}, out);
    }
  }
  return {};
}

// Cuts the local log where the leader's answer says (decide_truncation) and moves on to
// fetching, or stays for another round when the leader answered with an epoch we lack.
void follower_fetcher::apply_epoch_answer(entry& e, std::int16_t error, epoch_end_offset leader,
                                          reports& out) {
  if (leader_error(e, error, out)) return;
  const storage::log_id log = e.status.partition.log;
  auto off = _store.offsets(log);
  if (!off) return pause(e, storage::storage_errc::unknown_partition, out);
  epoch_end_offset local;
  if (leader.epoch >= ids::leader_epoch{0} && leader.end_offset >= ids::offset{0}) {
    std::unique_ptr<storage::read_txn> txn;
    std::error_code ec = _store.begin_read(txn);
    if (!ec) ec = txn->end_offset_for_epoch(log, leader.epoch, local.epoch, local.end_offset);
    if (ec) return delay(e, ec);
  }
  truncation_decision d = decide_truncation(leader, local, off->log_end, off->high_watermark);
  if (d.truncate_to < off->log_end) {
    std::error_code ec = wait_store([&](auto done) { _store.truncate(log, d.truncate_to, done); });
    if (ec) return delay(e, ec);
  }
  if (d.complete) {
    e.status.phase = fetch_phase::fetching;
    e.truncation_rounds = 0;
  } else if (++e.truncation_rounds >= _options.truncation_rounds_max) {
    pause(e, replication_errc::truncation_failed, out);
  }
}

// OFFSET_OUT_OF_RANGE: when the leader's log starts past our end, start over at its start;
// otherwise our log runs ahead or diverges, which the truncating phase resolves.
std::error_code follower_fetcher::resolve_out_of_range(reports& out) {
  std::vector<work_item> work = take_work(fetch_phase::out_of_range);
  if (work.empty()) return {};
  kafka::list_offsets_request request;
  request.replica_id = _options.self.value();
  std::map<key, work_item> asked;
  for (const auto& w : work) {
    auto it = std::find_if(request.topics.begin(), request.topics.end(),
                           [&](const auto& t) { return t.name == w.k.first; });
    if (it == request.topics.end()) {
      request.topics.emplace_back().name = w.k.first;
      it = request.topics.end() - 1;
    }
    it->partitions.push_back(
        {w.k.second.value(), kafka::list_offsets_request::earliest_timestamp, 1});
    asked.emplace(w.k, w);
  }
  kafka::list_offsets_response response;
  if (auto ec = _connection.call(request, list_offsets_version, response)) return ec;
  std::lock_guard lock(_mutex);
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      auto it = asked.find({t.name, ids::partition_index{p.partition_index}});
      if (it == asked.end()) continue;
      entry* e = find_current(it->second);
      asked.erase(it);
      if (!e || e->status.phase != fetch_phase::out_of_range) continue;
      if (leader_error(*e, p.error_code, out)) {
        if (e->status.phase == fetch_phase::out_of_range) delay(*e, e->status.last_error);
        continue;
      }
      auto off = _store.offsets(e->status.partition.log);
      if (!off) {
        pause(*e, storage::storage_errc::unknown_partition, out);
      } else if (ids::offset{p.offset} > off->log_end) {
        std::error_code ec = wait_store(
            [&](auto done) { _store.reset(e->status.partition.log, ids::offset{p.offset}, done); });
        if (ec) delay(*e, ec);
        else e->status.phase = fetch_phase::fetching;
      } else {
        e->status.phase = fetch_phase::truncating;
        delay(*e, replication_errc::offset_out_of_range);  // no hot loop if nothing is cut
      }
    }
  }
  return {};
}

// One Fetch for every partition in the fetching phase, from each local log end; the answer is
// applied under the lock (see the header: remove_partitions waits for it).
std::error_code follower_fetcher::fetch_round(reports& out) {
  std::vector<work_item> work = take_work(fetch_phase::fetching);
  kafka::fetch_request request;
  request.replica_id = _options.self.value();
  request.max_wait_ms = _options.max_wait_ms;
  request.min_bytes = _options.min_bytes;
  request.max_bytes = _options.max_bytes;
  request.isolation_level = 0;
  std::map<key, std::pair<work_item, ids::offset>> asked;
  for (const auto& w : work) {
    auto off = _store.offsets(w.partition.log);
    if (!off) {
      std::lock_guard lock(_mutex);
      if (entry* e = find_current(w)) pause(*e, storage::storage_errc::unknown_partition, out);
      continue;
    }
    auto& p = add_partition<decltype(request.topics), kafka::fetch_request::partition>(
        request.topics, w.k.first);
    p.partition = w.k.second.value();
    p.current_leader_epoch = w.partition.leader_epoch.value();
    p.fetch_offset = off->log_end.value();
    p.log_start_offset = off->log_start.value();
    p.partition_max_bytes = _options.partition_max_bytes;
    asked.emplace(w.k, std::pair{w, off->log_end});
  }
  if (asked.empty()) {
    wait_for(idle_wait_ms);
    return {};
  }
  kafka::fetch_response response;
  if (auto ec = _connection.call(request, _fetch_version, response)) return ec;
  if (response.error_code != 0) return replication_errc::leader_error;  // e.g. a session error
  std::lock_guard lock(_mutex);
  for (const auto& t : response.responses) {
    for (const auto& p : t.partitions) {
      auto it = asked.find({t.topic, ids::partition_index{p.partition_index}});
      if (it == asked.end()) continue;
      entry* e = find_current(it->second.first);
      fetch_context f{it->second.second, &p};
      asked.erase(it);
      if (e && e->status.phase == fetch_phase::fetching) apply_fetched(*e, f, out);
    }
  }
  return {};
}

// Appends the whole, valid batches of one partition's answer as a replica append, then sets the
// local high watermark to min(leader HW, local log end).
void follower_fetcher::apply_fetched(entry& e, const fetch_context& f, reports& out) {
  const auto& answer = *f.answer;
  if (leader_error(e, answer.error_code, out)) return;
  const storage::log_id log = e.status.partition.log;
  auto off = _store.offsets(log);
  if (!off) return pause(e, storage::storage_errc::unknown_partition, out);
  if (off->log_end != f.fetch_offset) return;  // the log moved since the request: ask again
  fetched_batches got;
  std::error_code split_ec;
  if (!answer.record_batches.empty())
    split_ec = take_fetched_batches(answer.record_batches.front(), off->log_end, got);
  ids::offset log_end = off->log_end;
  if (!got.batches.empty()) {
    storage::append_request a;
    a.log = log;
    a.batches = got.batches;  // views into the connection's last frame, alive until we return
    a.replica = true;
    a.allow_offset_gaps = got.has_gaps;
    std::error_code ec = wait_store([&](auto done) {
      a.done = [done](const storage::append_result& r) { done(r.error); };
      _store.append(std::move(a));
    });
    if (ec == storage::storage_errc::fenced_leader_epoch) return pause(e, ec, out);
    if (ec == storage::storage_errc::offset_mismatch) e.status.phase = fetch_phase::truncating;
    if (ec) return delay(e, ec);
    log_end = got.next_offset;
  }
  const ids::offset leader_high_watermark{answer.high_watermark};
  e.status.leader_high_watermark = leader_high_watermark;
  if (leader_high_watermark >= ids::offset{0}) {
    _store.set_high_watermark(log, std::min(leader_high_watermark, log_end));
    e.status.lag = std::max<std::int64_t>(0, leader_high_watermark - log_end);
  }
  if (split_ec) return delay(e, split_ec);
  e.status.last_error = {};
  e.status.last_leader_error = 0;
  e.backoff_ms = 0;
}

}  // namespace tern::replication
