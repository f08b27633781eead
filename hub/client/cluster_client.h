#pragma once
// A metadata-aware client: bootstraps from "host:port[,host:port]", learns brokers and partition
// leaders from Metadata, and keeps one kafka_connection per broker, opened lazily. The CLI and
// the benchmark build on it; with one node every leader is the bootstrap broker, with a cluster
// requests go to each partition's leader.
//
// Errors: std::error_code (Asio for connection failures, client_errc for protocol trouble);
// describe() turns them into a sentence naming the address. Not thread-safe.
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "client/kafka_connection.h"
#include "tern/kafka/messages/metadata.h"

namespace tern::client {

class cluster_client {
 public:
  // Connects to the first reachable bootstrap server. false + `error` (a sentence) on failure.
  bool bootstrap(const std::string& servers, std::string& error);
  // TLS for every connection opened from now on (call before bootstrap()).
  void set_tls(tls_settings settings) { _tls = std::move(settings); }
  const tls_settings& tls() const { return _tls; }
  // Every connection opened from now on gives up waiting once `flag` is set
  // (kafka_connection::set_abort_flag). The flag must outlive the client.
  void set_abort_flag(const std::atomic<bool>* flag) { _abort = flag; }
  // The client id of every connection opened from now on (default "tern-cli").
  void set_client_id(std::string id) { _client_id = std::move(id); }

  // Metadata for `topics` (nullopt = all). Updates the broker table. When the broker it asks has
  // gone (a gateway of a cluster died), it asks the other brokers it knows, then the bootstrap
  // servers, and sticks with the first that answers.
  std::error_code metadata(const std::optional<std::vector<std::string>>& topics, bool allow_auto_create,
                           kafka::metadata_response& out);

  // The connection to a broker (by node id from the last metadata), connecting if needed.
  std::error_code connection_to(std::int32_t node_id, kafka_connection*& out);
  kafka_connection& bootstrap_connection() { return *_bootstrap; }
  std::int32_t controller_id() const { return _controller_id; }

  // "cannot connect to 127.0.0.1:9093: Connection refused"-style text for an error on `node_id`.
  std::string describe(std::int32_t node_id, std::error_code ec) const;
  const std::string& bootstrap_address() const { return _bootstrap_address; }

 private:
  struct broker_address {
    std::string host;
    std::uint16_t port = 0;
  };
  // Forgets the connection to `node_id` (it failed: the next connection_to() opens a new one).
 public:
  void drop_connection(std::int32_t node_id) { _connections.erase(node_id); }
  // Connects the metadata (bootstrap) connection again — to a broker it knows, else to one of
  // the bootstrap servers — after it failed (e.g. the hub restarted). The error of the last
  // attempt when none answers (the old connection stays, closed).
  std::error_code reconnect_metadata();

 private:
  std::unique_ptr<kafka_connection> _bootstrap;
  std::string _bootstrap_address;
  std::string _bootstrap_servers;  // as given, for reconnect_metadata()
  std::map<std::int32_t, broker_address> _brokers;
  std::map<std::int32_t, std::unique_ptr<kafka_connection>> _connections;
  std::int32_t _controller_id = -1;
  tls_settings _tls;
  const std::atomic<bool>* _abort = nullptr;
  std::string _client_id = "tern-cli";
};

}  // namespace tern::client
