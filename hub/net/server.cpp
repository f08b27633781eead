#include "net/server.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>

#include <asio/experimental/as_tuple.hpp>

#include "app/log.h"
#include "net/request_budget.h"
#include "tls/tls.h"
#include "tern/common/check.h"

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
  // By listen() order; null for PLAINTEXT. Read at each accept, so set_tls() affects only new
  // connections (established sessions keep the config they started with).
  std::vector<std::shared_ptr<const tls::server_config>> listener_tls;
  std::vector<bool> listener_requires_auth;  // by listen() order
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections;
  std::uint64_t next_id = 1;
  bool stopped = false;
  asio::steady_timer idle_sweep;
  clock::time_point last_refusal_log{};
  clock::time_point last_handshake_refusal_log{};
  std::size_t handshakes = 0;  // TLS connections in their handshake
  std::shared_ptr<request_budget> budget;
  asio::steady_timer pressure;  // runs while connections wait for the budget
  bool pressure_running = false;
  std::size_t closed_for_memory = 0;
  asio::steady_timer probe;  // loop stall probe
  clock::time_point probe_due{};
  std::int64_t stall_max_ms = 0;

  state(asio::io_context& i, server_limits l, frame_handler h)
      : io(i), limits(l), handler(std::move(h)), idle_sweep(i),
        budget(std::make_shared<request_budget>(i, std::max<std::size_t>(l.request_budget_bytes, 8),
                                                std::max<std::size_t>(l.request_budget_bytes, 8) / 8)),
        pressure(i), probe(i) {}
  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::string listener,
                                    std::size_t listener_index);
  bool refuse_handshake();
  void start_idle_sweep();
  void start_pressure_relief();
  void relieve_pressure();
  void start_probe();
};

