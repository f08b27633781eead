#pragma once
// TCP listener and connections with Kafka's framing: every request and response is a 4-byte
// big-endian length followed by that many bytes. This layer knows nothing of Kafka messages;
// it hands whole request frames to a frame_handler and writes the handler's responses back in
// request order (Kafka clients pipeline requests and rely on that order).
//
// Limits: frames larger than max_frame_bytes close the connection (the client sent something
// no valid request can be); at most max_inflight frames per connection are being handled at
// once (the connection stops reading until responses drain — back-pressure); at most
// max_connections connections (later ones are accepted and closed at once); connections idle
// for idle_timeout_ms are closed.
//
// TLS: a listener given a tls::server_config runs each connection's TLS handshake first (at
// most handshake_timeout_ms; a connection still handshaking then is closed), then the same
// framing through the TLS session. At most max_concurrent_handshakes connections (over all TLS
// listeners) may be handshaking at once: a TLS connection accepted beyond that is closed at
// once (a client retries; queueing them would only hold sockets an attacker opened). A
// handshake failure, a bad record or plaintext on a TLS port closes that connection with one
// log line. connection_info::principal comes from the session once the handshake is done.
//
// Threads: everything here runs on the one io_context thread. respond() must be called on that
// thread, exactly once per frame.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>

namespace tern::tls {
class server_config;
}

namespace tern::net {

struct connection_info;

// A response frame body (without the length prefix) as a list of spans. `keepalive` owns every
// byte the spans point into until the frame is written (e.g. an LMDB read transaction).
struct outgoing_frame {
  std::vector<std::span<const std::uint8_t>> segments;
  std::shared_ptr<const void> keepalive;
  bool send = true;              // false: the request gets no response (Kafka acks=0)
  bool close_after = false;      // close the connection once this (and all before it) is written
  // Set by the protocol layer when this request changes who the connection is (SASL
  // authentication): run on the connection's info when the response is handed over, so every
  // request read after this one sees the change. Frames are framed, not parsed, here: the net
  // layer cannot know on its own which request authenticated.
  std::function<void(connection_info&)> update_connection;
};

struct connection_info {
  std::uint64_t id = 0;
  std::string peer;        // "ip:port"
  std::string listener;    // listener name, e.g. PLAINTEXT
  // Who the peer proved to be (TLS client certificate CN, PSK identity, SASL user), as Kafka's
  // "User:<name>"; "User:ANONYMOUS" on a listener without authentication.
  std::string principal = "User:ANONYMOUS";
  // SASL listeners: set once SaslAuthenticate succeeded (through outgoing_frame::update_connection).
  bool sasl_authenticated = false;
};

using respond_fn = std::function<void(outgoing_frame)>;
using request_frame = std::shared_ptr<const std::vector<std::uint8_t>>;

// Called for every request frame, in arrival order.
using frame_handler = std::function<void(const connection_info&, request_frame, respond_fn)>;

struct server_limits {
  std::size_t max_frame_bytes = 100 << 20;
  std::size_t max_inflight = 100;
  std::size_t max_connections = 1000;
  std::int64_t idle_timeout_ms = 600000;
  std::int64_t handshake_timeout_ms = 10000;  // ssl.handshake.timeout.ms
  std::size_t max_concurrent_handshakes = 100;
};

class server {
 public:
  server(asio::io_context& io, server_limits limits, frame_handler handler);
  ~server();
  // Binds and starts accepting. Returns the bound port through `bound_port` (useful with port 0).
  // With `tls` set, every connection of this listener is a TLS server session on that config
  // (shared, kept alive by the listener and its sessions).
  std::error_code listen(const std::string& listener_name, const std::string& host,
                         std::uint16_t port, std::uint16_t& bound_port,
                         std::shared_ptr<const tls::server_config> tls = nullptr);
  // Replaces the TLS config of a TLS listener (index = order of listen() calls) for connections
  // accepted from now on; established ones keep theirs. false for a PLAINTEXT listener.
  bool set_tls(std::size_t listener_index, std::shared_ptr<const tls::server_config> tls);
  // Stops accepting and closes every connection.
  void stop();
  std::size_t connection_count() const;
  std::size_t handshake_count() const;  // TLS connections still handshaking

 struct state;  // implementation detail (server.cpp), public so connections can reach it

 private:
  std::shared_ptr<state> _state;
};

}  // namespace tern::net
