#include "client/cluster_client.h"

namespace tern::client {

bool cluster_client::bootstrap(const std::string& servers, std::string& error) {
  _bootstrap_servers = servers;
  std::string rest = servers;
  std::string last_error = "no bootstrap server given";
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string one = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    std::string host;
    std::uint16_t port = 0;
    if (!parse_bootstrap(one, host, port)) {
      last_error = "bootstrap server '" + one + "' is not host:port";
      continue;
    }
    auto conn = std::make_unique<kafka_connection>();
    conn->set_client_id(_client_id);
    conn->set_tls(_tls);
    conn->set_abort_flag(_abort);
    if (auto ec = conn->connect(host, port)) {
      last_error = "cannot connect to " + one + ": " + ec.message();
      if (!conn->error_detail().empty()) last_error += " (" + conn->error_detail() + ")";
      continue;
    }
    _bootstrap = std::move(conn);
    _bootstrap_address = one;
    return true;
  }
  error = last_error;
  return false;
}

std::error_code cluster_client::metadata(const std::optional<std::vector<std::string>>& topics,
                                         bool allow_auto_create, kafka::metadata_response& out) {
  kafka::metadata_request request;
  if (topics) {
    request.topics.emplace();
    for (const auto& t : *topics) request.topics->push_back({t});
  }
  request.allow_auto_topic_creation = allow_auto_create;
  // A connection that failed earlier is closed (kafka_connection.h): open another first.
  if (!_bootstrap->is_open()) {
    if (auto ec = reconnect_metadata()) return ec;
  }
  auto version = _bootstrap->version_for(kafka::api_key::metadata);
  if (version < 1) return client_errc::unsupported_version;
  if (auto ec = _bootstrap->call(request, version, out)) {
    // A connection that failed is unusable: try the other brokers once.
    if (reconnect_metadata()) return ec;
    version = _bootstrap->version_for(kafka::api_key::metadata);
    if (version < 1) return client_errc::unsupported_version;
    if (auto again = _bootstrap->call(request, version, out)) return again;
  }
  for (const auto& b : out.brokers) _brokers[b.node_id] = {b.host, static_cast<std::uint16_t>(b.port)};
  _controller_id = out.controller_id;
  return {};
}

std::error_code cluster_client::reconnect_metadata() {
  std::vector<std::pair<std::string, std::uint16_t>> candidates;
  for (const auto& [id, b] : _brokers) candidates.emplace_back(b.host, b.port);
  std::string rest = _bootstrap_servers;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string one = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    std::string host;
    std::uint16_t port = 0;
    if (parse_bootstrap(one, host, port)) candidates.emplace_back(host, port);
  }
  std::error_code last = asio::error::not_connected;  // no candidate at all
  for (const auto& [host, port] : candidates) {
    auto conn = std::make_unique<kafka_connection>();
    conn->set_client_id(_bootstrap->client_id());
    conn->set_tls(_tls);
    conn->set_abort_flag(_abort);
    if ((last = conn->connect(host, port, std::chrono::seconds(2)))) continue;
    _bootstrap = std::move(conn);
    _bootstrap_address = host + ":" + std::to_string(port);
    return {};
  }
  return last;
}

std::error_code cluster_client::connection_to(std::int32_t node_id, kafka_connection*& out) {
  auto it = _connections.find(node_id);
  if (it != _connections.end() && it->second->is_open()) {
    out = it->second.get();
    return {};
  }
  auto addr = _brokers.find(node_id);
  if (addr == _brokers.end()) return client_errc::malformed_response;
  auto conn = std::make_unique<kafka_connection>();
  conn->set_client_id(_bootstrap->client_id());
  conn->set_tls(_tls);
  conn->set_abort_flag(_abort);
  if (auto ec = conn->connect(addr->second.host, addr->second.port)) return ec;
  out = conn.get();
  _connections[node_id] = std::move(conn);
  return {};
}

std::string cluster_client::describe(std::int32_t node_id, std::error_code ec) const {
  auto addr = _brokers.find(node_id);
  std::string where = addr == _brokers.end()
                          ? _bootstrap_address
                          : addr->second.host + ":" + std::to_string(addr->second.port);
  return "broker " + where + ": " + ec.message();
}

}  // namespace tern::client
