#pragma once
// TCP between controller voters (the CONTROLLER listener): framing, the hello handshake,
// per-peer outbound connections with reconnect backoff, bounded send queues. It carries opaque
// frame bodies; the quorum puts a kind byte first (Raft message types, application messages).
//
// Wire: every frame is a 4-byte big-endian length then the body (1 ..= 16 MiB). A connecting
// voter's first frame is a hello: "TQH1" | version u16 | node id i32 | quorum id (u16 length,
// <= 255 bytes). The acceptor checks magic, version, quorum id and that the node id is another
// voter; on a mismatch it logs once per (node id, quorum id) and closes. Until the hello passed,
// a frame may be at most 512 bytes (no buffer is sized from an unauthenticated length). A frame
// over the limit or an empty one closes the connection (logged); the peer reconnects.
// Each voter dials every other voter (backoff 100 ms doubling to 2 s, reset on connect) and
// also reads frames from the connections others dialled; send() prefers the outbound
// connection and falls back to the inbound one. A connection's queue holds at most
// queue_frames_max frames and queue_bytes_max bytes: when full the oldest frame is dropped
// (Raft tolerates loss and retransmits).
//
// Security (raft_transport_security): with TLS configs set, every connection is TLS 1.2 with
// certificates on both sides (mutual TLS, the dialler is the TLS client): the acceptor verifies
// the dialler's chain against its CA, then asks authorize_peer about the certificate's principal
// ("User:<CN>") before it reads the hello; the dialler verifies the acceptor's chain and asks
// authorize_peer about its principal before it sends the hello. A peer
// that fails either check is closed and logged once per reason, so nothing without a trusted
// certificate (and, with an authorizer, ClusterAction) can vote or reach the controller.
// Without TLS configs the transport is plaintext (hello only: any host that can reach the port
// can take part; the start-up log says so).
//
// Threads: every call, and the handler, run on the io_context thread.
// Errors: start() returns the bind/listen error (std::errc / asio codes). send() reports a
// dropped frame as false. Peers' failures are handled here (logged, reconnect), never thrown.
// Lifetimes: the span given to the handler is valid only during the call. stop() (or the
// destructor) closes everything at once; pending operations finish harmlessly on later runs of
// the io_context without touching this object.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio.hpp>

namespace tern::tls {
class server_config;
class client_config;
}  // namespace tern::tls

namespace tern::cluster {

// How voters authenticate each other; all null = plaintext.
struct raft_transport_security {
  std::shared_ptr<const tls::server_config> server;  // must require client certificates
  std::shared_ptr<const tls::client_config> client;  // this node's certificate + the CA
  // Decides whether a verified peer principal ("User:<CN>") may take part; null = any peer
  // whose certificate chain is trusted.
  std::function<bool(const std::string& principal)> authorize_peer;
  bool enabled() const { return server && client; }
};

struct raft_transport_peer {
  std::int32_t node_id = 0;
  std::string host;
  std::uint16_t port = 0;
};

struct raft_transport_options {
  std::int32_t node_id = 0;
  std::string quorum_id;
  std::string listen_host;
  std::uint16_t listen_port = 0;
  std::vector<raft_transport_peer> peers;  // every other voter
  std::size_t queue_frames_max = 1024;
  std::size_t queue_bytes_max = 64u << 20;
  std::int64_t reconnect_min_ms = 100;
  std::int64_t reconnect_max_ms = 2000;
  std::int64_t hello_timeout_ms = 5000;  // the TLS handshake and the hello, together
  raft_transport_security security;
};

inline constexpr std::uint16_t raft_transport_version = 1;
inline constexpr std::size_t raft_hello_size_max_bytes = 512;
inline constexpr std::size_t raft_quorum_id_size_max_bytes = 255;

class raft_transport {
 public:
  // Returns false when the body does not decode: the connection is then closed.
  using frame_handler = std::function<bool(std::int32_t from, std::span<const std::uint8_t>)>;

  raft_transport(asio::io_context& io, raft_transport_options options, frame_handler handler);
  ~raft_transport();
  raft_transport(const raft_transport&) = delete;
  raft_transport& operator=(const raft_transport&) = delete;

  // Binds and listens, then starts dialling the peers.
  std::error_code start();
  std::uint16_t bound_port() const;
  void stop();

  // Queues one frame (the body, without the length) to `to`. False when it was dropped: no
  // connection to that peer, or the body is empty or over the frame limit.
  bool send(std::int32_t to, std::vector<std::uint8_t> body);
  bool connected(std::int32_t peer) const;
  // Milliseconds since a frame last arrived from the peer (-1 never).
  std::int64_t last_contact_ms_ago(std::int32_t peer) const;

  // The body of the hello frame a voter sends first; exposed for tests that play a hostile or
  // mismatched peer.
  static std::vector<std::uint8_t> hello_body(std::int32_t voter_id, std::string_view quorum_id,
                                               std::uint16_t version = raft_transport_version);

  struct state;

 private:
  std::shared_ptr<state> _state;
};

}  // namespace tern::cluster
