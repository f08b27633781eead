// `tern groups`: list, describe, reset the offsets of, and delete consumer groups, with
// kafka-consumer-groups' flags and output:
//   --list                                  ListGroups on every broker
//   --describe --group G                    per partition: CURRENT-OFFSET, LOG-END-OFFSET, LAG and
//                                           the owning member (DescribeGroups, OffsetFetch,
//                                           ListOffsets)
//   --reset-offsets --group G --topic T[:p,p] --to-earliest|--to-latest|--to-offset N|--shift-by N
//                   [--execute|--dry-run]   without --execute only the plan is printed; refused
//                                           while the group has members
//   --delete --group G                      DeleteGroups
#include <algorithm>
#include <iostream>
#include <set>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "client/group_admin.h"
#include "client/group_report.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/consumer_protocol.h"
#include "tern/kafka/messages/delete_groups.h"
#include "tern/kafka/messages/list_groups.h"
#include "tern/kafka/messages/list_offsets.h"
#include "tern/kafka/messages/offset_commit.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "groups";
constexpr std::chrono::milliseconds coordinator_wait{10000};
constexpr std::chrono::milliseconds coordinator_backoff{200};

using client::kafka_error_name;

bool coordinator_of(client::cluster_client& client, const std::string& group,
                    client::coordinator_link& link) {
  std::string error;
  if (client::connect_coordinator(client, group, coordinator_wait, coordinator_backoff, link,
                                  error))
    return true;
  fail(cmd, error);
  return false;
}

std::string members_phrase(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " active member" : " active members");
}

int list(client::cluster_client& client) {
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{}, false, md))
    return fail(cmd, client.describe(-1, ec));
  // Each broker lists the groups it coordinates.
  std::set<std::string> groups;
  for (const auto& broker : md.brokers) {
    client::kafka_connection* conn = nullptr;
    if (auto ec = client.connection_to(broker.node_id, conn))
      return fail(cmd, client.describe(broker.node_id, ec));
    std::string error;
    auto version =
        client::negotiated_version(*conn, kafka::api_key::list_groups, 0, "ListGroups",
                                   broker.host + ":" + std::to_string(broker.port), error);
    if (version < 0) return fail(cmd, error);
    kafka::list_groups_response response;
    if (auto ec = conn->call(kafka::list_groups_request{}, version, response))
      return fail(cmd, client.describe(broker.node_id, ec));
    if (response.error_code != 0)
      return fail(cmd, "cannot list the groups of broker " + broker.host + ":" +
                           std::to_string(broker.port) + ": " +
                           kafka_error_name(response.error_code));
    for (const auto& g : response.groups) groups.insert(g.group_id);
  }
  for (const auto& g : groups) std::cout << g << "\n";
  return 0;
}

int describe(client::cluster_client& client, const std::string& group) {
  client::coordinator_link link;
  if (!coordinator_of(client, group, link)) return 1;
  std::string error;
  client::group_description description;
  if (!client::describe_group(link, group, description, error)) return fail(cmd, error);
  std::map<client::topic_partition, std::int64_t> committed;
  if (!client::fetch_committed_offsets(link, group, std::nullopt, committed, error))
    return fail(cmd, error);
  if (description.state == "Dead" && committed.empty())
    return fail(cmd, "consumer group '" + group + "' does not exist");
  if (!description.protocol_type.empty() &&
      description.protocol_type != kafka::consumer_protocol_type)
    return fail(cmd, "group '" + group + "' is not a consumer group (protocol type '" +
                         description.protocol_type + "')");

  std::set<client::topic_partition> partitions;
  for (const auto& [tp, offset] : committed) partitions.insert(tp);
  for (const auto& m : description.members)
    partitions.insert(m.partitions.begin(), m.partitions.end());
  std::map<client::topic_partition, std::int64_t> log_end;
  if (!client::list_offsets(client, {partitions.begin(), partitions.end()},
                            kafka::list_offsets_request::latest_timestamp, log_end, error))
    return fail(cmd, error);

  if (description.members.empty())
    std::cout << "\nConsumer group '" << group << "' has no active members.\n";
  else if (description.state == "PreparingRebalance" || description.state == "CompletingRebalance")
    std::cout << "\nWarning: Consumer group '" << group << "' is rebalancing.\n";
  std::cout << "\n"
            << client::format_table(
                   client::describe_columns(),
                   client::describe_rows(group, description.members, committed, log_end));
  return 0;
}

