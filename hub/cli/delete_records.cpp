// `tern delete-records`: deletes a topic's records below an offset (Kafka's DeleteRecords, what
// kafka-delete-records does), e.g. to free space on a gateway whose disk budget is full:
//   tern delete-records --bootstrap-server 127.0.0.1:9092 --topic sensors --offset 1000
//   tern delete-records --topic sensors --partition 2 --offset -1   # everything committed
//   tern delete-records --offset-json-file offsets.json   # kafka-delete-records' file (offset_json.h)
// Each partition's request goes to its leader. Prints one line per partition with the new low
// watermark (log start); the hub deletes whole batches, so it may stay below the offset asked
// for. Everything asked for is checked before anything is deleted: a malformed file, an unknown
// topic or partition stops the command (exit 2, or 1 for what the cluster answers) with nothing
// sent; after that, partitions fail or succeed one by one as the brokers answer.
#include <iostream>
#include <map>
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/offset_json.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/delete_records.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "delete-records";

// The partitions to delete from, from the flags or the JSON file; 2 and a message on stderr when
// they are malformed (usage errors).
int requested_partitions(const cxxopts::ParseResult& parsed, std::vector<partition_offset>& out,
                         bool& every_partition) {
  every_partition = false;
  if (parsed.count("offset-json-file")) {
    if (parsed.count("topic") || parsed.count("partition") || parsed.count("offset"))
      return fail(cmd, "--offset-json-file replaces --topic, --partition and --offset (give one or "
                       "the other)"),
             2;
    std::string error;
    if (!parse_offset_json_file(parsed["offset-json-file"].as<std::string>(), out, error))
      return fail(cmd, "--offset-json-file " + error), 2;
    if (out.empty()) return fail(cmd, "--offset-json-file lists no partitions"), 2;
    return 0;
  }
  if (!parsed.count("topic") || !parsed.count("offset"))
    return fail(cmd, "--topic and --offset (or --offset-json-file) are required (see --help)"), 2;
  const auto offset = parsed["offset"].as<std::int64_t>();
  if (offset < -1) return fail(cmd, "--offset must be -1 or an offset >= 0"), 2;
  partition_offset po{parsed["topic"].as<std::string>(), 0, offset};
  if (parsed.count("partition")) {
    po.partition = parsed["partition"].as<std::int32_t>();
  } else {
    every_partition = true;  // expanded from the metadata
  }
  out.push_back(std::move(po));
  return 0;
}

// Prints one line per partition of a DeleteRecords answer; false if any partition failed.
bool print_response(const kafka::delete_records_response& response) {
  bool ok = true;
  for (const auto& t : response.topics) {
    for (const auto& p : t.partitions) {
      if (p.error_code != 0) {
        std::cerr << "tern delete-records: " << t.name << "-" << p.partition_index << ": "
                  << kafka::to_string(static_cast<kafka::error_code>(p.error_code)) << "\n";
        ok = false;
        continue;
      }
      std::cout << "partition: " << t.name << "-" << p.partition_index
                << "\tlow_watermark: " << p.low_watermark << "\n";
    }
  }
  return ok;
}
}  // namespace

int run_delete_records(int argc, char** argv) {
  cxxopts::Options options("tern delete-records",
                           "Delete the records of a topic's partitions below an offset (Kafka's DeleteRecords)");
  options.add_options()
      ("bootstrap-server", "broker to connect to, host:port[,host:port]",
       cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))
      ("topic", "the topic", cxxopts::value<std::string>())
      ("partition", "one partition (default: every partition of the topic)", cxxopts::value<std::int32_t>())
      ("offset", "first offset to keep; -1 = the high watermark (delete every committed record)",
       cxxopts::value<std::int64_t>())
      ("offset-json-file", "kafka-delete-records' JSON file instead of --topic/--partition/--offset: "
       "{\"partitions\": [{\"topic\": \"t\", \"partition\": 0, \"offset\": 10}], \"version\": 1}",
       cxxopts::value<std::string>())
      ("timeout-ms", "how long the broker may take", cxxopts::value<std::int32_t>()->default_value("30000"))
      ("h,help", "show this help");
  add_command_config(options);
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return 2;
  if (parsed->count("help")) {
    std::cout << options.help() << "\n";
    return 0;
  }
  std::vector<partition_offset> wanted;
  bool every_partition = false;
  if (int rc = requested_partitions(*parsed, wanted, every_partition)) return rc;
  std::vector<std::string> topics;
  for (const auto& w : wanted)
    if (std::find(topics.begin(), topics.end(), w.topic) == topics.end()) topics.push_back(w.topic);

  client::cluster_client client;
  if (!connect(cmd, *parsed, client)) return 1;
  kafka::metadata_response md;
  if (auto ec = client.metadata(topics, false, md)) return fail(cmd, client.describe(-1, ec));
  // Each partition's leader, checked for every topic and partition before anything is sent.
  std::map<std::pair<std::string, std::int32_t>, std::int32_t> leader_of;
  for (const auto& topic : topics) {
    auto t = std::find_if(md.topics.begin(), md.topics.end(), [&](const auto& x) { return x.name == topic; });
    if (t == md.topics.end() || t->error_code != 0)
      return fail(cmd, "topic '" + topic + "': " +
                           (t == md.topics.end() ? std::string("not in the metadata")
                                                 : std::string(kafka::to_string(
                                                       static_cast<kafka::error_code>(t->error_code)))));
    for (const auto& p : t->partitions) leader_of[{topic, p.partition_index}] = p.leader_id;
  }
  if (every_partition) {
    const auto topic = wanted[0].topic;
    const auto offset = wanted[0].offset;
    wanted.clear();
    for (const auto& [tp, leader] : leader_of) wanted.push_back({tp.first, tp.second, offset});
    if (wanted.empty()) return fail(cmd, "topic '" + topic + "' has no partitions");
  }
  // One request per leader: leader -> topic -> (partition, offset).
  std::map<std::int32_t, std::map<std::string, std::vector<std::pair<std::int32_t, std::int64_t>>>> by_leader;
  for (const auto& w : wanted) {
    auto it = leader_of.find({w.topic, w.partition});
    if (it == leader_of.end())
      return fail(cmd, "topic '" + w.topic + "' has no partition " + std::to_string(w.partition) +
                           " (nothing was deleted)");
    by_leader[it->second][w.topic].emplace_back(w.partition, w.offset);
  }
  int rc = 0;
  for (const auto& [leader, per_topic] : by_leader) {
    client::kafka_connection* conn = nullptr;
    if (leader < 0 || client.connection_to(leader, conn)) {
      for (const auto& [topic, partitions] : per_topic)
        std::cerr << "tern delete-records: " << topic << ": " << partitions.size()
                  << " partition(s) without a reachable leader\n";
      rc = 1;
      continue;
    }
    auto version = conn->version_for(kafka::api_key::delete_records);
    if (version < 0) return fail(cmd, "the broker does not support DeleteRecords (an older Tern?)");
    kafka::delete_records_request request;
    request.timeout_ms = (*parsed)["timeout-ms"].as<std::int32_t>();
    for (const auto& [topic, partitions] : per_topic) {
      request.topics.push_back({topic, {}});
      for (const auto& [partition, offset] : partitions)
        request.topics.back().partitions.push_back({partition, offset});
    }
    kafka::delete_records_response response;
    if (auto ec = conn->call(request, version, response)) return fail(cmd, client.describe(leader, ec));
    if (!print_response(response)) rc = 1;
  }
  return rc;
}

}  // namespace tern::cli
