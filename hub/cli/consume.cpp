// `tern consume`: print records of a topic, like kafka-console-consumer: --from-beginning /
// --offset, --partition, --max-messages, --timeout-ms, the formatter properties print.key,
// print.offset, print.partition, print.timestamp, print.headers, key.separator, line.separator,
// null.literal, and --group G: join consumer group G (range assignor), read the partitions it
// assigns starting at the committed offsets, and commit after every batch printed and on exit.
//
// A lost hub (restarted, or a network blip) is not the end: the consumer says so on stderr,
// retries with a jittered backoff growing from 100 ms to 10 s (librdkafka's reconnect.backoff.ms
// and reconnect.backoff.max.ms), says when the hub is back and goes on from the next record it
// would have printed; in a group it rejoins (a restarted hub has forgotten its members) and
// resumes from the committed offsets, having committed what it printed first. Errors retrying
// cannot fix (an unknown topic, authorization, TLS or SASL refused, a corrupt batch) end it with
// exit code 1, as before.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "client/consumer.h"
#include "client/group_admin.h"
#include "client/group_member.h"
#include "client/reconnect_backoff.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "consume";

struct formatter {
  bool key = false, offset = false, partition = false, timestamp = false, headers = false;
  std::string key_separator = "\t", line_separator = "\n", null_literal = "null";

  void print(std::int32_t p, const record_batch::record& r, std::string& out) const {
    auto text = [&](const std::optional<record_batch::bytes_view>& b) {
      if (!b) return null_literal;
      return std::string(reinterpret_cast<const char*>(b->data()), b->size());
    };
    if (timestamp) out += "CreateTime:" + std::to_string(r.timestamp) + key_separator;
    if (partition) out += "Partition:" + std::to_string(p) + key_separator;
    if (offset) out += "Offset:" + std::to_string(r.offset) + key_separator;
    if (headers) {
      std::string h;
      for (const auto& hd : r.headers) h += (h.empty() ? "" : ",") + hd.key + ":" + text(hd.value);
      out += (r.headers.empty() ? "NO_HEADERS" : h) + key_separator;
    }
    if (key) out += text(r.key) + key_separator;
    out += text(r.value);
    out += line_separator;
  }
};

// Set by SIGINT/SIGTERM in group mode: the loop then commits, leaves the group and exits 0. The
// handler restores the default action, so a second signal ends the process at once (e.g. while
// a JoinGroup is still waiting for the rest of the group).
volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int sig) {
  stop_signal = 1;
  std::signal(sig, SIG_DFL);
}

// The link to the hub while calls fail for reasons that may pass (call_status::retriable): says
// once on stderr that it was lost, waits a growing, jittered backoff between attempts, and says
// when it is back.
class reconnection {
 public:
  // A retriable failure: reports the first of an outage, then sleeps the next backoff (in short
  // steps, returning early once `stop` turns true).
  void failed(const std::string& error, const std::function<bool()>& stop = {}) {
    if (!_lost) {
      _lost = true;
      _since = std::chrono::steady_clock::now();
      std::cerr << "tern " << cmd << ": lost the connection to the hub (" << error
                << "); reconnecting, retrying with a backoff of up to "
                << client::reconnect_backoff::max_default.count() / 1000 << " s\n";
    }
    const auto until = std::chrono::steady_clock::now() + _backoff.next();
    while (std::chrono::steady_clock::now() < until && !(stop && stop())) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    }
  }
  // A call succeeded: after an outage, says the hub is back.
  void succeeded(const client::cluster_client& client) {
    _backoff.reset();
    if (!_lost) return;
    _lost = false;
    auto s = std::chrono::duration<double>(std::chrono::steady_clock::now() - _since).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f", s);
    std::cerr << "tern " << cmd << ": reconnected to the hub at " << client.bootstrap_address()
              << " after " << took << " s; resuming\n";
  }
  bool lost() const { return _lost; }

 private:
  client::reconnect_backoff _backoff;
  bool _lost = false;
  std::chrono::steady_clock::time_point _since{};
};

