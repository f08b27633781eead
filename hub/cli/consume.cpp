// `tern consume`: print records of a topic, like kafka-console-consumer (without a group for
// now): --from-beginning / --offset, --partition, --max-messages, --timeout-ms, and the
// formatter properties print.key, print.offset, print.partition, print.timestamp, print.headers,
// key.separator, line.separator, null.literal.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "client/consumer.h"

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
      ("property", "formatter property key=value (repeatable)", cxxopts::value<std::vector<std::string>>())
      ("h,help", "show this help");
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

  client::cluster_client client;
  if (!connect(cmd, opts["bootstrap-server"].as<std::string>(), client)) return 1;
  client::consumer consumer(client, {});
  auto topic = opts["topic"].as<std::string>();
  if (!consumer.init(topic, partition, from, start_offset, error)) return fail(cmd, error);

  std::int64_t printed = 0;
  auto last_record = std::chrono::steady_clock::now();
  std::string out;
  for (;;) {
    bool stopped = false;
    out.clear();
    bool ok = consumer.poll([&](std::int32_t p, const record_batch::record& r) {
      fmt.print(p, r, out);
      ++printed;
      return max_messages < 0 || printed < max_messages;
    }, stopped, error);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (!ok) return fail(cmd, error);
    if (!out.empty()) last_record = std::chrono::steady_clock::now();
    if (stopped || (max_messages >= 0 && printed >= max_messages)) break;
    if (timeout_ms >= 0 && std::chrono::steady_clock::now() - last_record > std::chrono::milliseconds(timeout_ms))
      break;
  }
  std::cerr << "Processed a total of " << printed << " messages\n";
  return 0;
}

}  // namespace tern::cli