// Commits `plan` as an admin (no generation, no member id): the coordinator takes it only while
// the group has no members.
int commit_plan(client::coordinator_link& link, const std::string& group,
                const std::vector<client::planned_offset>& plan) {
  std::string error;
  auto version = client::negotiated_version(*link.conn, kafka::api_key::offset_commit, 2,
                                            "OffsetCommit", link.address, error);
  if (version < 0) return fail(cmd, error);
  kafka::offset_commit_request request;
  request.group_id = group;
  request.generation_id = -1;
  for (const auto& p : plan) {
    if (request.topics.empty() || request.topics.back().name != p.partition.topic)
      request.topics.push_back({p.partition.topic, {}});
    kafka::offset_commit_request::partition part;
    part.partition_index = p.partition.partition;
    part.committed_offset = p.new_offset;
    part.committed_metadata = std::string();
    request.topics.back().partitions.push_back(part);
  }
  kafka::offset_commit_response response;
  if (auto ec = link.conn->call(request, version, response)) return fail(cmd, link.describe(ec));
  for (const auto& t : response.topics)
    for (const auto& p : t.partitions) {
      if (p.error_code == 0) continue;
      const bool joined = p.error_code == kafka::wire(kafka::error_code::unknown_member_id) ||
                          p.error_code == kafka::wire(kafka::error_code::illegal_generation) ||
                          p.error_code == kafka::wire(kafka::error_code::rebalance_in_progress);
      return fail(cmd,
                  "cannot reset the offset of " + t.name + "-" + std::to_string(p.partition_index) +
                      " for group '" + group + "': " + kafka_error_name(p.error_code) +
                      (joined ? " (a member joined the group meanwhile; stop it and retry)" : ""));
    }
  return 0;
}

// `wanted` empty = every partition of `topic`.
int reset_offsets(client::cluster_client& client, const std::string& group,
                  const std::string& topic, const std::vector<std::int32_t>& wanted,
                  const client::reset_spec& spec, bool execute) {
  std::string error;
  client::coordinator_link link;
  if (!coordinator_of(client, group, link)) return 1;
  client::group_description description;
  if (!client::describe_group(link, group, description, error)) return fail(cmd, error);
  if (!description.members.empty())
    return fail(cmd, "group '" + group + "' has " + members_phrase(description.members.size()) +
                         "; stop them before resetting offsets");

  std::vector<std::int32_t> existing;
  if (!client::topic_partitions(client, topic, existing, error)) return fail(cmd, error);
  for (auto p : wanted)
    if (!std::binary_search(existing.begin(), existing.end(), p))
      return fail(cmd,
                  "partition " + std::to_string(p) + " does not exist in topic '" + topic + "'");
  std::vector<client::topic_partition> partitions;
  for (auto p : wanted.empty() ? existing : wanted) partitions.push_back({topic, p});

  std::map<client::topic_partition, std::int64_t> committed, earliest, latest;
  if (!client::fetch_committed_offsets(link, group, partitions, committed, error) ||
      !client::list_offsets(client, partitions, kafka::list_offsets_request::earliest_timestamp,
                            earliest, error) ||
      !client::list_offsets(client, partitions, kafka::list_offsets_request::latest_timestamp,
                            latest, error))
    return fail(cmd, error);
  std::map<client::topic_partition, client::offset_bounds> bounds;
  for (const auto& tp : partitions)
    if (earliest.count(tp) && latest.count(tp)) bounds[tp] = {earliest[tp], latest[tp]};
  std::vector<client::planned_offset> plan;
  std::vector<std::string> warnings;
  if (!client::plan_offset_reset(partitions, spec, committed, bounds, plan, warnings, error))
    return fail(cmd, error);
  for (const auto& w : warnings) std::cerr << "WARN: " << w << "\n";
  if (execute) {
    if (int rc = commit_plan(link, group, plan)) return rc;
  }
  std::cout << "\n"
            << client::format_table(client::reset_columns(), client::reset_rows(group, plan));
  if (!execute) std::cerr << "Dry run: no offset was changed; add --execute to apply this plan.\n";
  return 0;
}