struct run_limits {
  std::int64_t max_messages = -1;  // < 0: no limit
  std::int64_t timeout_ms = -1;    // < 0: wait for records forever
};

// --consumer-property keys that group mode understands, applied to `options`; `reset` takes
// auto.offset.reset. false + message (a usage error) for a bad value.
bool apply_consumer_properties(const std::map<std::string, std::string>& props,
                               client::group_member_options& options,
                               std::optional<std::string>& client_id,
                               std::optional<client::consumer::start>& reset, std::string& error) {
  bool heartbeat_given = false;
  for (const auto& [key, value] : props) {
    auto number = [&](std::int32_t& out) {
      try {
        std::size_t used = 0;
        long long v = std::stoll(value, &used);
        if (used != value.size() || v <= 0 || v > INT32_MAX) throw std::out_of_range(key);
        out = static_cast<std::int32_t>(v);
        return true;
      } catch (const std::exception&) {
        error = "--consumer-property " + key + "=" + value +
                ": expected a positive number of milliseconds";
        return false;
      }
    };
    if (key == "group.id")
      options.group_id = value;
    else if (key == "session.timeout.ms") {
      if (!number(options.session_timeout_ms)) return false;
    } else if (key == "heartbeat.interval.ms") {
      if (!number(options.heartbeat_interval_ms)) return false;
      heartbeat_given = true;
    } else if (key == "max.poll.interval.ms") {
      if (!number(options.rebalance_timeout_ms)) return false;
    } else if (key == "group.instance.id")
      options.group_instance_id = value;
    else if (key == "client.id")
      client_id = value;
    else if (key == "auto.offset.reset") {
      if (value == "earliest")
        reset = client::consumer::start::earliest;
      else if (value == "latest")
        reset = client::consumer::start::latest;
      else {
        error = "--consumer-property auto.offset.reset must be earliest or latest";
        return false;
      }
    } else {
      std::cerr << "tern " << cmd << ": ignoring unknown consumer property '" << key << "'\n";
    }
  }
  if (!heartbeat_given) options.heartbeat_interval_ms = std::max(1, options.session_timeout_ms / 3);
  if (options.heartbeat_interval_ms >= options.session_timeout_ms) {
    error = "heartbeat.interval.ms must be lower than session.timeout.ms";
    return false;
  }
  return true;
}

