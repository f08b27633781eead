// `tern bench`: produce N records of S bytes (acks=1 by default) over one connection, then
// consume them back, printing records/s, MB/s and produce-request latency percentiles. A figure
// tool, not a pass/fail test. --command-config measures over TLS; --handshakes N instead counts
// TLS handshakes per second (full, or PSK with ssl.psk.identity).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "client/consumer.h"
#include "client/producer.h"
#include "tern/kafka/messages/create_topics.h"
#include "tls/tls.h"

namespace tern::cli {
namespace {
constexpr const char* cmd = "bench";
using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) {
  return std::chrono::duration<double>(clock::now() - t).count();
}

std::int64_t percentile(std::vector<std::int64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

bool ensure_topic(client::cluster_client& client, const std::string& topic, std::int32_t partitions,
                  std::string& error) {
  kafka::metadata_response md;
  if (auto ec = client.metadata(std::vector<std::string>{}, false, md)) {
    error = client.describe(-1, ec);
    return false;
  }
  client::kafka_connection* conn = nullptr;
  if (auto ec = client.connection_to(client.controller_id(), conn)) {
    error = client.describe(client.controller_id(), ec);
    return false;
  }
  kafka::create_topics_request request;
  request.topics.push_back({topic, partitions, 1, {}, {}});
  kafka::create_topics_response response;
  if (auto ec = conn->call(request, conn->version_for(kafka::api_key::create_topics), response)) {
    error = client.describe(client.controller_id(), ec);
    return false;
  }
  return true;  // an existing topic is fine
}
// One TCP connection and one TLS handshake on it, blocking; the connection closes after.
std::error_code one_handshake(asio::io_context& io,
                              const asio::ip::tcp::resolver::results_type& endpoints,
                              const client::tls_settings& tls, const std::string& host,
                              std::string& detail, std::string& suite) {
  asio::ip::tcp::socket socket(io);
  std::error_code ec;
  asio::connect(socket, endpoints, ec);
  if (ec) return ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  tls::session session(tls.config, tls.verify_hostname ? host : std::string{});
  std::uint8_t buffer[16384];
  for (;;) {
    auto result = session.handshake();
    auto out = session.take_output();
    if (!out.empty() && (asio::write(socket, asio::buffer(out), ec), ec)) return ec;
    if (!result) break;
    if (result != tls::errc::want_read) {
      detail = session.verify_failure();
      return result;
    }
    std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    if (ec) return ec;
    session.feed(std::span<const std::uint8_t>(buffer, n));
  }
  suite = session.cipher_suite();
  session.close_notify();
  auto out = session.take_output();
  asio::write(socket, asio::buffer(out), ec);
  return {};
}

// --handshakes N: sequential TCP connect + TLS handshake + close, N times; prints handshakes/s.
int run_handshakes(const cxxopts::ParseResult& opts, std::int64_t count) {
  client::tls_settings tls;
  std::string error;
  if (!opts.count("command-config"))
    return fail(cmd, "--handshakes needs --command-config with security.protocol=SSL");
  if (!load_command_config(opts["command-config"].as<std::string>(), tls, error))
    return fail(cmd, error);
  if (!tls.config) return fail(cmd, "--handshakes needs security.protocol=SSL in --command-config");
  std::string host;
  std::uint16_t port = 0;
  if (!client::parse_bootstrap(opts["bootstrap-server"].as<std::string>(), host, port))
    return fail(cmd, "--bootstrap-server is not host:port");
  std::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec && tls.verify_hostname)
    return fail(cmd, client::make_error_code(client::client_errc::tls_ip_name_check).message());
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return fail(cmd, "cannot resolve " + host + ": " + ec.message());
  auto start = clock::now();
  std::string suite;
  for (std::int64_t i = 0; i < count; ++i) {
    std::string detail;
    if (auto e = one_handshake(io, endpoints, tls, host, detail, suite))
      return fail(cmd, "handshake " + std::to_string(i + 1) + ": " + e.message() +
                           (detail.empty() ? "" : " (" + detail + ")"));
  }
  double s = seconds_since(start);
  std::printf(
      "handshakes: %lld TLS handshakes (TCP connect + handshake + close, one at a time) in %.2f s: "
      "%.0f handshakes/s, %.2f ms each (%s)\n",
      static_cast<long long>(count), s, static_cast<double>(count) / s,
      s * 1000.0 / static_cast<double>(count), suite.c_str());
  return 0;
}
}  // namespace