int remove(client::cluster_client& client, const std::string& group) {
  client::coordinator_link link;
  if (!coordinator_of(client, group, link)) return 1;
  std::string error;
  // Ask first so the refusal can say how many members are in the way.
  client::group_description description;
  if (!client::describe_group(link, group, description, error)) return fail(cmd, error);
  if (!description.members.empty())
    return fail(cmd, "group '" + group + "' has " + members_phrase(description.members.size()) +
                         "; stop them before deleting it");
  auto version = client::negotiated_version(*link.conn, kafka::api_key::delete_groups, 0,
                                            "DeleteGroups", link.address, error);
  if (version < 0) return fail(cmd, error);
  kafka::delete_groups_request request;
  request.groups_names = {group};
  kafka::delete_groups_response response;
  if (auto ec = link.conn->call(request, version, response)) return fail(cmd, link.describe(ec));
  for (const auto& r : response.results) {
    if (r.group_id != group) continue;
    if (r.error_code == 0) {
      std::cout << "Deletion of requested consumer groups ('" << group << "') was successful.\n";
      return 0;
    }
    if (r.error_code == kafka::wire(kafka::error_code::group_id_not_found))
      return fail(cmd, "consumer group '" + group + "' does not exist");
    if (r.error_code == kafka::wire(kafka::error_code::non_empty_group))
      return fail(cmd, "group '" + group + "' has active members; stop them before deleting it");
    return fail(cmd, "cannot delete group '" + group + "': " + kafka_error_name(r.error_code));
  }
  return fail(cmd, "the coordinator " + link.address + " did not answer for group '" + group + "'");
}

}  // namespace

int run_groups(int argc, char** argv) {
  cxxopts::Options options("tern groups",
                           "List, describe, reset the offsets of and delete consumer groups (like "
                           "kafka-consumer-groups)");
  options.add_options()("bootstrap-server", "broker to connect to, host:port[,host:port]",
                        cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))(
      "list", "list the consumer groups")(
      "describe", "show a group's partitions: committed and log end offsets, lag, owners")(
      "reset-offsets", "plan (and with --execute, commit) new offsets for a group without members")(
      "delete", "delete a group without members, with its committed offsets")(
      "group", "group id", cxxopts::value<std::string>())(
      "topic", "with --reset-offsets: TOPIC (all partitions) or TOPIC:0,1,2",
      cxxopts::value<std::string>())("to-earliest", "reset to the earliest offset")(
      "to-latest", "reset to the log end offset")(
      "to-offset", "reset to this offset (clamped into the log)", cxxopts::value<std::int64_t>())(
      "shift-by", "move the committed offsets by N (may be negative: --shift-by=-5)",
      cxxopts::value<std::int64_t>())("execute", "with --reset-offsets: commit the plan")(
      "dry-run", "with --reset-offsets: only print the plan (the default)")("h,help",
                                                                            "show this help");
  add_command_config(options);
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) {
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") return 0;
    return 2;
  }
  const auto& opts = *parsed;
  int actions = static_cast<int>(opts.count("list") + opts.count("describe") +
                                 opts.count("reset-offsets") + opts.count("delete"));
  if (actions != 1)
    return fail(cmd, "give exactly one of --list, --describe, --reset-offsets, --delete"), 2;
  if (!opts.count("list") && (!opts.count("group") || opts["group"].as<std::string>().empty()))
    return fail(cmd, "--group is required"), 2;
  client::reset_spec spec;
  std::string topic, error;
  std::vector<std::int32_t> partitions;
  if (opts.count("reset-offsets")) {
    if (!opts.count("topic")) return fail(cmd, "--reset-offsets needs --topic"), 2;
    if (!client::parse_topic_argument(opts["topic"].as<std::string>(), topic, partitions, error))
      return fail(cmd, "--topic " + error), 2;
    int strategies = static_cast<int>(opts.count("to-earliest") + opts.count("to-latest") +
                                      opts.count("to-offset") + opts.count("shift-by"));
    if (strategies != 1)
      return fail(cmd,
                  "--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-offset, "
                  "--shift-by"),
             2;
    if (opts.count("execute") && opts.count("dry-run"))
      return fail(cmd, "give --execute or --dry-run, not both"), 2;
    if (opts.count("to-earliest")) spec.kind = client::reset_kind::to_earliest;
    if (opts.count("to-latest")) spec.kind = client::reset_kind::to_latest;
    if (opts.count("to-offset"))
      spec = {client::reset_kind::to_offset, opts["to-offset"].as<std::int64_t>()};
    if (opts.count("shift-by"))
      spec = {client::reset_kind::shift_by, opts["shift-by"].as<std::int64_t>()};
  } else if (opts.count("topic") || opts.count("execute") || opts.count("dry-run") ||
             opts.count("to-earliest") || opts.count("to-latest") || opts.count("to-offset") ||
             opts.count("shift-by")) {
    return fail(cmd,
                "--topic, --to-*, --shift-by, --execute and --dry-run go with --reset-offsets"),
           2;
  }

  client::cluster_client client;
  if (!connect(cmd, opts, client)) return 1;
  if (opts.count("list")) return list(client);
  const auto group = opts["group"].as<std::string>();
  if (opts.count("describe")) return describe(client, group);
  if (opts.count("delete")) return remove(client, group);
  return reset_offsets(client, group, topic, partitions, spec, opts.count("execute") > 0);
}

}  // namespace tern::cli
