#include "net/server.h"

#include <chrono>
#include <deque>
#include <optional>
#include <unordered_map>

#include <asio/experimental/as_tuple.hpp>

#include "app/log.h"

namespace tern::net {
namespace {
using asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
using clock = std::chrono::steady_clock;

std::string endpoint_text(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

class connection;

struct server::state : std::enable_shared_from_this<server::state> {
  asio::io_context& io;
  server_limits limits;
  frame_handler handler;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections;
  std::uint64_t next_id = 1;
  bool stopped = false;
  asio::steady_timer idle_sweep;
  clock::time_point last_refusal_log{};

  state(asio::io_context& i, server_limits l, frame_handler h)
      : io(i), limits(l), handler(std::move(h)), idle_sweep(i) {}
  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::string listener);
  void start_idle_sweep();
};

// One client connection: a reader coroutine that frames requests, and an ordered queue of
// response slots drained by a chain of async writes.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<server::state> owner, tcp::socket socket, connection_info info)
      : _owner(std::move(owner)), _socket(std::move(socket)), _info(std::move(info)),
        _drained(_socket.get_executor()) {
    _drained.expires_at(asio::steady_timer::time_point::max());
    _last_activity = clock::now();
  }

  const connection_info& info() const { return _info; }
  clock::time_point last_activity() const { return _last_activity; }
  bool idle() const { return _slots.empty(); }

  void start() {
    asio::co_spawn(_socket.get_executor(), [self = shared_from_this()] { return self->read_loop(); },
                   asio::detached);
  }

  void close(const char* why) {
    if (!_socket.is_open()) return;
    log::debug("connection ", _info.id, " from ", _info.peer, " closed: ", why);
    std::error_code ignored;
    _socket.shutdown(tcp::socket::shutdown_both, ignored);
    _socket.close(ignored);
    _drained.cancel();
    _owner->connections.erase(_info.id);
  }

 private:
  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    const auto& limits = _owner->limits;
    for (;;) {
      while (_slots.size() >= limits.max_inflight && _socket.is_open()) {
        co_await _drained.async_wait(use_tuple);  // back-pressure: wait for responses to drain
      }
      if (!_socket.is_open()) co_return;
      std::uint8_t prefix[4];
      auto [ec, n] = co_await asio::async_read(_socket, asio::buffer(prefix), use_tuple);
      if (ec) co_return close(ec == asio::error::eof ? "peer closed" : "read failed");
      std::uint32_t size = std::uint32_t(prefix[0]) << 24 | std::uint32_t(prefix[1]) << 16 |
                           std::uint32_t(prefix[2]) << 8 | prefix[3];
      if (size == 0 || size > limits.max_frame_bytes) {
        log::warn("connection ", _info.id, " from ", _info.peer, ": frame of ", size,
                  " bytes is outside 1..", limits.max_frame_bytes, " (socket.request.max.bytes); closing");
        co_return close("frame size");
      }
      auto frame = std::make_shared<std::vector<std::uint8_t>>(size);
      auto [ec2, n2] = co_await asio::async_read(_socket, asio::buffer(*frame), use_tuple);
      if (ec2) co_return close("truncated frame");
      _last_activity = clock::now();
      std::size_t slot = _next_slot++;
      _slots.emplace_back();
      _owner->handler(_info, std::move(frame), [self, slot](outgoing_frame out) {
        self->complete(slot, std::move(out));
      });
    }
  }

  void complete(std::size_t slot, outgoing_frame out) {
    std::size_t index = slot - _first_slot;
    assert(index < _slots.size() && !_slots[index].has_value());
    _slots[index] = std::move(out);
    pump();
  }

  // Writes the next ready response if none is being written; drops acks=0 slots.
  void pump() {
    while (!_writing && !_slots.empty() && _slots.front().has_value()) {
      outgoing_frame& front = *_slots.front();
      if (!_socket.is_open()) {
        pop_front();
        continue;
      }
      if (!front.send) {
        bool close_now = front.close_after;
        pop_front();
        if (close_now) close("protocol error");
        continue;
      }
      std::size_t total = 0;
      for (auto s : front.segments) total += s.size();
      _prefix[0] = static_cast<std::uint8_t>(total >> 24);
      _prefix[1] = static_cast<std::uint8_t>(total >> 16);
      _prefix[2] = static_cast<std::uint8_t>(total >> 8);
      _prefix[3] = static_cast<std::uint8_t>(total);
      _buffers.clear();
      _buffers.emplace_back(_prefix, 4);
      for (auto s : front.segments) _buffers.emplace_back(s.data(), s.size());
      _writing = true;
      asio::async_write(_socket, _buffers,
                        [self = shared_from_this()](std::error_code ec, std::size_t) {
                          self->_writing = false;
                          bool close_now = self->_slots.front()->close_after;
                          self->pop_front();
                          if (ec) return self->close("write failed");
                          if (close_now) return self->close("closed after error response");
                          self->_last_activity = clock::now();
                          self->pump();
                        });
    }
  }

