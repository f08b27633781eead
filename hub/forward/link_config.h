#pragma once
// Forwarding links: what `forward.<link>.*` and `mirror.<link>.*` keys configure. A link is one
// upstream Kafka-compatible cluster (its connection settings under forward.<link>.); local
// topics matching forward.<link>.topics are forwarded up to it, upstream topics matching
// mirror.<link>.topics are copied down from it.
//
//   forward.<link>.bootstrap.servers        host:port[,host:port] (required)
//   forward.<link>.security.protocol        PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
//   forward.<link>.sasl.mechanism           PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
//   forward.<link>.sasl.username            (SASL_*)
//   forward.<link>.sasl.password            inline, or
//   forward.<link>.sasl.password.file       a file whose first line is the password, read at
//                                           every connection attempt (rotation needs no restart)
//   forward.<link>.ssl.ca.location          PEM CA(s) the upstream certificate must chain to
//   forward.<link>.ssl.certificate.location / ssl.key.location   client certificate (mTLS)
//   forward.<link>.ssl.endpoint.identification.algorithm   https (default) | none
//   forward.<link>.topics                   comma-separated regexes (POSIX extended, whole name)
//   forward.<link>.topic.rename             upstream name template, ${topic} = local name
//   forward.<link>.partitioner              murmur2 (default: the Java client's key hash; a null
//                                           key keeps its local partition number modulo the
//                                           upstream count) | same (local partition number,
//                                           modulo the upstream count)
//   forward.<link>.compression              none (default) | gzip | snappy | lz4 | zstd
//   forward.<link>.max.bandwidth.bytes.per.sec   0 (default) = unlimited
//   forward.<link>.priority                 regex:N,... higher N drains first (default 0)
//   forward.<link>.batch.max.bytes          bytes per round and upstream batch (1000000; keep it
//                                           under the upstream's max.message.bytes)
//   forward.<link>.linger.ms                wait for more records before a small round (5)
//   forward.<link>.request.timeout.ms       30000
//   forward.<link>.retry.backoff.ms / reconnect.backoff.max.ms   100 / 10000
//   mirror.<link>.topics                    comma-separated regexes of upstream topics
//   mirror.<link>.topic.rename              local name template, ${topic} = upstream name
//
// Errors: parse_links returns false with `error` naming the key and what is wrong (unknown key,
// bad value, a regex that does not compile, a mirror or forward entry without bootstrap.servers).
// Lifetimes: link_config values own everything; topic_filter compiles its regexes once and is
// immutable after (matches() from any thread).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tern::forward {

// A list of whole-name regexes (POSIX extended syntax, which covers what users write for Kafka
// topic patterns: `sensors\..*`, `alarms|events`). libc's regex costs no binary size.
class topic_filter {
 public:
  topic_filter() = default;
  // False with `error` when a pattern does not compile.
  bool parse(std::string_view comma_separated, std::string& error);
  bool empty() const { return _patterns.empty(); }
  bool matches(std::string_view topic) const;
  // The index of the first pattern matching `topic`, or -1.
  int match_index(std::string_view topic) const;
  const std::vector<std::string>& patterns() const { return _sources; }

 private:
  struct compiled;
  std::vector<std::shared_ptr<const compiled>> _patterns;
  std::vector<std::string> _sources;
};

enum class partitioner_kind { murmur2, same };

struct link_config {
  std::string name;
  std::string bootstrap_servers;
  std::string security_protocol = "PLAINTEXT";
  std::string sasl_mechanism = "PLAIN";
  std::string sasl_username;
  std::string sasl_password;
  std::string sasl_password_file;
  std::string ssl_ca_location;
  std::string ssl_certificate_location;
  std::string ssl_key_location;
  bool ssl_verify_hostname = true;

  topic_filter forward_topics;
  std::string forward_rename = "${topic}";
  partitioner_kind partitioner = partitioner_kind::murmur2;
  std::uint8_t compression = 0;  // record_batch::compression
  std::int64_t max_bandwidth_bytes_per_sec = 0;
  topic_filter priority_patterns;
  std::vector<int> priorities;  // per priority pattern
  // Under Kafka's default max.message.bytes (1048588) with room for the batch header.
  std::size_t batch_max_bytes = 1000000;
  std::int64_t linger_ms = 5;
  std::int64_t request_timeout_ms = 30000;
  std::int64_t retry_backoff_ms = 100;
  std::int64_t reconnect_backoff_max_ms = 10000;

  topic_filter mirror_topics;
  std::string mirror_rename = "${topic}";

  bool forwards() const { return !forward_topics.empty(); }
  bool mirrors() const { return !mirror_topics.empty(); }
  // The priority of a local topic: the first matching priority pattern's, else 0.
  int priority_of(std::string_view topic) const;
  // forward_rename / mirror_rename applied to a topic name.
  std::string upstream_name(std::string_view local_topic) const;
  std::string mirror_local_name(std::string_view upstream_topic) const;
  // The password: sasl.password, or the first line of sasl.password.file (read now).
  bool read_password(std::string& out, std::string& error) const;
};

// Whether a configuration key belongs to a link ("forward." or "mirror." prefix).
bool is_link_key(std::string_view key);
// Builds the links from every forward.* / mirror.* key of the configuration.
bool parse_links(const std::map<std::string, std::string>& settings, std::vector<link_config>& out,
                 std::string& error);
// Substitutes ${topic} in a rename template.
std::string apply_rename(std::string_view pattern, std::string_view topic);

}  // namespace tern::forward
