// `tern cluster status`: the metadata quorum and the brokers, like `kafka-metadata-quorum
// describe --status --replication` plus the broker list: the quorum leader and its term, the
// committed metadata index, each voter's log end, lag and last contact, and each registered
// broker's state. Reads DescribeQuorum (any broker answers from its own view) and Metadata.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <set>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/describe_quorum.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "cluster";

std::string ids(const std::vector<std::int32_t>& v) {
  std::string s = "[";
  for (auto id : v) s += (s.size() > 1 ? "," : "") + std::to_string(id);
  return s + "]";
}

int status(client::cluster_client& client) {
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::nullopt, false, md)) return fail(cmd, client.describe(-1, ec));
  // The quorum leader knows every voter's progress: ask it when it is a listed broker (Metadata's
  // controller id), else whichever broker we reached.
  client::kafka_connection* via = &client.bootstrap_connection();
  client::kafka_connection* leader = nullptr;
  if (md.controller_id >= 0 && !client.connection_to(md.controller_id, leader)) via = leader;
  auto& conn = *via;
  auto version = conn.version_for(kafka::api_key::describe_quorum);
  if (version < 0) return fail(cmd, "the broker does not support DescribeQuorum (an older Tern?)");
  kafka::describe_quorum_request request;
  request.topics.push_back({kafka::cluster_metadata_topic, {0}});
  kafka::describe_quorum_response response;
  if (auto ec = conn.call(request, version, response)) return fail(cmd, client.describe(-1, ec));
  if (response.error_code == kafka::wire(kafka::error_code::invalid_request)) {
    std::cout << "ClusterId:      " << md.cluster_id.value_or("") << "\n"
              << "Mode:           single node (no controller.quorum.voters)\n"
              << "Brokers:        " << md.brokers.size() << "\n";
    return 0;
  }
  if (response.error_code != 0)
    return fail(cmd, "DescribeQuorum failed: " +
                         std::string(kafka::to_string(static_cast<kafka::error_code>(response.error_code))));
  if (response.topics.empty() || response.topics[0].partitions.empty())
    return fail(cmd, "DescribeQuorum answered without the metadata partition");
  const auto& p = response.topics[0].partitions[0];
  std::vector<std::int32_t> voters;
  std::int64_t max_lag = 0;
  for (const auto& v : p.current_voters) {
    voters.push_back(v.replica_id);
    if (v.log_end_offset >= 0) max_lag = std::max(max_lag, p.high_watermark - v.log_end_offset);
  }
  std::cout << "ClusterId:      " << md.cluster_id.value_or("") << "\n"
            << "LeaderId:       " << p.leader_id << "\n"
            << "LeaderEpoch:    " << p.leader_epoch << "\n"
            << "HighWatermark:  " << p.high_watermark << "\n"
            << "MaxFollowerLag: " << max_lag << "\n"
            << "CurrentVoters:  " << ids(voters) << "\n\n";
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::cout << std::left << std::setw(8) << "NodeId" << std::setw(14) << "LogEndOffset" << std::setw(8)
            << "Lag" << std::setw(18) << "LastFetchMsAgo" << "Status\n";
  for (const auto& v : p.current_voters) {
    std::string ago = v.last_fetch_timestamp >= 0 ? std::to_string(now_ms - v.last_fetch_timestamp) : "-";
    std::string lag = v.log_end_offset >= 0 ? std::to_string(p.high_watermark - v.log_end_offset) : "-";
    std::cout << std::setw(8) << v.replica_id << std::setw(14) << v.log_end_offset << std::setw(8) << lag
              << std::setw(18) << ago << (v.replica_id == p.leader_id ? "Leader" : "Follower") << "\n";
  }
  std::set<std::int32_t> live;
  std::cout << "\nBrokers (registered and unfenced):\n";
  auto brokers = md.brokers;
  std::sort(brokers.begin(), brokers.end(), [](auto& a, auto& b) { return a.node_id < b.node_id; });
  for (const auto& b : brokers) {
    live.insert(b.node_id);
    std::cout << "  " << b.node_id << " at " << b.host << ":" << b.port
              << (b.node_id == md.controller_id ? " (controller)" : "") << "\n";
  }
  std::vector<std::int32_t> absent;
  for (auto v : voters)
    if (!live.count(v)) absent.push_back(v);
  if (!absent.empty())
    std::cout << "Voters without a live broker (witnesses, fenced or down): " << ids(absent) << "\n";
  return 0;
}

}  // namespace

int run_cluster(int argc, char** argv) {
  cxxopts::Options options("tern cluster", "Show the cluster's metadata quorum and brokers (tern cluster status)");
  options.add_options()
      ("bootstrap-server", "broker to connect to, host:port[,host:port]",
       cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))
      ("h,help", "show this help");
  add_command_config(options);
  if (argc < 2 || std::string(argv[1]) != "status") {
    if (argc >= 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
      std::cout << "usage: tern cluster status [--bootstrap-server host:port]\n";
      return 0;
    }
    return fail(cmd, "usage: tern cluster status [--bootstrap-server host:port]"), 2;
  }
  auto parsed = parse_options(options, argc - 1, argv + 1);
  if (!parsed) return 2;
  client::cluster_client client;
  if (!connect(cmd, *parsed, client)) return 1;
  return status(client);
}

}  // namespace tern::cli