  void pop_front() {
    _slots.pop_front();
    ++_first_slot;
    _drained.cancel();  // wake a reader waiting for room
  }

  std::shared_ptr<server::state> _owner;
  tcp::socket _socket;
  connection_info _info;
  asio::steady_timer _drained;  // cancelled to signal "a slot was freed"
  std::deque<std::optional<outgoing_frame>> _slots;
  std::size_t _first_slot = 0;
  std::size_t _next_slot = 0;
  bool _writing = false;
  std::uint8_t _prefix[4]{};
  std::vector<asio::const_buffer> _buffers;
  clock::time_point _last_activity;
};

asio::awaitable<void> server::state::accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                                 std::string listener) {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(use_tuple);
    if (stopped) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      log::warn("accept on ", listener, " failed: ", ec.message());
      continue;
    }
    std::error_code ignored;
    if (connections.size() >= limits.max_connections) {
      auto now = clock::now();
      if (now - last_refusal_log > std::chrono::seconds(10)) {
        log::warn("refusing connection: max.connections=", limits.max_connections, " reached");
        last_refusal_log = now;
      }
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    connection_info info;
    info.id = next_id++;
    info.peer = endpoint_text(socket.remote_endpoint(ignored));
    info.listener = listener;
    auto conn = std::make_shared<connection>(self, std::move(socket), info);
    connections[info.id] = conn;
    conn->start();
  }
}

void server::state::start_idle_sweep() {
  idle_sweep.expires_after(std::chrono::seconds(1));
  idle_sweep.async_wait([weak = weak_from_this()](std::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped) return;
    auto now = clock::now();
    auto idle_limit = std::chrono::milliseconds(self->limits.idle_timeout_ms);
    for (auto it = self->connections.begin(); it != self->connections.end();) {
      auto conn = it->second.lock();
      if (!conn) {
        it = self->connections.erase(it);
        continue;
      }
      if (conn->idle() && now - conn->last_activity() > idle_limit) conn->close("idle timeout");
      ++it;
    }
    self->start_idle_sweep();
  });
}

server::server(asio::io_context& io, server_limits limits, frame_handler handler)
    : _state(std::make_shared<state>(io, limits, std::move(handler))) {
  _state->start_idle_sweep();
}

server::~server() { stop(); }

std::error_code server::listen(const std::string& listener_name, const std::string& host,
                               std::uint16_t port, std::uint16_t& bound_port) {
  std::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    // A host name: resolve it once at start-up.
    tcp::resolver resolver(_state->io);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) return ec ? ec : asio::error::host_not_found;
    address = results.begin()->endpoint().address();
  }
  auto acceptor = std::make_shared<tcp::acceptor>(_state->io);
  tcp::endpoint endpoint(address, port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  bound_port = acceptor->local_endpoint(ec).port();
  if (ec) return ec;
  _state->acceptors.push_back(acceptor);
  asio::co_spawn(_state->io,
                 [s = _state, acceptor, listener_name] { return s->accept_loop(acceptor, listener_name); },
                 asio::detached);
  return {};
}

void server::stop() {
  if (_state->stopped) return;
  _state->stopped = true;
  std::error_code ignored;
  _state->idle_sweep.cancel();
  for (auto& a : _state->acceptors) a->close(ignored);
  auto connections = std::move(_state->connections);
  _state->connections.clear();
  for (auto& [id, weak] : connections)
    if (auto conn = weak.lock()) conn->close("server stopping");
}

std::size_t server::connection_count() const {
  std::size_t n = 0;
  for (auto& [id, weak] : _state->connections) n += weak.expired() ? 0 : 1;
  return n;
}

}  // namespace tern::net
