#include "cluster/raft_transport.h"

#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <string_view>
#include <set>
#include <unordered_map>
#include <utility>

#include <asio/experimental/as_tuple.hpp>

#include "app/log.h"
#include "cluster/raft_codec.h"
#include "tls/tls.h"
#include "tern/common/check.h"

namespace tern::cluster {
namespace {

using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
using clock = std::chrono::steady_clock;
constexpr std::uint8_t hello_magic[4] = {'T', 'Q', 'H', '1'};
constexpr std::size_t tls_read_bytes = 16 * 1024;  // one TLS record's worth of ciphertext

struct connection {
  explicit connection(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  std::unique_ptr<tls::session> tls;  // null = plaintext
  std::vector<std::uint8_t> rx;       // ciphertext read buffer (TLS only)
  std::deque<std::vector<std::uint8_t>> queue;  // whole frames, length included
  std::size_t queued_bytes = 0;
  bool writing = false;
  void close() {
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};
using connection_ptr = std::shared_ptr<connection>;

std::string remote_of(const tcp::socket& socket) {
  std::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

// Reads more ciphertext into the session; an error when the connection ended.
asio::awaitable<std::error_code> feed_more(const connection_ptr& c) {
  c->rx.resize(tls_read_bytes);
  auto [ec, n] = co_await c->socket.async_read_some(asio::buffer(c->rx), use_tuple);
  if (!ec) c->tls->feed({c->rx.data(), n});
  co_return ec;
}

// Runs the TLS handshake to its end: {} when done, else why it failed.
asio::awaitable<std::error_code> tls_handshake(connection_ptr c) {
  for (;;) {
    auto ec = c->tls->handshake();
    if (c->tls->has_output()) {  // handshake messages, or the alert of a failure
      auto out = c->tls->take_output();
      auto [wec, n] = co_await asio::async_write(c->socket, asio::buffer(out), use_tuple);
      (void)n;
      if (wec) co_return wec;
    }
    if (ec != tls::errc::want_read) co_return ec;
    if (auto rec = co_await feed_more(c)) co_return rec;
  }
}

// Fills `dst` with plaintext from the connection (through the session when there is one).
asio::awaitable<std::error_code> read_exact(connection_ptr c, std::span<std::uint8_t> dst) {
  if (!c->tls) {
    auto [ec, n] = co_await asio::async_read(c->socket, asio::buffer(dst.data(), dst.size()), use_tuple);
    (void)n;
    co_return ec;
  }
  std::size_t filled = 0;
  while (filled < dst.size()) {
    std::size_t n = 0;
    auto ec = c->tls->read(dst.subspan(filled), n);
    filled += n;
    if (ec && ec != tls::errc::want_read) co_return ec;
    if (n > 0) continue;
    if (auto rec = co_await feed_more(c)) co_return rec;
  }
  co_return std::error_code{};
}

std::vector<std::uint8_t> frame_of(std::span<const std::uint8_t> body) {
  std::vector<std::uint8_t> f(4 + body.size());
  auto n = static_cast<std::uint32_t>(body.size());
  f[0] = static_cast<std::uint8_t>(n >> 24);
  f[1] = static_cast<std::uint8_t>(n >> 16);
  f[2] = static_cast<std::uint8_t>(n >> 8);
  f[3] = static_cast<std::uint8_t>(n);
  if (!body.empty()) std::memcpy(f.data() + 4, body.data(), body.size());
  return f;
}

struct hello {
  std::int32_t node_id = 0;
  std::uint16_t version = 0;
  std::string quorum_id;
};

bool parse_hello(std::span<const std::uint8_t> body, hello& out) {
  wire::wire_reader r(body);
  auto magic = r.raw(4);
  if (r.failed() || std::memcmp(magic.data(), hello_magic, 4) != 0) return false;
  out.version = static_cast<std::uint16_t>(r.i16());
  out.node_id = r.i32();
  std::uint16_t len = static_cast<std::uint16_t>(r.i16());
  if (r.failed() || len > raft_quorum_id_size_max_bytes) return false;
  auto id = r.raw(len);
  if (r.failed() || r.remaining() != 0) return false;
  out.quorum_id.assign(id.begin(), id.end());
  return true;
}

}  // namespace

struct raft_transport::state : std::enable_shared_from_this<raft_transport::state> {
  struct peer_state {
    raft_transport_peer info;
    connection_ptr out;  // we dialled, hello sent
    connection_ptr in;   // they dialled, hello checked
    std::optional<clock::time_point> last_recv;
  };

  state(asio::io_context& io_context, raft_transport_options o, frame_handler h)
      : io(io_context), options(std::move(o)), handler(std::move(h)), acceptor(io_context) {}

  asio::io_context& io;
  raft_transport_options options;
  frame_handler handler;
  tcp::acceptor acceptor;
  bool stopped = false;
  std::unordered_map<std::int32_t, peer_state> peers;
  std::set<std::pair<std::int32_t, std::string>> refusals_logged;
  std::vector<std::weak_ptr<connection>> connections;  // every socket, to close them on stop
  std::vector<std::weak_ptr<asio::steady_timer>> timers;

  connection_ptr track(tcp::socket s) {
    auto c = std::make_shared<connection>(std::move(s));
    std::erase_if(connections, [](const auto& w) { return w.expired(); });
    connections.push_back(c);
    return c;
  }

  void enqueue(const connection_ptr& c, std::vector<std::uint8_t> frame) {
    c->queued_bytes += frame.size();
    c->queue.push_back(std::move(frame));
    // Drop the oldest unsent frames until the bounds hold (the newest always stays).
    while (c->queue.size() > 1 &&
           (c->queue.size() > options.queue_frames_max || c->queued_bytes > options.queue_bytes_max)) {
      c->queued_bytes -= c->queue.front().size();
      c->queue.pop_front();
    }
    if (!c->writing) {
      c->writing = true;
      asio::co_spawn(io, write_loop(shared_from_this(), c), asio::detached);
    }
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<state> self, connection_ptr c) {
    while (!c->queue.empty() && !self->stopped) {
      std::vector<std::uint8_t> frame = std::move(c->queue.front());
      c->queue.pop_front();
      c->queued_bytes -= frame.size();
      if (c->tls) {
        if (c->tls->write(frame)) {
          c->close();
          break;
        }
        frame = c->tls->take_output();
      }
      auto [ec, n] = co_await asio::async_write(c->socket, asio::buffer(frame), use_tuple);
      (void)n;
      if (ec) {
        c->close();
        break;
      }
    }
    c->queue.clear();
    c->queued_bytes = 0;
    c->writing = false;
  }

  // Reads one frame body; false on a closed connection or a frame out of bounds.
  static asio::awaitable<bool> read_frame(connection_ptr c, std::size_t max_bytes,
                                          std::vector<std::uint8_t>& body, std::string_view who) {
    std::uint8_t header[4];
    if (co_await read_exact(c, header)) co_return false;
    std::uint32_t len = (std::uint32_t{header[0]} << 24) | (std::uint32_t{header[1]} << 16) |
                        (std::uint32_t{header[2]} << 8) | header[3];
    if (len == 0 || len > max_bytes) {
      log::warn("quorum transport: frame of ", len, " bytes from ", who, ": closing");
      co_return false;
    }
    body.resize(len);
    co_return !(co_await read_exact(c, body));
  }

  static asio::awaitable<void> read_loop(std::shared_ptr<state> self, connection_ptr c,
                                         std::int32_t peer) {
    std::vector<std::uint8_t> body;
    std::string who = "voter " + std::to_string(peer);
    while (!self->stopped &&
           co_await read_frame(c, raft_frame_size_max_bytes, body, who)) {
      if (self->stopped) break;
      self->peers[peer].last_recv = clock::now();
      if (self->handler && !self->handler(peer, body)) {
        log::warn("quorum transport: undecodable frame from ", who, ": closing");
        break;
      }
    }
    c->close();
  }

  // Logs a refused connection once per (peer address without port, reason): voters reconnect
  // every few seconds.
  void refuse_once(const std::string& remote, const std::string& why) {
    auto host = remote.substr(0, remote.rfind(':'));
    if (refusals_logged.insert({-1, host + " " + why}).second)
      log::warn("quorum transport: refused a connection from ", remote, ": ", why);
  }

  void refuse(const connection_ptr& c, const hello& h, std::string_view why) {
    if (refusals_logged.insert({h.node_id, h.quorum_id}).second) {
      log::warn("quorum transport: refused a connection claiming node ", h.node_id,
                " quorum id '", h.quorum_id, "': ", why);
    }
    c->close();
  }

  static asio::awaitable<void> inbound(std::shared_ptr<state> self, connection_ptr c) {
    auto timer = std::make_shared<asio::steady_timer>(self->io);
    self->timers.push_back(timer);
    timer->expires_after(std::chrono::milliseconds(self->options.hello_timeout_ms));
    timer->async_wait([c](std::error_code ec) {
      if (!ec) c->close();
    });
    if (self->options.security.enabled()) {
      c->tls = std::make_unique<tls::session>(self->options.security.server);
      std::string remote = remote_of(c->socket);
      if (auto ec = co_await tls_handshake(c)) {
        if (!self->stopped) {
          auto why = c->tls->verify_failure();
          self->refuse_once(remote, "TLS handshake failed: " + ec.message() +
                                        (why.empty() ? "" : " (" + why + ")"));
        }
        timer->cancel();
        c->close();
        co_return;
      }
      auto principal = c->tls->principal();
      if (self->options.security.authorize_peer && !self->options.security.authorize_peer(principal)) {
        self->refuse_once(remote, principal + " is not authorized (ClusterAction on the cluster)");
        timer->cancel();
        c->close();
        co_return;
      }
    }
    std::vector<std::uint8_t> body;
    bool got = co_await read_frame(c, raft_hello_size_max_bytes, body, "an unidentified peer");
    timer->cancel();
    if (!got || self->stopped) {
      c->close();
      co_return;
    }
    hello h;
    if (!parse_hello(body, h)) co_return self->refuse(c, h, "not a quorum hello");
    if (h.version != raft_transport_version) co_return self->refuse(c, h, "protocol version");
    if (h.quorum_id != self->options.quorum_id) co_return self->refuse(c, h, "quorum id mismatch");
    auto it = self->peers.find(h.node_id);
    if (it == self->peers.end()) co_return self->refuse(c, h, "not a voter");
    if (it->second.in) it->second.in->close();
    it->second.in = c;
    co_await read_loop(self, c, h.node_id);
    if (self->peers[h.node_id].in == c) self->peers[h.node_id].in.reset();
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<state> self) {
    while (!self->stopped) {
      auto [ec, socket] = co_await self->acceptor.async_accept(use_tuple);
      if (self->stopped) break;
      if (ec) {
        if (ec == asio::error::operation_aborted) break;
        continue;  // e.g. EMFILE: try the next one
      }
      std::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(self->io, inbound(self, self->track(std::move(socket))), asio::detached);
    }
  }

  static asio::awaitable<bool> connect(std::shared_ptr<state> self, tcp::socket& socket,
                                       const raft_transport_peer& p) {
    tcp::resolver resolver(self->io);
    auto [ec, results] = co_await resolver.async_resolve(p.host, std::to_string(p.port), use_tuple);
    if (ec || self->stopped) co_return false;
    auto [ec2, ep] = co_await asio::async_connect(socket, results, use_tuple);
    (void)ep;
    co_return !ec2 && !self->stopped;
  }

  // The TLS client side of a dialled connection (nothing to do in plaintext). No host name
  // check: voters are mostly addressed by IP, which Mbed TLS 2.28 cannot match against a
  // certificate; the chain must still lead to the configured CA.
  static asio::awaitable<bool> secure_outbound(std::shared_ptr<state> self, connection_ptr c,
                                               std::int32_t peer) {
    if (!self->options.security.enabled()) co_return true;
    c->tls = std::make_unique<tls::session>(self->options.security.client, std::string{});
    auto timer = std::make_shared<asio::steady_timer>(self->io);
    self->timers.push_back(timer);
    timer->expires_after(std::chrono::milliseconds(self->options.hello_timeout_ms));
    timer->async_wait([c](std::error_code ec) {
      if (!ec) c->close();
    });
    auto ec = co_await tls_handshake(c);
    timer->cancel();
    if (!ec) {
      // The acceptor must be a voter as much as we must: same rule both ways.
      auto principal = c->tls->principal();
      if (!self->options.security.authorize_peer || self->options.security.authorize_peer(principal))
        co_return true;
      self->refuse_once(remote_of(c->socket) + " (voter " + std::to_string(peer) + ")",
                        principal + " is not authorized (ClusterAction on the cluster)");
      co_return false;
    }
    if (!self->stopped) {
      auto why = c->tls->verify_failure();
      self->refuse_once(remote_of(c->socket) + " (voter " + std::to_string(peer) + ")",
                        "TLS handshake failed: " + ec.message() + (why.empty() ? "" : " (" + why + ")"));
    }
    co_return false;
  }

  static asio::awaitable<void> dial_loop(std::shared_ptr<state> self, std::int32_t peer) {
    std::int64_t backoff_ms = self->options.reconnect_min_ms;
    auto timer = std::make_shared<asio::steady_timer>(self->io);
    self->timers.push_back(timer);
    while (!self->stopped) {
      auto c = self->track(tcp::socket(self->io));
      if (co_await connect(self, c->socket, self->peers[peer].info) &&
          co_await secure_outbound(self, c, peer)) {
        backoff_ms = self->options.reconnect_min_ms;
        std::error_code ignored;
        c->socket.set_option(tcp::no_delay(true), ignored);
        self->enqueue(c, frame_of(hello_body(self->options.node_id, self->options.quorum_id)));
        self->peers[peer].out = c;
        co_await read_loop(self, c, peer);
        if (self->peers[peer].out == c) self->peers[peer].out.reset();
      }
      c->close();
      if (self->stopped) break;
      timer->expires_after(std::chrono::milliseconds(backoff_ms));
      co_await timer->async_wait(use_tuple);
      backoff_ms = std::min(backoff_ms * 2, self->options.reconnect_max_ms);
    }
  }
};

raft_transport::raft_transport(asio::io_context& io, raft_transport_options options,
                               frame_handler handler)
    : _state(std::make_shared<state>(io, std::move(options), std::move(handler))) {
  for (const auto& p : _state->options.peers) _state->peers[p.node_id].info = p;
}

raft_transport::~raft_transport() { stop(); }

std::error_code raft_transport::start() {
  auto& s = *_state;
  std::error_code ec;
  auto address = asio::ip::make_address(s.options.listen_host, ec);
  if (ec) {
    tcp::resolver resolver(s.io);
    auto results = resolver.resolve(s.options.listen_host, "", ec);
    if (ec || results.empty()) return ec ? ec : std::make_error_code(std::errc::invalid_argument);
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(address, s.options.listen_port);
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::error_code ignored;
    s.acceptor.close(ignored);
    return ec;
  }
  asio::co_spawn(s.io, state::accept_loop(_state), asio::detached);
  for (const auto& p : s.options.peers) {
    asio::co_spawn(s.io, state::dial_loop(_state, p.node_id), asio::detached);
  }
  return {};
}

std::uint16_t raft_transport::bound_port() const {
  std::error_code ec;
  auto ep = _state->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void raft_transport::stop() {
  auto& s = *_state;
  if (s.stopped) return;
  s.stopped = true;
  s.handler = nullptr;
  std::error_code ignored;
  s.acceptor.close(ignored);
  for (auto& w : s.connections) {
    if (auto c = w.lock()) c->close();
  }
  for (auto& w : s.timers) {
    if (auto t = w.lock()) t->cancel();
  }
  for (auto& [id, p] : s.peers) {
    p.in.reset();
    p.out.reset();
  }
}

bool raft_transport::send(std::int32_t to, std::vector<std::uint8_t> body) {
  auto& s = *_state;
  if (s.stopped || body.empty() || body.size() > raft_frame_size_max_bytes) return false;
  auto it = s.peers.find(to);
  if (it == s.peers.end()) return false;
  const connection_ptr& c = it->second.out ? it->second.out : it->second.in;
  if (!c) return false;
  s.enqueue(c, frame_of(body));
  return true;
}

bool raft_transport::connected(std::int32_t peer) const {
  auto it = _state->peers.find(peer);
  return it != _state->peers.end() && (it->second.out || it->second.in);
}

std::int64_t raft_transport::last_contact_ms_ago(std::int32_t peer) const {
  auto it = _state->peers.find(peer);
  if (it == _state->peers.end() || !it->second.last_recv) return -1;
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - *it->second.last_recv)
      .count();
}

std::vector<std::uint8_t> raft_transport::hello_body(std::int32_t voter_id,
                                                      std::string_view quorum_id,
                                                      std::uint16_t version) {
  TERN_ASSERT(quorum_id.size() <= raft_quorum_id_size_max_bytes);
  wire::wire_writer w;
  w.raw({hello_magic, 4});
  w.i16(static_cast<std::int16_t>(version));
  w.i32(voter_id);
  w.i16(static_cast<std::int16_t>(quorum_id.size()));
  w.raw({reinterpret_cast<const std::uint8_t*>(quorum_id.data()), quorum_id.size()});
  return w.contiguous();
}

}  // namespace tern::cluster
