// `tern produce`: lines from stdin to a topic, like kafka-console-producer. With
// parse.key=true each line is KEY<key.separator>VALUE. Lines are batched; a batch goes out when
// full, when stdin is idle for linger.ms, or at end of input.
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "client/producer.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "produce";

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

record_batch::bytes_view view(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Reads stdin and queues one record per line; flushes when input pauses for linger_ms.
bool pump_stdin(client::producer& producer, bool parse_key, const std::string& separator,
                std::int32_t partition, int linger_ms, std::string& error) {
  std::string pending;
  char buffer[65536];
  bool queued = false;
  for (;;) {
    if (queued) {
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      if (::poll(&pfd, 1, linger_ms) == 0) {
        if (!producer.flush(error)) return false;
        queued = false;
      }
    }
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = "reading stdin failed";
      return false;
    }
    if (n == 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::optional<record_batch::bytes_view> key;
      std::string_view value = line;
      if (parse_key) {
        auto at = line.find(separator);
        if (at == std::string_view::npos) {
          error = "no key separator '" + separator + "' in line: " + std::string(line);
          return false;
        }
        key = view(line.substr(0, at));
        value = line.substr(at + separator.size());
      }
      if (!producer.add(key, view(value), {}, now_ms(), partition, error)) return false;
      queued = true;
    }
    pending.erase(0, start);
  }
  if (!pending.empty()) {
    std::optional<record_batch::bytes_view> key;
    std::string_view value = pending;
    if (parse_key) {
      auto at = value.find(separator);
      if (at == std::string_view::npos) {
        error = "no key separator '" + separator + "' in line: " + pending;
        return false;
      }
      key = view(value.substr(0, at));
      value = value.substr(at + separator.size());
    }
    if (!producer.add(key, view(value), {}, now_ms(), partition, error)) return false;
  }
  return producer.flush(error);
}
}  // namespace

int run_produce(int argc, char** argv) {
  cxxopts::Options options("tern produce", "Write lines from stdin to a topic (like kafka-console-producer)");
  options.add_options()
      ("bootstrap-server", "broker to connect to, host:port[,host:port]",
       cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))
      ("topic", "topic to write to", cxxopts::value<std::string>())
      ("acks", "0, 1 or all", cxxopts::value<std::string>()->default_value("all"))
      ("partition", "write every record to this partition", cxxopts::value<std::int32_t>())
      ("property", "parse.key=true, key.separator=SEP, linger.ms=N (repeatable)",
       cxxopts::value<std::vector<std::string>>())
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
  client::producer_options po;
  auto acks = opts["acks"].as<std::string>();
  if (acks == "all" || acks == "-1") po.acks = -1;
  else if (acks == "1") po.acks = 1;
  else if (acks == "0") po.acks = 0;
  else return fail(cmd, "--acks must be 0, 1 or all"), 2;
  bool parse_key = props["parse.key"] == "true";
  std::string separator = props.count("key.separator") ? props["key.separator"] : "\t";
  int linger_ms = props.count("linger.ms") ? std::atoi(props["linger.ms"].c_str()) : 5;
  if (separator.empty()) return fail(cmd, "key.separator must not be empty"), 2;
  client::cluster_client client;
  if (!connect(cmd, opts, client)) return 1;
  client::producer producer(client, po);
  auto topic = opts["topic"].as<std::string>();
  if (!producer.init(topic, error)) return fail(cmd, error);
  std::int32_t partition = opts.count("partition") ? opts["partition"].as<std::int32_t>() : -1;
  if (!pump_stdin(producer, parse_key, separator, partition, linger_ms, error)) return fail(cmd, error);
  return 0;
}

}  // namespace tern::cli
