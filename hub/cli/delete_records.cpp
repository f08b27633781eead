// `tern delete-records`: deletes a topic's records below an offset (Kafka's DeleteRecords, what
// kafka-delete-records does), e.g. to free space on a gateway whose disk budget is full:
//   tern delete-records --bootstrap-server 127.0.0.1:9092 --topic sensors --offset 1000
//   tern delete-records --topic sensors --partition 2 --offset -1   # everything committed
// Each partition's request goes to its leader. Prints one line per partition with the new low
// watermark (log start); the hub deletes whole batches, so it may stay below the offset asked
// for. Kafka's tool takes a JSON file (--offset-json-file); Tern has no JSON library yet, so the
// partitions are given as flags.
#include <iostream>
#include <map>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/delete_records.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "delete-records";
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
      ("timeout-ms", "how long the broker may take", cxxopts::value<std::int32_t>()->default_value("30000"))
      ("h,help", "show this help");
  add_command_config(options);
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return 2;
  if (parsed->count("help")) {
    std::cout << options.help() << "\n";
    return 0;
  }
  if (!parsed->count("topic") || !parsed->count("offset"))
    return fail(cmd, "--topic and --offset are required (see --help)"), 2;
  const auto topic = (*parsed)["topic"].as<std::string>();
  const auto offset = (*parsed)["offset"].as<std::int64_t>();
  if (offset < -1) return fail(cmd, "--offset must be -1 or an offset >= 0"), 2;
  client::cluster_client client;
  if (!connect(cmd, *parsed, client)) return 1;
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{topic}, false, md))
    return fail(cmd, client.describe(-1, ec));
  if (md.topics.empty() || md.topics[0].error_code != 0)
    return fail(cmd, "topic '" + topic + "': " +
                         (md.topics.empty() ? std::string("not in the metadata")
                                            : std::string(kafka::to_string(
                                                  static_cast<kafka::error_code>(md.topics[0].error_code)))));
  // Partitions grouped by leader: one request per broker.
  std::map<std::int32_t, std::vector<std::int32_t>> by_leader;
  bool found = false;
  for (const auto& p : md.topics[0].partitions) {
    if (parsed->count("partition") && p.partition_index != (*parsed)["partition"].as<std::int32_t>()) continue;
    found = true;
    by_leader[p.leader_id].push_back(p.partition_index);
  }
  if (!found) return fail(cmd, "topic '" + topic + "' has no such partition");
  int rc = 0;
  for (const auto& [leader, partitions] : by_leader) {
    client::kafka_connection* conn = nullptr;
    if (leader < 0 || client.connection_to(leader, conn)) {
      std::cerr << "tern delete-records: " << topic << " partitions without a reachable leader\n";
      rc = 1;
      continue;
    }
    auto version = conn->version_for(kafka::api_key::delete_records);
    if (version < 0) return fail(cmd, "the broker does not support DeleteRecords (an older Tern?)");
    kafka::delete_records_request request;
    request.timeout_ms = (*parsed)["timeout-ms"].as<std::int32_t>();
    request.topics.push_back({topic, {}});
    for (auto p : partitions) request.topics[0].partitions.push_back({p, offset});
    kafka::delete_records_response response;
    if (auto ec = conn->call(request, version, response)) return fail(cmd, client.describe(leader, ec));
    for (const auto& t : response.topics) {
      for (const auto& p : t.partitions) {
        if (p.error_code != 0) {
          std::cerr << "tern delete-records: " << t.name << "-" << p.partition_index << ": "
                    << kafka::to_string(static_cast<kafka::error_code>(p.error_code)) << "\n";
          rc = 1;
          continue;
        }
        std::cout << "partition: " << t.name << "-" << p.partition_index
                  << "\tlow_watermark: " << p.low_watermark << "\n";
      }
    }
  }
  return rc;
}

}  // namespace tern::cli
