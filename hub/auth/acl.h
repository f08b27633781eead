#pragma once
// ACL rules and their text file. Pure logic: no Kafka wire types, no I/O beyond reading and
// atomically rewriting the file.
//
// File format: one rule per line, `#` starts a comment, blank lines are ignored:
//
//   allow|deny  PRINCIPAL  OPERATION  RESOURCE
//
//   PRINCIPAL  User:<name> or User:* (every principal). Names cannot contain white space.
//   OPERATION  Kafka's names, case-insensitive: Read, Write, Create, Delete, Alter, Describe,
//              DescribeConfigs, AlterConfigs, IdempotentWrite, All.
//   RESOURCE   topic:literal:<name>   topic:prefixed:<prefix>   (and the same for group:)
//              topic:<name> is short for topic:literal:<name>; a literal `*` is every resource
//              of that type; `cluster` is the cluster (Create, Alter, DescribeConfigs,
//              AlterConfigs, IdempotentWrite, Describe apply to it). An operation that does not
//              apply to the resource type (Write on a group) is an error.
//
// Example:
//   # devices write their own prefix, the dashboard reads everything
//   allow User:sensor-1   Write  topic:prefixed:sensors.
//   allow User:dashboard  Read   topic:literal:*
//   allow User:dashboard  Read   group:prefixed:dashboard-
//   deny  User:*          Read   group:literal:admin
//
// Errors: parse functions return false and fill `error` with "<where>:<line>: <why>".
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth {

enum class operation : std::uint8_t {
  all,
  read,
  write,
  create,
  delete_,
  alter,
  describe,
  describe_configs,
  alter_configs,
  idempotent_write,
  cluster_action,  // broker-to-broker: follower fetches (replica_id >= 0), OffsetForLeaderEpoch
};

enum class resource_type : std::uint8_t { topic, group, cluster };
enum class pattern_type : std::uint8_t { literal, prefixed };
enum class permission : std::uint8_t { allow, deny };

// The one cluster resource's name (Kafka's).
inline constexpr std::string_view cluster_name = "kafka-cluster";
// A literal resource name matching every resource of its type.
inline constexpr std::string_view wildcard = "*";

struct acl_rule {
  permission perm = permission::allow;
  std::string principal;  // "User:name" or "User:*"
  operation op = operation::all;
  resource_type type = resource_type::topic;
  pattern_type pattern = pattern_type::literal;
  std::string name;  // literal name, `*`, or prefix

  bool operator==(const acl_rule&) const = default;
};

std::string_view to_string(operation op);          // Kafka's name, e.g. "DescribeConfigs"
std::string_view to_string(resource_type type);    // "Topic", "Group", "Cluster"
std::string_view to_string(pattern_type pattern);  // "LITERAL", "PREFIXED"
std::optional<operation> parse_operation(std::string_view text);          // case-insensitive
std::optional<resource_type> parse_resource_type(std::string_view text);  // topic|group|cluster
std::optional<pattern_type> parse_pattern_type(std::string_view text);    // literal|prefixed

// Kafka's table of which operations apply to which resource type (e.g. Write is for topics only,
// groups take Read, Describe, Delete; All applies everywhere).
bool applies_to(operation op, resource_type type);

// True for "User:<name>" with a non-empty name without white space ("User:*" included).
bool valid_principal(std::string_view principal);

// One rule as a file line, e.g. "allow User:sensor-1 Write topic:prefixed:sensors.".
std::string format_rule(const acl_rule& rule);
// Parses one non-comment line (no `#` part). Returns false with `why` (no location) on error.
bool parse_rule(std::string_view line, acl_rule& out, std::string& why);
// Parses a whole file's text; `where` names it in errors ("<where>:<line>: <why>").
bool parse_rules(std::string_view text, std::string_view where, std::vector<acl_rule>& out,
                 std::string& error);
// Reads and parses `path`. A missing or unreadable file is an error.
bool load_rules(const std::string& path, std::vector<acl_rule>& out, std::string& error);
// Replaces `path` with `text` atomically (a temporary file in the same directory, fsync,
// rename, fsync of the directory), mode 0600: a reader sees the old or the new file, never a
// half-written one.
bool write_file_atomically(const std::string& path, std::string_view text, std::string& error);

}  // namespace tern::auth