// Group mode: join, read the assigned partitions of `topic`, commit as records are printed, rejoin
// on rebalances and after the hub came back; on the limits or SIGINT/SIGTERM commit, leave and
// return 0.
int consume_in_group(client::cluster_client& client, const std::string& topic,
                     client::group_member_options options, client::consumer::start reset,
                     const formatter& fmt, run_limits limits) {
  using client::call_status;
  std::string error;
  std::vector<std::int32_t> topic_parts;
  if (!client::topic_partitions(client, topic, topic_parts, error)) return fail(cmd, error);
  options.topics = {topic};
  options.stop_requested = [] { return stop_signal != 0; };
  const std::string group = options.group_id;
  client::group_member member(client, options);
  client::consumer consumer(client, {});
  std::map<std::int32_t, std::int64_t> last_committed;  // what the group holds for our partitions
  reconnection link;
  bool outage_since_join = false;  // the hub was lost since the last join
  const std::function<bool()> stopping = [] { return stop_signal != 0; };

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);

  // Commits the positions if they moved since the last commit.
  auto commit = [&](bool& rejoin) {
    rejoin = false;
    auto positions = consumer.positions();
    // Outside a generation (a join failed or was interrupted) there is nothing to commit with;
    // everything printed before the rejoin was committed then.
    if (positions == last_committed || member.generation_id() < 0) return call_status::ok;
    std::map<client::topic_partition, std::int64_t> offsets;
    for (auto [p, offset] : positions) offsets[{topic, p}] = offset;
    auto status = member.commit(offsets, rejoin, error);
    if (status == call_status::ok && !rejoin) last_committed = positions;
    return status;
  };
  // Before a rejoin drops the partitions: what was printed but not committed because the hub
  // went away is committed under the old generation if it still stands, else outside any
  // generation (a restarted hub has forgotten the group, and accepts that while the group has
  // no members); otherwise those records will be printed again (at least once, as Kafka).
  auto commit_outside_generation = [&]() {
    auto positions = consumer.positions();
    std::map<client::topic_partition, std::int64_t> offsets;
    for (auto [p, offset] : positions) offsets[{topic, p}] = offset;
    bool accepted = false;
    if (auto status = member.commit_standalone(offsets, accepted, error); status != call_status::ok)
      return status;
    if (accepted)
      last_committed = positions;
    else
      std::cerr << "tern " << cmd << ": " << error
                << "; records printed since the last commit may be printed again\n";
    return call_status::ok;
  };
  auto save_printed = [&]() {
    auto positions = consumer.positions();
    if (positions.empty() || positions == last_committed) return call_status::ok;
    bool rejoin = false;
    if (auto status = commit(rejoin); status != call_status::ok) return status;
    if (!rejoin && member.generation_id() >= 0) return call_status::ok;
    if (!outage_since_join) return call_status::ok;  // an ordinary rebalance: as Kafka
    return commit_outside_generation();
  };
  auto join = [&]() {
    if (auto status = save_printed(); status != call_status::ok) return status;
    // Drop the old partitions first: they may belong to another member after this rebalance,
    // and a failed join must not commit positions for them under the new generation.
    std::string ignored;
    consumer.assign(topic, {}, {}, reset, ignored);
    last_committed.clear();
    if (auto status = member.join(error); status != call_status::ok) return status;
    std::map<client::topic_partition, std::int64_t> committed;
    if (auto status = member.fetch_committed(committed, error); status != call_status::ok)
      return status;
    std::vector<std::int32_t> mine;
    for (const auto& tp : member.assignment()) {
      if (tp.topic != topic)
        continue;  // another member's leader may assign more; we read one topic
      mine.push_back(tp.partition);
      auto c = committed.find(tp);
      if (c != committed.end()) last_committed[tp.partition] = c->second;
    }
    return consumer.assign(topic, mine, last_committed, reset, error);
  };
  // Ends membership: reports `error` when failing, commits what was printed, then leaves so the
  // partitions move at once.
  auto finish = [&](int code) {
    if (code != 0) fail(cmd, error);
    bool rejoin = false;
    if (commit(rejoin) != call_status::ok) {
      fail(cmd, "could not commit the final offsets: " + error);
      code = 1;
    } else if (rejoin && outage_since_join) {
      // The hub restarted since the join and forgot the group: commit as save_printed() does.
      if (commit_outside_generation() != call_status::ok) {
        fail(cmd, "could not commit the final offsets: " + error);
        code = 1;
      }
    } else if (rejoin) {
      fail(cmd, "the final offsets were not committed: group '" + group + "' was rebalancing");
    }
    member.leave();
    return code;
  };
  // A retriable failure: wait for the hub (reporting it), then go round the loop again.
  auto lost = [&]() {
    outage_since_join = true;
    link.failed(error, stopping);
  };

  std::int64_t printed = 0;
  auto last_record = std::chrono::steady_clock::now();
  std::string out;
  bool rejoin = true;  // the first join
  while (!stop_signal) {
    if (rejoin) {
      auto status = join();
      if (status == call_status::retriable) {
        lost();
        continue;
      }
      if (status != call_status::ok) {
        if (stop_signal) break;  // interrupted while the group rebalanced
        fail(cmd, error);
        member.leave();
        return 1;
      }
      link.succeeded(client);
      outage_since_join = false;
      rejoin = false;
      last_record = std::chrono::steady_clock::now();  // a rebalance is not idle time
    }
    bool stopped = false;
    if (consumer.has_partitions()) {
      out.clear();
      auto status = consumer.poll(
          [&](std::int32_t p, const record_batch::record& r) {
            fmt.print(p, r, out);
            ++printed;
            return limits.max_messages < 0 || printed < limits.max_messages;
          },
          stopped, error);
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
      if (status == call_status::fatal) return finish(1);
      if (!out.empty()) last_record = std::chrono::steady_clock::now();
      if (status == call_status::retriable) {
        if (stopped || (limits.max_messages >= 0 && printed >= limits.max_messages)) break;
        lost();
        continue;
      }
      link.succeeded(client);
      status = commit(rejoin);
      if (status == call_status::fatal) return finish(1);
      if (status == call_status::retriable) {
        if (stopped || (limits.max_messages >= 0 && printed >= limits.max_messages)) break;
        lost();
        continue;
      }
    } else {
      // Nothing assigned (more members than partitions): wait, but wake for signals and heartbeats.
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          member.until_heartbeat(), std::chrono::milliseconds(100)));
    }
    if (stopped || (limits.max_messages >= 0 && printed >= limits.max_messages)) break;
    if (!rejoin) {
      bool answered = false;
      auto status = member.heartbeat_if_due(rejoin, error, &answered);
      if (status == call_status::fatal) return finish(1);
      if (status == call_status::retriable) {
        lost();
        continue;
      }
      if (answered) link.succeeded(client);  // a member without partitions learns it here
      bool again = false;  // a rebalancing generation still takes commits: keep what was printed
      if (rejoin && commit(again) == call_status::fatal) return finish(1);
    }
    if (limits.timeout_ms >= 0 && std::chrono::steady_clock::now() - last_record >
                                      std::chrono::milliseconds(limits.timeout_ms))
      break;
  }
  int code = finish(0);
  std::cerr << "Processed a total of " << printed << " messages\n";
  return code;
}
}  // namespace

