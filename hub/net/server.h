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
// Request memory: every frame's bytes come from one server-wide request_budget of
// request_budget_bytes (queued.max.request.bytes) and stay taken until the handler drops the
// frame (a produce holds it until storage committed it). A frame of at most frame_reserve_bytes
// (an ordinary request) is taken from the budget whole before its body is read, so ordinary
// requests never hold part of their memory while waiting for the rest; a larger frame is
// charged as its buffer grows. The buffer grows as bytes arrive (doubling, from
// 4 KiB): a length prefix alone allocates nothing. A connection that cannot get the bytes it
// needs stops reading until they are free. The budget's last eighth is kept for frames of at
// most small_frame_bytes, which are also served first: a client sending small requests is not
// queued behind a crowd of connections sending large ones (request_budget.h, lanes). A frame larger than the budget is charged the whole
// budget at most, so it waits until it is read alone, never for more than exists.
// When connections have waited for the budget for a while, the partial frames expected to take
// the longest to arrive (missing bytes / arrival rate so far, at least slow_frame_min_age_ms
// old) are closed until the oldest waiter fits: a slow sender cannot hold the budget hostage,
// and large frames that each hold part of the budget while waiting for more cannot deadlock.
// On a listener that requires authentication (listen(..., authentication_required)), a
// connection that has not authenticated yet may send frames of at most
// unauthenticated_max_frame_bytes (handshake requests are tiny); larger closes it.
//
// Loop stalls: a probe timer (every loop_probe_interval_ms; 0 = off) measures how late the io
// thread runs it; loop_stall_max_ms() is the worst so far, logged at stop() and at debug level
// when above 20 ms.
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
  // SASL listeners: the Kafka layer's state between requests of one login (the mechanism
  // SaslHandshake chose, a SCRAM exchange between its two SaslAuthenticate rounds). Opaque here;
  // set through outgoing_frame::update_connection and freed with the connection.
  std::shared_ptr<const void> sasl_state;
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
  std::size_t request_budget_bytes = 64 << 20;            // queued.max.request.bytes
  std::size_t unauthenticated_max_frame_bytes = 64 << 10;  // before SASL on a SASL listener
  std::size_t frame_reserve_bytes = 1 << 20;  // taken at once for a frame (see read_body)
  std::size_t small_frame_bytes = 64 << 10;   // such frames may use the budget's last eighth
  std::int64_t slow_frame_min_age_ms = 500;
  std::int64_t loop_probe_interval_ms = 50;
};

class server {
 public:
  server(asio::io_context& io, server_limits limits, frame_handler handler);
  ~server();
  // Binds and starts accepting. Returns the bound port through `bound_port` (useful with port 0).
  // With `tls` set, every connection of this listener is a TLS server session on that config
  // (shared, kept alive by the listener and its sessions). With `authentication_required`
  // (SASL listeners), frames are capped at unauthenticated_max_frame_bytes until
  // connection_info::sasl_authenticated is set.
  std::error_code listen(const std::string& listener_name, const std::string& host,
                         std::uint16_t port, std::uint16_t& bound_port,
                         std::shared_ptr<const tls::server_config> tls = nullptr,
                         bool authentication_required = false);
  // Replaces the TLS config of a TLS listener (index = order of listen() calls) for connections
  // accepted from now on; established ones keep theirs. false for a PLAINTEXT listener.
  bool set_tls(std::size_t listener_index, std::shared_ptr<const tls::server_config> tls);
  // Stops accepting and closes every connection.
  void stop();
  std::size_t connection_count() const;
  std::size_t handshake_count() const;  // TLS connections still handshaking
  std::size_t request_bytes_used() const;    // taken from the request budget now
  std::size_t connections_closed_for_memory() const;  // slow partial frames closed so far
  std::int64_t loop_stall_max_ms() const;

 struct state;  // implementation detail (server.cpp), public so connections can reach it

 private:
  std::shared_ptr<state> _state;
};

}  // namespace tern::net