// One client connection: a reader coroutine that frames requests, and an ordered queue of
// response slots drained by a chain of async writes. On a TLS listener the reader first runs
// the handshake; then reads decrypt through the session and writes encrypt into it.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(std::shared_ptr<server::state> owner, tcp::socket socket, connection_info info,
             std::shared_ptr<const tls::server_config> tls, bool authentication_required)
      : _owner(std::move(owner)), _socket(std::move(socket)), _info(std::move(info)),
        _drained(_socket.get_executor()), _handshake_deadline(_socket.get_executor()),
        _budget_wake(_socket.get_executor()), _authentication_required(authentication_required) {
    _drained.expires_at(asio::steady_timer::time_point::max());
    _budget_wake.expires_at(asio::steady_timer::time_point::max());
    _last_activity = clock::now();
    if (tls) {
      _tls = std::make_unique<tls::session>(std::move(tls));
      _rx.resize(tls_read_bytes);
    }
  }

  const connection_info& info() const { return _info; }
  clock::time_point last_activity() const { return _last_activity; }
  bool idle() const { return _slots.empty(); }

  // The frame being read, for the pressure relief: bytes taken from the budget for it (0 when
  // no frame is being read) and the seconds it is expected to need still, from its arrival rate
  // so far (negative while it is younger than `min_age`: too early to judge).
  std::size_t partial_frame_budget_bytes() const { return _reading_body ? _partial_budget_bytes : 0; }
  // Bytes this connection is waiting for from the budget (0 when not waiting).
  std::size_t budget_request_bytes() const { return _budget_waiting ? _budget_request_bytes : 0; }
  double partial_frame_seconds_left(clock::duration min_age) const {
    auto age = clock::now() - _partial_started;
    if (!_reading_body || age < min_age) return -1;
    double seconds = std::chrono::duration<double>(age).count();
    double rate = static_cast<double>(_partial_filled) / seconds;  // bytes per second
    double missing = static_cast<double>(_partial_size - _partial_filled);
    return rate > 0 ? missing / rate : 1e18;
  }

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
    _handshake_deadline.cancel();
    _budget_wake.cancel();
    _owner->connections.erase(_info.id);
  }

 private:
  static constexpr std::size_t tls_read_bytes = 16 * 1024;  // one TLS record's worth
  static constexpr std::size_t first_chunk_bytes = 4 * 1024;  // a frame's buffer starts here

  // A request frame and the budget bytes it holds; request_frame points into it (aliasing
  // shared_ptr), so the bytes go back to the budget when the last user drops the frame.
  struct held_frame {
    std::vector<std::uint8_t> bytes;
    budget_units units;
  };

  // Counts this connection among the handshaking ones for as long as it lives.
  struct handshake_slot {
    server::state& owner;
    explicit handshake_slot(server::state& s) : owner(s) { ++owner.handshakes; }
    ~handshake_slot() { --owner.handshakes; }
    handshake_slot(const handshake_slot&) = delete;
    handshake_slot& operator=(const handshake_slot&) = delete;
  };

  std::string who() const {
    return "connection " + std::to_string(_info.id) + " from " + _info.peer + " on " + _info.listener;
  }

  // Runs the TLS handshake under its deadline. Returns false once the connection is closed.
  asio::awaitable<bool> handshake() {
    handshake_slot slot(*_owner);
    _handshake_deadline.expires_after(std::chrono::milliseconds(_owner->limits.handshake_timeout_ms));
    _handshake_deadline.async_wait([weak = weak_from_this()](std::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->_socket.is_open()) return;
      log::info(self->who(), ": TLS handshake not done within ", self->_owner->limits.handshake_timeout_ms,
                " ms (ssl.handshake.timeout.ms); closing");
      self->close("handshake timeout");
    });
    bool first_read = true;
    for (;;) {
      auto ec = _tls->handshake();
      if (_tls->has_output()) {  // handshake messages, or the alert of a failure
        auto out = _tls->take_output();
        auto [wec, n] = co_await asio::async_write(_socket, asio::buffer(out), use_tuple);
        if (wec) co_return handshake_ended("write failed during the TLS handshake");
      }
      if (!ec) break;
      if (ec != tls::errc::want_read) {
        auto why = _tls->verify_failure();
        if (why.empty() && !_first_byte_is_tls) why = "not TLS: a plaintext client on a TLS port?";
        log::warn(who(), ": TLS handshake failed: ", ec.message(), why.empty() ? "" : " (", why,
                  why.empty() ? "" : ")");
        co_return handshake_ended("TLS handshake failed");
      }
      auto [rec, n] = co_await _socket.async_read_some(asio::buffer(_rx), use_tuple);
      if (rec) {
        if (_socket.is_open()) log::info(who(), ": closed by the peer during the TLS handshake");
        co_return handshake_ended("peer closed during the TLS handshake");
      }
      if (first_read) _first_byte_is_tls = _rx[0] == 0x16;  // a handshake record
      first_read = false;
      _tls->feed({_rx.data(), n});
    }
    _handshake_deadline.cancel();
    _info.principal = _tls->principal();
    log::debug(who(), ": TLS ", _tls->cipher_suite(), ", principal ", _info.principal);
    co_return true;
  }

  bool handshake_ended(const char* why) {
    close(why);
    return false;
  }

  // Fills `dst` from the socket, through the TLS session on a TLS listener.
  asio::awaitable<std::error_code> read_exact(std::span<std::uint8_t> dst) {
    if (!_tls) {
      auto [ec, n] = co_await asio::async_read(_socket, asio::buffer(dst.data(), dst.size()), use_tuple);
      co_return ec;
    }
    std::size_t filled = 0;
    while (filled < dst.size()) {
      std::size_t n = 0;
      auto ec = _tls->read(dst.subspan(filled), n);
      filled += n;
      if (!ec) continue;
      if (ec != tls::errc::want_read) co_return ec;
      auto [rec, got] = co_await _socket.async_read_some(asio::buffer(_rx), use_tuple);
      if (rec) co_return rec;
      _tls->feed({_rx.data(), got});
    }
    co_return std::error_code{};
  }

  // Reads up to dst.size() bytes (at least one), through the TLS session on a TLS listener.
  asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<std::uint8_t> dst) {
    if (!_tls) {
      auto [ec, n] = co_await _socket.async_read_some(asio::buffer(dst.data(), dst.size()), use_tuple);
      co_return std::pair{ec, n};
    }
    for (;;) {
      std::size_t n = 0;
      auto ec = _tls->read(dst, n);
      if (n > 0) co_return std::pair{std::error_code{}, n};
      if (ec && ec != tls::errc::want_read) co_return std::pair{ec, std::size_t{0}};
      auto [rec, got] = co_await _socket.async_read_some(asio::buffer(_rx), use_tuple);
      if (rec) co_return std::pair{rec, std::size_t{0}};
      _tls->feed({_rx.data(), got});
    }
  }

  // Reads a frame body of `size` bytes into `f`. A frame of at most frame_reserve_bytes (an
  // ordinary request) is taken from the budget whole, before reading, and allocated once: its
  // connection never holds part of it while waiting for more, so ordinary requests cannot
  // deadlock each other; frames of at most small_frame_bytes use the budget's small lane. A
  // larger frame is charged as its buffer grows (doubling, from 4 KiB, only when full): memory
  // follows the bytes that arrived, never the prefix. It is charged at most the bulk part of the
  // budget (request_budget::clamp), so it waits until it is alone, never for more than exists.
  asio::awaitable<std::error_code> read_body(held_frame& f, std::size_t size) {
    auto& budget = *_owner->budget;
    const auto& limits = _owner->limits;
    _partial_size = size;
    _partial_filled = 0;
    _partial_budget_bytes = 0;
    _partial_started = clock::now();
    _reading_body = true;
    std::size_t filled = 0;
    if (size <= limits.frame_reserve_bytes) {
      auto lane = size <= limits.small_frame_bytes ? request_budget::lane::small : request_budget::lane::bulk;
      if (auto ec = co_await take_budget(size, lane)) co_return ec;
      f.units.add(size);
      _partial_budget_bytes = size;
      _partial_started = clock::now();  // its arrival rate counts from here, not from the wait
      f.bytes.resize(size);
    }
    while (filled < size) {
      if (filled == f.bytes.size()) {
        std::size_t cap = std::min(size, std::max(first_chunk_bytes, f.bytes.size() * 2));
        std::size_t target = budget.clamp(cap);
        if (target > _partial_budget_bytes) {
          std::size_t need = target - _partial_budget_bytes;
          if (auto ec = co_await take_budget(need, request_budget::lane::bulk)) co_return ec;
          f.units.add(need);
          _partial_budget_bytes += need;
        }
        f.bytes.reserve(cap);
        f.bytes.resize(cap);
      }
      auto [ec, n] = co_await read_some({f.bytes.data() + filled, f.bytes.size() - filled});
      if (ec) co_return ec;
      filled += n;
      _partial_filled = filled;
    }
    _reading_body = false;
    co_return std::error_code{};
  }

  // Takes `bytes` from the budget, waiting (not reading) until they are granted.
  asio::awaitable<std::error_code> take_budget(std::size_t bytes, request_budget::lane lane) {
    auto budget = _owner->budget;
    if (budget->try_acquire(bytes, lane)) co_return std::error_code{};
    _budget_granted = false;
    _budget_waiting = true;
    _budget_request_bytes = bytes;
    auto ticket = budget->enqueue(bytes, [weak = weak_from_this(), budget, bytes] {
      auto self = weak.lock();
      if (!self) return budget->release(bytes);
      self->_budget_granted = true;
      self->_budget_wake.cancel();
    }, lane);
    _owner->start_pressure_relief();
    while (!_budget_granted && _socket.is_open()) co_await _budget_wake.async_wait(use_tuple);
    _budget_waiting = false;
    if (!_budget_granted) {
      budget->cancel(ticket);
      co_return asio::error::operation_aborted;
    }
    if (!_socket.is_open()) {
      budget->release(bytes);
      co_return asio::error::operation_aborted;
    }
    co_return std::error_code{};
  }

  void close_after_read_error(std::error_code ec, const char* what) {
    if (ec == asio::error::eof || ec == tls::errc::closed) return close("peer closed");
    if (ec.category() == tls::tls_category()) {
      log::warn(who(), ": bad TLS record (", ec.message(), "); closing");
      return close("TLS error");
    }
    close(what);
  }

  asio::awaitable<void> read_loop() {
    auto self = shared_from_this();
    const auto& limits = _owner->limits;
    if (_tls && !co_await handshake()) co_return;
    for (;;) {
      while (_slots.size() >= limits.max_inflight && _socket.is_open()) {
        co_await _drained.async_wait(use_tuple);  // back-pressure: wait for responses to drain
      }
      if (!_socket.is_open()) co_return;
      std::uint8_t prefix[4];
      if (auto ec = co_await read_exact(prefix)) co_return close_after_read_error(ec, "read failed");
      std::uint32_t size = std::uint32_t(prefix[0]) << 24 | std::uint32_t(prefix[1]) << 16 |
                           std::uint32_t(prefix[2]) << 8 | prefix[3];
      if (size == 0 || size > limits.max_frame_bytes) {
        log::warn("connection ", _info.id, " from ", _info.peer, ": frame of ", size,
                  " bytes is outside 1..", limits.max_frame_bytes, " (socket.request.max.bytes); closing");
        co_return close("frame size");
      }
      if (_authentication_required && !_info.sasl_authenticated && size > limits.unauthenticated_max_frame_bytes) {
        log::warn(who(), ": frame of ", size, " bytes before authentication (at most ",
                  limits.unauthenticated_max_frame_bytes, "); closing");
        co_return close("frame size before authentication");
      }
      auto held = std::make_shared<held_frame>();
      held->units = budget_units(_owner->budget, 0);
      if (auto ec = co_await read_body(*held, size)) co_return close_after_read_error(ec, "truncated frame");
      _last_activity = clock::now();
      std::size_t slot = _next_slot++;
      _slots.emplace_back();
      request_frame frame(held, &held->bytes);
      _owner->handler(_info, std::move(frame), [self, slot](outgoing_frame out) {
        self->complete(slot, std::move(out));
      });
    }
  }

  void complete(std::size_t slot, outgoing_frame out) {
    std::size_t index = slot - _first_slot;
    TERN_ASSERT(index < _slots.size() && !_slots[index].has_value());
    if (out.update_connection) std::exchange(out.update_connection, {})(_info);
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
      if (_tls && !encrypt_buffers()) {
        pop_front();
        close("TLS write failed");
        continue;
      }
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

  // Replaces _buffers (plaintext) by one buffer of their ciphertext (_tls_out, kept until the
  // write completes). Output the session produced while reading (an alert) goes first. Small
  // segments (the length prefix, headers) are gathered into full records: one record per
  // segment would cost 29 bytes of nonce and tag each, and small-MCU clients read per record.
  bool encrypt_buffers() {
    constexpr std::size_t record_bytes = 16 * 1024;
    std::vector<std::uint8_t> stage;
    stage.reserve(record_bytes);
    auto flush = [&] {
      auto ec = _tls->write(stage);
      stage.clear();
      if (ec) log::warn(who(), ": TLS encryption failed: ", ec.message());
      return !ec;
    };
    for (const auto& b : _buffers) {
      const auto* p = static_cast<const std::uint8_t*>(b.data());
      std::size_t left = b.size();
      while (left > 0) {
        std::size_t n = std::min(left, record_bytes - stage.size());
        stage.insert(stage.end(), p, p + n);
        p += n;
        left -= n;
        if (stage.size() == record_bytes && !flush()) return false;
      }
    }
    if (!stage.empty() && !flush()) return false;
    _tls_out = _tls->take_output();
    _buffers.clear();
    _buffers.emplace_back(asio::buffer(_tls_out));
    return true;
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
  asio::steady_timer _handshake_deadline;
  std::unique_ptr<tls::session> _tls;  // null on a PLAINTEXT listener
  std::vector<std::uint8_t> _rx;       // ciphertext read buffer (TLS only)
  std::vector<std::uint8_t> _tls_out;  // ciphertext being written (TLS only)
  bool _first_byte_is_tls = true;      // for the log line of a failed handshake
  asio::steady_timer _budget_wake;     // cancelled when the budget granted this connection
  bool _budget_granted = false;
  bool _budget_waiting = false;
  std::size_t _budget_request_bytes = 0;
  bool _authentication_required = false;
  // The frame being read (for the pressure relief).
  bool _reading_body = false;
  std::size_t _partial_size = 0;
  std::size_t _partial_filled = 0;
  std::size_t _partial_budget_bytes = 0;
  clock::time_point _partial_started{};
};

// A TLS connection beyond max_concurrent_handshakes is refused (logged at most every 10 s).
bool server::state::refuse_handshake() {
  if (handshakes < limits.max_concurrent_handshakes) return false;
  auto now = clock::now();
  if (now - last_handshake_refusal_log > std::chrono::seconds(10)) {
    log::warn("refusing TLS connection: max.concurrent.handshakes=", limits.max_concurrent_handshakes,
              " handshakes in progress");
    last_handshake_refusal_log = now;
  }
  return true;
}

asio::awaitable<void> server::state::accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                                 std::string listener,
                                                 std::size_t listener_index) {
  auto self = shared_from_this();
  for (;;) {
    auto [ec, socket] = co_await acceptor->async_accept(use_tuple);
    if (stopped) co_return;
    auto tls = listener_tls[listener_index];
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
    if (tls && refuse_handshake()) {
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    connection_info info;
    info.id = next_id++;
    info.peer = endpoint_text(socket.remote_endpoint(ignored));
    info.listener = listener;
    auto conn = std::make_shared<connection>(self, std::move(socket), info, tls,
                                             listener_requires_auth[listener_index]);
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

// While connections wait for the budget: every tick, if the waiters do not all fit, close the
// partial frames expected to take longest to arrive until they would. A victim may itself be a
// waiter (a large frame waiting to grow): closing it also withdraws its request. Relieving only
// the oldest waiter would not do: behind a queue of slow large frames waiting to grow, an
// ordinary request would wait one tick per slow frame.
void server::state::start_pressure_relief() {
  if (pressure_running || stopped) return;
  pressure_running = true;
  pressure.expires_after(std::chrono::milliseconds(10));
  pressure.async_wait([weak = weak_from_this()](std::error_code ec) {
    auto self = weak.lock();
    if (!self) return;
    self->pressure_running = false;
    if (ec || self->stopped || self->budget->waiting() == 0) return;
    self->relieve_pressure();
    self->start_pressure_relief();
  });
}

void server::state::relieve_pressure() {
  std::size_t free_bytes = budget->capacity_bytes() - budget->used_bytes();
  std::size_t need = std::min(budget->waiting_bytes(), budget->capacity_bytes());
  if (need <= free_bytes) return;  // a release is on its way to the waiters
  auto min_age = std::chrono::milliseconds(limits.slow_frame_min_age_ms);
  std::vector<std::pair<double, std::shared_ptr<connection>>> slow;
  for (auto& [id, weak] : connections) {
    auto conn = weak.lock();
    if (!conn || conn->partial_frame_budget_bytes() == 0) continue;
    double left = conn->partial_frame_seconds_left(min_age);
    if (left >= 0) slow.emplace_back(left, std::move(conn));
  }
  std::sort(slow.begin(), slow.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::size_t closed = 0, freed = 0;
  for (auto& [left, conn] : slow) {
    if (free_bytes + freed >= need) break;
    freed += conn->partial_frame_budget_bytes();
    need -= std::min(need, conn->budget_request_bytes());
    conn->close("request memory: frame too slow to arrive");
    ++closed;
  }
  if (closed == 0) return;
  closed_for_memory += closed;
  log::warn("request memory full (queued.max.request.bytes=", budget->capacity_bytes(), ", ",
            budget->waiting(), " connections waiting): closed ", closed,
            " connections whose frames were slowest to arrive, freeing ", freed, " bytes");
}

// A timer every loop_probe_interval_ms: how late it fires is how long the io thread was busy
// with something else (a blocking call, a long handler).
void server::state::start_probe() {
  if (limits.loop_probe_interval_ms <= 0 || stopped) return;
  probe_due = clock::now() + std::chrono::milliseconds(limits.loop_probe_interval_ms);
  probe.expires_at(probe_due);
  probe.async_wait([weak = weak_from_this()](std::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped) return;
    auto late_ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - self->probe_due).count();
    if (late_ms > self->stall_max_ms) self->stall_max_ms = late_ms;
    if (late_ms > 20) log::debug("io loop stalled for ", late_ms, " ms");
    self->start_probe();
  });
}

server::server(asio::io_context& io, server_limits limits, frame_handler handler)
    : _state(std::make_shared<state>(io, limits, std::move(handler))) {
  _state->start_idle_sweep();
  _state->start_probe();
}

server::~server() { stop(); }

std::error_code server::listen(const std::string& listener_name, const std::string& host,
                               std::uint16_t port, std::uint16_t& bound_port,
                               std::shared_ptr<const tls::server_config> tls,
                               bool authentication_required) {
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
  std::size_t index = _state->listener_tls.size();
  _state->listener_tls.push_back(std::move(tls));
  _state->listener_requires_auth.push_back(authentication_required);
  asio::co_spawn(_state->io,
                 [s = _state, acceptor, listener_name, index] {
                   return s->accept_loop(acceptor, listener_name, index);
                 },
                 asio::detached);
  return {};
}

void server::stop() {
  if (_state->stopped) return;
  _state->stopped = true;
  std::error_code ignored;
  _state->idle_sweep.cancel();
  _state->pressure.cancel();
  _state->probe.cancel();
  if (_state->limits.loop_probe_interval_ms > 0)
    log::info("longest io loop stall: ", _state->stall_max_ms, " ms");
  for (auto& a : _state->acceptors) a->close(ignored);
  auto connections = std::move(_state->connections);
  _state->connections.clear();
  for (auto& [id, weak] : connections)
    if (auto conn = weak.lock()) conn->close("server stopping");
}

bool server::set_tls(std::size_t listener_index, std::shared_ptr<const tls::server_config> tls) {
  if (listener_index >= _state->listener_tls.size() || !_state->listener_tls[listener_index] || !tls)
    return false;
  _state->listener_tls[listener_index] = std::move(tls);
  return true;
}

std::size_t server::handshake_count() const { return _state->handshakes; }
std::size_t server::request_bytes_used() const { return _state->budget->used_bytes(); }
std::size_t server::connections_closed_for_memory() const { return _state->closed_for_memory; }
std::int64_t server::loop_stall_max_ms() const { return _state->stall_max_ms; }

std::size_t server::connection_count() const {
  std::size_t n = 0;
  for (auto& [id, weak] : _state->connections) n += weak.expired() ? 0 : 1;
  return n;
}

}  // namespace tern::net