int run_consume(int argc, char** argv) {
  cxxopts::Options options("tern consume", "Print records of a topic (like kafka-console-consumer)");
  options.add_options()
      ("bootstrap-server", "broker to connect to, host:port[,host:port]",
       cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))
      ("topic", "topic to read", cxxopts::value<std::string>())
      ("from-beginning", "start at the earliest offset (default: only new records)")
      ("offset", "start offset: earliest, latest or a number (needs --partition for a number)",
       cxxopts::value<std::string>())
      ("partition", "read only this partition", cxxopts::value<std::int32_t>())
      ("max-messages", "exit after this many records", cxxopts::value<std::int64_t>())
      ("timeout-ms", "exit when no record arrives for this long", cxxopts::value<std::int64_t>())
      ("group", "consumer group to join: read the partitions it assigns, commit offsets as records are printed",
       cxxopts::value<std::string>())
      ("consumer-property", "with --group: session.timeout.ms, heartbeat.interval.ms, max.poll.interval.ms, "
       "group.instance.id, client.id, auto.offset.reset or group.id as key=value (repeatable)",
       cxxopts::value<std::vector<std::string>>())
      ("property", "formatter property key=value (repeatable)", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
  add_command_config(options);
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return 2;
  const auto& opts = *parsed;
  if (!opts.count("topic")) return fail(cmd, "--topic is required"), 2;
  std::map<std::string, std::string> props;
  std::string error;
  if (opts.count("property") && !parse_properties(opts["property"].as<std::vector<std::string>>(), props, error))
    return fail(cmd, "--property " + error), 2;
  formatter fmt;
  fmt.key = props["print.key"] == "true";
  fmt.offset = props["print.offset"] == "true";
  fmt.partition = props["print.partition"] == "true";
  fmt.timestamp = props["print.timestamp"] == "true";
  fmt.headers = props["print.headers"] == "true";
  if (props.count("key.separator")) fmt.key_separator = props["key.separator"];
  if (props.count("line.separator")) fmt.line_separator = props["line.separator"];
  if (props.count("null.literal")) fmt.null_literal = props["null.literal"];

  auto from = client::consumer::start::latest;
  std::int64_t start_offset = 0;
  if (opts.count("from-beginning")) from = client::consumer::start::earliest;
  if (opts.count("offset")) {
    auto o = opts["offset"].as<std::string>();
    if (o == "earliest") from = client::consumer::start::earliest;
    else if (o == "latest") from = client::consumer::start::latest;
    else {
      try {
        start_offset = std::stoll(o);
      } catch (...) {
        return fail(cmd, "--offset must be earliest, latest or a number"), 2;
      }
      if (!opts.count("partition")) return fail(cmd, "--offset N needs --partition"), 2;
      from = client::consumer::start::offset;
    }
  }
  std::int32_t partition = opts.count("partition") ? opts["partition"].as<std::int32_t>() : -1;
  std::int64_t max_messages = opts.count("max-messages") ? opts["max-messages"].as<std::int64_t>() : -1;
  std::int64_t timeout_ms = opts.count("timeout-ms") ? opts["timeout-ms"].as<std::int64_t>() : -1;

  client::group_member_options group_options;
  std::optional<std::string> client_id;
  std::optional<client::consumer::start> reset;
  if (opts.count("group")) group_options.group_id = opts["group"].as<std::string>();
  if (opts.count("consumer-property")) {
    std::map<std::string, std::string> consumer_props;
    if (!parse_properties(opts["consumer-property"].as<std::vector<std::string>>(), consumer_props,
                          error) ||
        !apply_consumer_properties(consumer_props, group_options, client_id, reset, error))
      return fail(cmd, error), 2;
  }
  if (opts.count("group") && group_options.group_id.empty())
    return fail(cmd, "--group must not be empty"), 2;
  const bool in_group = !group_options.group_id.empty();
  if (in_group && (opts.count("partition") || opts.count("offset")))
    return fail(cmd, "--group cannot be combined with --partition or --offset"), 2;
  if (in_group && opts.count("from-beginning") && reset == client::consumer::start::latest)
    return fail(cmd, "--from-beginning contradicts auto.offset.reset=latest"), 2;

  client::cluster_client client;
  if (!connect(cmd, opts, client)) return 1;
  if (client_id) client.bootstrap_connection().set_client_id(*client_id);
  auto topic = opts["topic"].as<std::string>();
  if (in_group) {
    auto fallback = opts.count("from-beginning") ? client::consumer::start::earliest
                                                 : reset.value_or(client::consumer::start::latest);
    return consume_in_group(client, topic, group_options, fallback, fmt,
                            {max_messages, timeout_ms});
  }
  client::consumer consumer(client, {});
  reconnection link;
  for (;;) {
    auto status = consumer.init(topic, partition, from, start_offset, error);
    if (status == client::call_status::ok) break;
    if (status == client::call_status::fatal) return fail(cmd, error);
    link.failed(error);
  }
  link.succeeded(client);

  std::int64_t printed = 0;
  auto last_record = std::chrono::steady_clock::now();
  std::string out;
  for (;;) {
    bool stopped = false;
    out.clear();
    auto status = consumer.poll([&](std::int32_t p, const record_batch::record& r) {
      fmt.print(p, r, out);
      ++printed;
      return max_messages < 0 || printed < max_messages;
    }, stopped, error);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (status == client::call_status::fatal) return fail(cmd, error);
    if (status == client::call_status::ok) link.succeeded(client);
    if (!out.empty()) last_record = std::chrono::steady_clock::now();
    if (stopped || (max_messages >= 0 && printed >= max_messages)) break;
    // The consumer keeps its positions: the next poll after the backoff resumes where it was.
    if (status == client::call_status::retriable) link.failed(error);
    if (timeout_ms >= 0 && std::chrono::steady_clock::now() - last_record > std::chrono::milliseconds(timeout_ms))
      break;
  }
  std::cerr << "Processed a total of " << printed << " messages\n";
  return 0;
}

}  // namespace tern::cli
