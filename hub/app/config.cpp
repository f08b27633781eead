#include "app/config.h"

#include "app/kafka_broker_keys.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <limits>

namespace tern::app {
namespace {

bool known_protocol(std::string_view p) {
  return p == "PLAINTEXT" || p == "SSL" || p == "PSK" || p == "SASL_SSL" || p == "SASL_PLAINTEXT";
}

template <typename Int>
bool parse_int(std::string_view text, Int min, Int max, Int& out) {
  Int v{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || v < min || v > max) return false;
  out = v;
  return true;
}

bool parse_bool(std::string_view text, bool& out) {
  if (text == "true") out = true;
  else if (text == "false") out = false;
  else return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

using setter = std::function<bool(server_config&, std::string_view)>;

template <typename Int>
setter int_setter(Int server_config::*field, Int min, Int max, Int scale = 1) {
  return [=](server_config& c, std::string_view v) {
    Int parsed{};
    if (!parse_int<Int>(v, min, max, parsed)) return false;
    if (scale != 1 && parsed > std::numeric_limits<Int>::max() / scale) return false;
    c.*field = parsed * scale;
    return true;
  };
}

struct key_spec {
  setter set;
  const char* expected;  // what a valid value looks like, for the error message
};

// A free-form string key (file paths, passwords); the files are checked where they are used.
key_spec string_setter(std::string server_config::*field, const char* expected = "a file path") {
  return {[=](server_config& c, std::string_view v) {
            c.*field = std::string(v);
            return true;
          },
          expected};
}

const std::map<std::string, key_spec, std::less<>>& specs() {
  static const std::map<std::string, key_spec, std::less<>> table = {
      {"node.id", {int_setter(&server_config::node_id, 0, INT32_MAX), "an integer >= 0"}},
      {"broker.id", {int_setter(&server_config::node_id, 0, INT32_MAX), "an integer >= 0"}},
      {"listeners",
       {[](server_config& c, std::string_view v) {
          std::string ignored;
          return parse_listeners(v, c.listeners, ignored) && !c.listeners.empty();
        },
        "NAME://host:port[,...]"}},
      {"advertised.listeners",
       {[](server_config& c, std::string_view v) {
          std::string ignored;
          return parse_listeners(v, c.advertised_listeners, ignored);
        },
        "NAME://host:port[,...]"}},
      {"log.dirs",
       {[](server_config& c, std::string_view v) {
          if (v.empty() || v.find(',') != std::string_view::npos) return false;
          c.log_dirs = std::string(v);
          return true;
        },
        "one directory path"}},
      {"log.dir", {[](server_config& c, std::string_view v) {
          if (v.empty()) return false;
          c.log_dirs = std::string(v);
          return true;
        }, "a directory path"}},
      {"num.partitions", {int_setter(&server_config::num_partitions, 1, 10000), "1..10000"}},
      {"default.replication.factor",
       {int_setter(&server_config::default_replication_factor, 1, 5), "1..5"}},
      {"auto.create.topics.enable",
       {[](server_config& c, std::string_view v) { return parse_bool(v, c.auto_create_topics_enable); },
        "true or false"}},
      {"message.max.bytes",
       {int_setter(&server_config::message_max_bytes, 1024, 1 << 30), "1024..1073741824"}},
      {"socket.request.max.bytes",
       {int_setter(&server_config::socket_request_max_bytes, 1024, 1 << 30), "1024..1073741824"}},
      {"queued.max.request.bytes",
       {int_setter(&server_config::queued_max_request_bytes, 1 << 20, 1 << 30), "1048576..1073741824"}},
      {"log.retention.ms",
       {int_setter(&server_config::log_retention_ms, std::int64_t{-1}, INT64_MAX), "-1 or milliseconds"}},
      {"log.retention.minutes",
       {int_setter(&server_config::log_retention_ms, std::int64_t{1}, INT64_MAX, std::int64_t{60000}),
        "minutes >= 1"}},
      {"log.retention.hours",
       {int_setter(&server_config::log_retention_ms, std::int64_t{1}, INT64_MAX, std::int64_t{3600000}),
        "hours >= 1"}},
      {"log.retention.bytes",
       {int_setter(&server_config::log_retention_bytes, std::int64_t{-1}, INT64_MAX), "-1 or bytes"}},
      {"log.retention.check.interval.ms",
       {int_setter(&server_config::log_retention_check_interval_ms, std::int64_t{100}, INT64_MAX),
        "milliseconds >= 100"}},
      {"log.cleanup.policy",
       {[](server_config& c, std::string_view v) {
          if (v != "delete" && v != "compact" && v != "compact,delete" && v != "delete,compact")
            return false;
          c.log_cleanup_policy = std::string(v);
          return true;
        },
        "delete, compact or compact,delete"}},
      {"log.cleaner.delete.retention.ms",
       {int_setter(&server_config::log_cleaner_delete_retention_ms, std::int64_t{0}, INT64_MAX),
        "milliseconds >= 0"}},
      {"log.cleaner.min.compaction.lag.ms",
       {int_setter(&server_config::log_cleaner_min_compaction_lag_ms, std::int64_t{0}, INT64_MAX),
        "milliseconds >= 0"}},
      {"log.cleaner.backoff.ms",
       {int_setter(&server_config::log_cleaner_backoff_ms, std::int64_t{100}, INT64_MAX),
        "milliseconds >= 100"}},
      {"log.cleaner.dedupe.buffer.size",
       {int_setter(&server_config::log_cleaner_dedupe_buffer_size, std::int64_t{1} << 16,
                   std::int64_t{1} << 40),
        "bytes >= 65536"}},
      {"log.cleaner.enable",
       {[](server_config& c, std::string_view v) { return parse_bool(v, c.log_cleaner_enable); },
        "true or false"}},
      {"log.segment.bytes",
       {int_setter(&server_config::log_segment_bytes, std::int64_t{14}, INT64_MAX), "bytes >= 14"}},
      {"log.roll.ms",
       {int_setter(&server_config::log_roll_ms, std::int64_t{1}, INT64_MAX), "milliseconds >= 1"}},
      {"log.roll.hours",
       {int_setter(&server_config::log_roll_ms, std::int64_t{1}, INT64_MAX / 3600000, std::int64_t{3600000}),
        "hours >= 1"}},
      {"log.dirs.max.bytes",
       {int_setter(&server_config::log_dirs_max_bytes, std::int64_t{-1}, INT64_MAX),
        "-1 (half of lmdb.map.size) or bytes"}},
      {"log.full.policy",
       {[](server_config& c, std::string_view v) {
          if (v != "reject" && v != "drop-oldest") return false;
          c.log_full_policy = std::string(v);
          return true;
        },
        "reject or drop-oldest"}},
      {"log.message.timestamp.type",
       {[](server_config& c, std::string_view v) {
          if (v != "CreateTime" && v != "LogAppendTime") return false;
          c.log_message_timestamp_type = std::string(v);
          return true;
        },
        "CreateTime or LogAppendTime"}},
      {"log.message.timestamp.difference.max.ms",
       {int_setter(&server_config::log_message_timestamp_difference_max_ms, std::int64_t{0}, INT64_MAX),
        "milliseconds >= 0"}},
      {"log.message.timestamp.before.max.ms",
       {int_setter(&server_config::log_message_timestamp_before_max_ms, std::int64_t{0}, INT64_MAX),
        "milliseconds >= 0"}},
      {"log.message.timestamp.after.max.ms",
       {int_setter(&server_config::log_message_timestamp_after_max_ms, std::int64_t{0}, INT64_MAX),
        "milliseconds >= 0"}},
      {"flush.messages",
       {int_setter(&server_config::flush_messages, std::int64_t{1}, INT64_MAX), "an integer >= 1"}},
      {"log.flush.interval.messages",
       {int_setter(&server_config::flush_messages, std::int64_t{1}, INT64_MAX), "an integer >= 1"}},
      {"flush.ms", {int_setter(&server_config::flush_ms, std::int64_t{1}, INT64_MAX), "milliseconds >= 1"}},
      {"log.flush.interval.ms",
       {int_setter(&server_config::flush_ms, std::int64_t{1}, INT64_MAX), "milliseconds >= 1"}},
      {"lmdb.map.size",
       {int_setter(&server_config::lmdb_map_size, std::uint64_t{1} << 20,
                   sizeof(void*) >= 8 ? (std::uint64_t{1} << 44) : (std::uint64_t{3} << 30)),
        sizeof(void*) >= 8 ? "bytes, 1 MiB..16 TiB" : "bytes, 1 MiB..3 GiB on a 32-bit build"}},
      {"lmdb.max.partitions",
       {int_setter(&server_config::lmdb_max_partitions, std::uint32_t{16}, std::uint32_t{100000}),
        "16..100000"}},
      {"max.connections",
       {int_setter(&server_config::max_connections, 1, 1000000), "1..1000000"}},
      {"max.inflight.requests.per.connection",
       {int_setter(&server_config::max_inflight_requests_per_connection, 1, 10000), "1..10000"}},
      {"connections.max.idle.ms",
       {int_setter(&server_config::connections_max_idle_ms, std::int64_t{1000}, INT64_MAX),
        "milliseconds >= 1000"}},
      {"fetch.max.wait.ms.cap",
       {int_setter(&server_config::fetch_max_wait_ms_cap, 0, 300000), "0..300000"}},
      {"group.initial.rebalance.delay.ms",
       {int_setter(&server_config::group_initial_rebalance_delay_ms, 0, 300000), "0..300000"}},
      {"group.min.session.timeout.ms",
       {int_setter(&server_config::group_min_session_timeout_ms, 1, INT32_MAX), "milliseconds >= 1"}},
      {"group.max.session.timeout.ms",
       {int_setter(&server_config::group_max_session_timeout_ms, 1, INT32_MAX), "milliseconds >= 1"}},
      {"group.max.size", {int_setter(&server_config::group_max_size, 0, 1000000), "0 (unlimited)..1000000"}},
      {"offsets.retention.minutes",
       {int_setter(&server_config::offsets_retention_ms, std::int64_t{1}, std::int64_t{1} << 40,
                   std::int64_t{60000}),
        "minutes >= 1"}},
      // Like log.retention.ms next to log.retention.minutes: the same setting in milliseconds, so
      // a test (or an impatient deployment) can expire offsets in seconds.
      {"offsets.retention.ms",
       {int_setter(&server_config::offsets_retention_ms, std::int64_t{1000}, std::int64_t{1} << 56),
        "milliseconds >= 1000"}},
      {"offsets.retention.check.interval.ms",
       {int_setter(&server_config::offsets_retention_check_interval_ms, std::int64_t{100}, INT64_MAX),
        "milliseconds >= 100"}},
      {"offset.metadata.max.bytes",
       {int_setter(&server_config::offset_metadata_max_bytes, 0, 1 << 20), "0..1048576"}},
      {"authorizer.acl.file",
       {[](server_config& c, std::string_view v) {
          c.authorizer_acl_file = std::string(v);
          return true;
        },
        "an ACL file path (empty: no authorizer)"}},
      {"allow.everyone.if.no.acl.found",
       {[](server_config& c, std::string_view v) {
          bool b = false;
          if (!parse_bool(v, b)) return false;
          c.allow_everyone_if_no_acl_found = b;
          return true;
        },
        "true or false"}},
      {"super.users",
       {[](server_config& c, std::string_view v) {
          // Each non-empty ';'-separated entry must be a principal, User:<name>.
          for (std::string_view rest = v; !rest.empty();) {
            auto semi = rest.find(';');
            auto item = trim(rest.substr(0, semi));
            rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
            if (!item.empty() && (item.size() <= 5 || item.substr(0, 5) != "User:")) return false;
          }
          c.super_users = std::string(v);
          return true;
        },
        "User:<name>[;User:<name>...]"}},
      {"ssl.certificate.location", string_setter(&server_config::ssl_certificate_location)},
      {"ssl.key.location", string_setter(&server_config::ssl_key_location)},
      {"ssl.key.password", string_setter(&server_config::ssl_key_password, "a password")},
      {"ssl.ca.location", string_setter(&server_config::ssl_ca_location)},
      {"ssl.crl.location", string_setter(&server_config::ssl_crl_location)},
      {"ssl.cipher.suites", string_setter(&server_config::ssl_cipher_suites, "suite names, comma separated")},
      {"psk.identities.location", string_setter(&server_config::psk_identities_location)},
      {"sasl.plain.users.location", string_setter(&server_config::sasl_plain_users_location)},
      {"sasl.enabled.mechanisms",
       {[](server_config& c, std::string_view v) {
          std::vector<std::string> mechanisms;
          for (std::string_view rest = v; !rest.empty();) {
            auto comma = rest.find(',');
            auto item = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (item != "PLAIN" && item != "SCRAM-SHA-256" && item != "SCRAM-SHA-512") return false;
            if (std::find(mechanisms.begin(), mechanisms.end(), item) != mechanisms.end()) return false;
            mechanisms.emplace_back(item);
          }
          if (mechanisms.empty()) return false;
          c.sasl_enabled_mechanisms = std::move(mechanisms);
          return true;
        },
        "PLAIN, SCRAM-SHA-256 and/or SCRAM-SHA-512, comma separated, each once"}},
      {"ssl.client.auth",
       {[](server_config& c, std::string_view v) {
          if (v != "required" && v != "requested" && v != "none") return false;
          c.ssl_client_auth = std::string(v);
          return true;
        },
        "required, requested or none"}},
      {"ssl.handshake.timeout.ms",
       {int_setter(&server_config::ssl_handshake_timeout_ms, std::int64_t{100}, std::int64_t{3600000}),
        "milliseconds, 100..3600000"}},
      {"max.concurrent.handshakes",
       {int_setter(&server_config::max_concurrent_handshakes, 1, 1000000), "1..1000000"}},
      {"process.roles",
       {[](server_config& c, std::string_view v) {
          bool broker = false, controller = false;
          if (!v.empty() && v.back() == ',') return false;
          for (std::string_view rest = v; !rest.empty();) {
            auto comma = rest.find(',');
            auto item = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            if (item == "broker") broker = true;
            else if (item == "controller") controller = true;
            else return false;
          }
          if (!broker && !controller) return false;
          c.role_broker = broker;
          c.role_controller = controller;
          return true;
        },
        "broker, controller or broker,controller"}},
      {"controller.quorum.voters",
       {[](server_config& c, std::string_view v) {
          std::string ignored;
          return parse_quorum_voters(v, c.controller_quorum_voters, ignored);
        },
        "id@host:port[,id@host:port...] with distinct ids"}},
      {"controller.listener.names",
       {[](server_config& c, std::string_view v) {
          if (v.empty()) return false;
          c.controller_listener_names = std::string(v);
          return true;
        },
        "listener names, comma separated"}},
      {"listener.security.protocol.map",
       {[](server_config& c, std::string_view v) {
          std::map<std::string, std::string> parsed;
          while (!v.empty()) {
            auto comma = v.find(',');
            auto item = trim(v.substr(0, comma));
            v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
            auto colon = item.find(':');
            if (colon == std::string_view::npos) return false;
            auto name = trim(item.substr(0, colon)), protocol = trim(item.substr(colon + 1));
            if (name.empty() || !known_protocol(protocol)) return false;
            parsed[std::string(name)] = std::string(protocol);
          }
          c.listener_security_protocol_map = std::move(parsed);
          return true;
        },
        "NAME:PROTOCOL[,NAME:PROTOCOL...] with PLAINTEXT, SSL, PSK, SASL_SSL or SASL_PLAINTEXT"}},
      {"inter.broker.listener.name", string_setter(&server_config::inter_broker_listener_name, "a listener name")},
      {"broker.heartbeat.interval.ms",
       {int_setter(&server_config::broker_heartbeat_interval_ms, std::int64_t{10}, std::int64_t{60000}),
        "milliseconds, 10..60000"}},
      {"broker.session.timeout.ms",
       {int_setter(&server_config::broker_session_timeout_ms, std::int64_t{100}, std::int64_t{600000}),
        "milliseconds, 100..600000"}},
      {"controller.quorum.election.timeout.ms",
       {int_setter(&server_config::controller_quorum_election_timeout_ms, std::int64_t{100},
                   std::int64_t{60000}),
        "milliseconds, 100..60000"}},
      {"replica.lag.time.max.ms",
       {int_setter(&server_config::replica_lag_time_max_ms, std::int64_t{100}, INT64_MAX),
        "milliseconds >= 100"}},
      {"replica.fetch.wait.max.ms",
       {int_setter(&server_config::replica_fetch_wait_max_ms, 0, 60000), "milliseconds, 0..60000"}},
      {"replica.fetch.max.bytes",
       {int_setter(&server_config::replica_fetch_max_bytes, 1024, 1 << 30), "1024..1073741824"}},
      {"min.insync.replicas", {int_setter(&server_config::min_insync_replicas, 1, 5), "1..5"}},
      {"unclean.leader.election.enable",
       {[](server_config& c, std::string_view v) { return parse_bool(v, c.unclean_leader_election_enable); },
        "true or false"}},
      {"auto.leader.rebalance.enable",
       {[](server_config& c, std::string_view v) { return parse_bool(v, c.auto_leader_rebalance_enable); },
        "true or false"}},
      {"leader.imbalance.check.interval.seconds",
       {int_setter(&server_config::leader_imbalance_check_interval_seconds, std::int64_t{1},
                   std::int64_t{86400}),
        "seconds, 1..86400"}},
      {"controlled.shutdown.enable",
       {[](server_config& c, std::string_view v) { return parse_bool(v, c.controlled_shutdown_enable); },
        "true or false"}},
      {"metadata.log.dir", string_setter(&server_config::metadata_log_dir, "a directory path")},
      {"log.level",
       {[](server_config& c, std::string_view v) {
          if (v != "debug" && v != "info" && v != "warn" && v != "error") return false;
          c.log_level = std::string(v);
          return true;
        },
        "debug, info, warn or error"}},
  };
  return table;
}

}  // namespace

std::vector<std::string_view> known_keys() {
  std::vector<std::string_view> keys;
  for (const auto& [k, _] : specs()) keys.push_back(k);
  keys.push_back("forward.<link>.<setting>  (forwarding links: see README, Forwarding upstream)");
  keys.push_back("mirror.<link>.topics, mirror.<link>.topic.rename");
  return keys;
}

bool parse_listeners(std::string_view text, std::vector<listener>& out, std::string& error) {
  std::vector<listener> parsed;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto scheme = item.find("://");
    auto colon = item.rfind(':');
    if (scheme == std::string_view::npos || colon == std::string_view::npos || colon < scheme + 3) {
      error = "listener '" + std::string(item) + "' is not NAME://host:port";
      return false;
    }
    listener l;
    l.name = std::string(item.substr(0, scheme));
    l.host = std::string(item.substr(scheme + 3, colon - scheme - 3));
    if (!l.host.empty() && l.host.front() == '[' && l.host.back() == ']')
      l.host = l.host.substr(1, l.host.size() - 2);
    if (l.name.empty() || !parse_int<std::uint16_t>(item.substr(colon + 1), 0, 65535, l.port)) {
      error = "listener '" + std::string(item) + "' has a bad name or port";
      return false;
    }
    if (l.host.empty()) l.host = "0.0.0.0";
    parsed.push_back(std::move(l));
  }
  out = std::move(parsed);
  return true;
}

bool parse_quorum_voters(std::string_view text, std::vector<quorum_voter_address>& out,
                         std::string& error) {
  std::vector<quorum_voter_address> parsed;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto at = item.find('@');
    auto colon = item.rfind(':');
    quorum_voter_address v;
    if (at == std::string_view::npos || colon == std::string_view::npos || colon < at + 2 ||
        !parse_int<std::int32_t>(item.substr(0, at), 0, INT32_MAX, v.node_id) ||
        !parse_int<std::uint16_t>(item.substr(colon + 1), 1, 65535, v.port)) {
      error = "voter '" + std::string(item) + "' is not id@host:port";
      return false;
    }
    v.host = std::string(item.substr(at + 1, colon - at - 1));
    if (v.host.size() > 2 && v.host.front() == '[' && v.host.back() == ']')
      v.host = v.host.substr(1, v.host.size() - 2);
    for (const auto& p : parsed)
      if (p.node_id == v.node_id) {
        error = "voter id " + std::to_string(v.node_id) + " appears twice";
        return false;
      }
    parsed.push_back(std::move(v));
  }
  if (parsed.size() > 9) {
    error = "at most 9 voters";
    return false;
  }
  out = std::move(parsed);
  return true;
}