int run_bench(int argc, char** argv) {
  cxxopts::Options options("tern bench", "Measure produce and consume throughput against a hub");
  options.add_options()
      ("bootstrap-server", "hub to measure", cxxopts::value<std::string>()->default_value("127.0.0.1:9092"))
      ("topic", "topic to use (default: a new tern-bench-<time> topic)", cxxopts::value<std::string>())
      ("partitions", "partitions when creating the topic", cxxopts::value<std::int32_t>()->default_value("1"))
      ("records", "number of records", cxxopts::value<std::int64_t>()->default_value("1000000"))
      ("record-size", "value size in bytes", cxxopts::value<std::size_t>()->default_value("100"))
      ("batch-records", "records per produce batch", cxxopts::value<std::size_t>()->default_value("1000"))
      ("inflight", "produce requests in flight", cxxopts::value<std::size_t>()->default_value("5"))
      ("acks", "0, 1 or all", cxxopts::value<std::string>()->default_value("1"))
      ("handshakes", "instead: count N TLS handshakes/s (needs --command-config)", cxxopts::value<std::int64_t>())
      ("h,help", "show this help");
  add_command_config(options);
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return 2;
  const auto& opts = *parsed;
  if (opts.count("handshakes")) return run_handshakes(opts, opts["handshakes"].as<std::int64_t>());
  // A fresh topic by default, so old data never inflates the consume figures.
  auto topic = opts.count("topic") ? opts["topic"].as<std::string>()
                                   : "tern-bench-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto records = opts["records"].as<std::int64_t>();
  auto record_size = opts["record-size"].as<std::size_t>();
  client::producer_options po;
  po.batch_max_records = opts["batch-records"].as<std::size_t>();
  po.max_inflight = opts["inflight"].as<std::size_t>();
  auto acks = opts["acks"].as<std::string>();
  po.acks = acks == "all" ? -1 : static_cast<std::int16_t>(std::atoi(acks.c_str()));
  std::string error;

  client::cluster_client client;
  if (!connect(cmd, opts, client)) return 1;
  if (!ensure_topic(client, topic, opts["partitions"].as<std::int32_t>(), error)) return fail(cmd, error);

  client::producer producer(client, po);
  if (!producer.init(topic, error)) return fail(cmd, error);
  std::vector<std::uint8_t> value(record_size);
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>('a' + i % 26);
  auto start = clock::now();
  auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count();
  for (std::int64_t i = 0; i < records; ++i) {
    if (!producer.add(std::nullopt, record_batch::bytes_view(value), {}, ts, -1, error)) return fail(cmd, error);
  }
  if (!producer.flush(error)) return fail(cmd, error);
  double produce_s = seconds_since(start);
  double mb = static_cast<double>(records) * static_cast<double>(record_size) / 1e6;
  std::printf("produce: %lld records of %zu bytes in %.2f s: %.0f records/s, %.1f MB/s (acks=%s, batch %zu, inflight %zu)\n",
              static_cast<long long>(records), record_size, produce_s, static_cast<double>(records) / produce_s,
              mb / produce_s, acks.c_str(), po.batch_max_records, po.max_inflight);
  const auto& lat = producer.latencies_us();
  if (!lat.empty())
    std::printf("produce request latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu requests\n",
                static_cast<double>(percentile(lat, 0.50)) / 1000.0, static_cast<double>(percentile(lat, 0.99)) / 1000.0,
                static_cast<double>(percentile(lat, 1.0)) / 1000.0, lat.size());

  client::consumer consumer(client, {});
  if (consumer.init(topic, -1, client::consumer::start::earliest, 0, error) != client::call_status::ok)
    return fail(cmd, error);
  std::int64_t consumed = 0;
  start = clock::now();
  while (consumed < records) {
    bool stopped = false;
    if (consumer.poll([&](std::int32_t, const record_batch::record&) { return ++consumed < records; }, stopped,
                      error) != client::call_status::ok)
      return fail(cmd, error);
    if (consumer.caught_up() && !stopped && consumed < records) break;
  }
  double consume_s = seconds_since(start);
  std::printf("consume: %lld records in %.2f s: %.0f records/s, %.1f MB/s (CRC32C checked, records decoded)\n",
              static_cast<long long>(consumed), consume_s, static_cast<double>(consumed) / consume_s,
              static_cast<double>(consumer.bytes_fetched()) / 1e6 / consume_s);
  if (consumed < records) return fail(cmd, "consumed only " + std::to_string(consumed) + " of " + std::to_string(records));
  return 0;
}

}  // namespace tern::cli