bool is_controller_listener(const server_config& config, std::string_view name) {
  for (std::string_view rest = config.controller_listener_names; !rest.empty();) {
    auto comma = rest.find(',');
    if (trim(rest.substr(0, comma)) == name) return true;
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return false;
}

std::string security_protocol_of(const server_config& config, std::string_view listener_name) {
  auto it = config.listener_security_protocol_map.find(std::string(listener_name));
  if (it != config.listener_security_protocol_map.end()) return it->second;
  if (is_controller_listener(config, listener_name)) return "PLAINTEXT";
  return std::string(listener_name);
}

bool server_config::effective_allow_everyone_if_no_acl_found() const {
  if (allow_everyone_if_no_acl_found) return *allow_everyone_if_no_acl_found;
  for (const auto& l : listeners)
    if (!is_controller_listener(*this, l.name) && security_protocol_of(*this, l.name) != "PLAINTEXT")
      return false;
  return true;
}

bool validate(server_config& config, std::string& error) {
  for (const auto& l : config.listeners) {
    auto protocol = security_protocol_of(config, l.name);
    if (!known_protocol(protocol)) {
      error = "listener " + l.name + "://" + l.host + ":" + std::to_string(l.port) +
              ": unknown security protocol " + protocol +
              " (PLAINTEXT, SSL, PSK, SASL_SSL, SASL_PLAINTEXT; map other names with "
              "listener.security.protocol.map)";
      return false;
    }
    // The Kafka layer recognises SASL listeners by name (connections carry the listener name).
    if ((protocol.starts_with("SASL_") || l.name.starts_with("SASL_")) && protocol != l.name) {
      error = "listener " + l.name + ": a SASL listener must be named as its protocol "
              "(SASL_SSL:// or SASL_PLAINTEXT://), not mapped in listener.security.protocol.map";
      return false;
    }
    if (is_controller_listener(config, l.name) && protocol != "PLAINTEXT" && protocol != "SSL") {
      error = "controller listener " + l.name + " must be PLAINTEXT or SSL (mutual TLS), not " + protocol;
      return false;
    }
    if (is_controller_listener(config, l.name) && protocol == "SSL" &&
        (config.ssl_ca_location.empty() || config.ssl_certificate_location.empty() ||
         config.ssl_key_location.empty())) {
      error = "controller listener " + l.name + " over SSL authenticates voters by certificate: it "
              "needs ssl.certificate.location, ssl.key.location and ssl.ca.location";
      return false;
    }
  }
  bool has_kafka_listener = false;
  const listener* controller = nullptr;
  for (const auto& l : config.listeners) {
    if (is_controller_listener(config, l.name)) controller = &l;
    else has_kafka_listener = true;
  }
  if (!config.clustered()) {
    if (!config.role_broker || config.role_controller) {
      error = "process.roles other than broker needs controller.quorum.voters";
      return false;
    }
    if (controller) {
      error = "listener " + controller->name + " is a controller listener but controller.quorum.voters is not set";
      return false;
    }
    return true;
  }
  const quorum_voter_address* self = nullptr;
  for (const auto& v : config.controller_quorum_voters)
    if (v.node_id == config.node_id) self = &v;
  if (!config.role_controller) {
    // Kafka allows broker-only nodes that follow the quorum as observers; Tern does not yet.
    error = "process.roles=broker without controller is not supported in a cluster yet: every "
            "node must be one of controller.quorum.voters (process.roles=broker,controller, or "
            "controller for a witness)";
    return false;
  }
  if (!self) {
    error = "node.id " + std::to_string(config.node_id) + " is not in controller.quorum.voters";
    return false;
  }
  if (!controller) {
    error = "listeners needs a " + config.controller_listener_names +
            "://host:port entry for the quorum (controller.listener.names)";
    return false;
  }
  if (controller->port != 0 && controller->port != self->port) {
    error = "the " + controller->name + " listener's port " + std::to_string(controller->port) +
            " differs from this node's entry in controller.quorum.voters (" +
            std::to_string(self->port) + ")";
    return false;
  }
  if (config.role_broker && !has_kafka_listener) {
    error = "process.roles has broker but listeners has no Kafka listener";
    return false;
  }
  if (!config.inter_broker_listener_name.empty()) {
    bool found = false;
    for (const auto& l : config.listeners)
      if (l.name == config.inter_broker_listener_name && !is_controller_listener(config, l.name)) found = true;
    if (!found) {
      error = "inter.broker.listener.name " + config.inter_broker_listener_name + " is not in listeners";
      return false;
    }
    auto protocol = security_protocol_of(config, config.inter_broker_listener_name);
    if (protocol != "PLAINTEXT" && protocol != "SSL") {
      error = "inter.broker.listener.name " + config.inter_broker_listener_name + " is " + protocol +
              ": brokers replicate over PLAINTEXT or SSL (mutual TLS with the broker's certificate)";
      return false;
    }
  }
  if (config.broker_heartbeat_interval_ms * 2 > config.broker_session_timeout_ms) {
    error = "broker.session.timeout.ms must be at least twice broker.heartbeat.interval.ms";
    return false;
  }
  return true;
}

bool apply_setting(server_config& config, std::string_view key, std::string_view value,
                   std::string_view where, std::string& error) {
  auto prefix = where.empty() ? std::string{} : std::string(where) + ": ";
  if (key.starts_with("forward.") || key.starts_with("mirror.")) {
    config.link_settings[std::string(key)] = std::string(trim(value));
    return true;
  }
  auto it = specs().find(key);
  if (it == specs().end() && is_kafka_broker_key(key)) {
    config.kafka_settings_not_acted_on[std::string(key)] = std::string(trim(value));
    return true;
  }
  if (it == specs().end()) {
    error = prefix + "unknown configuration key '" + std::string(key) + "'";
    return false;
  }
  value = trim(value);
  if (!it->second.set(config, value)) {
    error = prefix + "invalid value '" + std::string(value) + "' for '" + std::string(key) +
            "' (expected " + it->second.expected + ")";
    return false;
  }
  return true;
}

bool load_properties_file(server_config& config, const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read config file '" + path + "'";
    return false;
  }
  return load_properties(config, in, path, error);
}

bool load_properties(server_config& config, std::istream& in, const std::string& path, std::string& error) {
  std::string line, logical;
  int line_no = 0, start_line = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view t = trim(line);
    if (logical.empty()) {
      start_line = line_no;
      if (t.empty() || t.front() == '#' || t.front() == '!') continue;
    }
    if (!t.empty() && t.back() == '\\') {
      t.remove_suffix(1);
      logical += t;
      continue;
    }
    logical += t;
    std::string_view entry = logical;
    auto sep = entry.find_first_of("=: \t");
    std::string_view key = trim(entry.substr(0, sep));
    std::string_view value;
    if (sep != std::string_view::npos) {
      value = trim(entry.substr(sep + 1));
      if (!value.empty() && (value.front() == '=' || value.front() == ':') &&
          (entry[sep] == ' ' || entry[sep] == '\t'))
        value = trim(value.substr(1));
    }
    if (!apply_setting(config, key, value, path + ":" + std::to_string(start_line), error)) return false;
    logical.clear();
  }
  return true;
}

}  // namespace tern::app
