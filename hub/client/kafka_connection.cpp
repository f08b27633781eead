#include "client/kafka_connection.h"

#include "client/call_status.h"

#include <charconv>
#include <cstring>

#include "auth/scram.h"
#include "tls/tls.h"

#include "tern/kafka/messages/api_versions.h"
#include "tern/kafka/messages/sasl.h"

namespace tern::client {
namespace {
constexpr std::size_t max_response_bytes = 256u << 20;

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kafka_client"; }
  std::string message(int c) const override {
    switch (static_cast<client_errc>(c)) {
      case client_errc::malformed_response: return "malformed response from the broker";
      case client_errc::correlation_mismatch: return "response out of order (correlation id mismatch)";
      case client_errc::frame_too_large: return "response frame larger than 256 MiB";
      case client_errc::timeout: return "timed out waiting for the broker";
      case client_errc::unsupported_version: return "the broker does not support a required API version";
      case client_errc::sasl_failed: return "SASL authentication failed";
      case client_errc::tls_ip_name_check:
        return "ssl.endpoint.identification.algorithm=https cannot check an IP address (Mbed TLS 2.28 "
               "matches DNS names only): connect to the certificate's DNS name (e.g. localhost) or set it to none";
    }
    return "unknown client error";
  }
};
}  // namespace

const std::error_category& client_category() {
  static const category c;
  return c;
}

call_status status_of(std::error_code ec) {
  if (!ec) return call_status::ok;
  if (ec.category() == client_category())
    return ec == client_errc::timeout ? call_status::retriable : call_status::fatal;
  // Socket errors (refused, reset, broken pipe, unreachable, timed out) and end of stream: the
  // broker went away or is restarting.
  if (ec.category() == asio::error::get_system_category() ||
      ec.category() == std::system_category() ||
      ec.category() == asio::error::get_misc_category())
    return call_status::retriable;
  if (ec == asio::error::host_not_found_try_again) return call_status::retriable;
  return call_status::fatal;  // TLS errors, names that do not resolve
}

kafka_connection::kafka_connection() : _socket(_io) {}
kafka_connection::~kafka_connection() { close(); }

void kafka_connection::close() {
  std::error_code ignored;
  _socket.close(ignored);
  _tls.reset();
  _plain.clear();
  _plain_pos = 0;
}

bool kafka_connection::is_open() const { return _socket.is_open(); }

// Runs one async operation to completion or until the deadline; on timeout the socket closes.
// With an abort flag the wait runs in slices of at most 100 ms and gives up once it is set.
template <typename Start>
static std::error_code run_with_deadline(asio::io_context& io, asio::ip::tcp::socket& socket,
                                         std::chrono::milliseconds timeout, Start start,
                                         const std::atomic<bool>* abort = nullptr) {
  std::error_code result = client_errc::timeout;
  bool done = false;
  start([&](std::error_code ec) {
    result = ec;
    done = true;
  });
  io.restart();
  if (!abort) {
    io.run_for(timeout);
  } else {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && !abort->load()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      auto slice = std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100));
      io.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(slice) + std::chrono::milliseconds(1));
      if (!done && io.stopped()) io.restart();
    }
  }
  if (!done) {
    std::error_code ignored;
    socket.close(ignored);
    io.restart();
    io.run();  // let the cancelled operation finish
    return client_errc::timeout;
  }
  return result;
}

std::error_code kafka_connection::connect(const std::string& host, std::uint16_t port,
                                          std::chrono::milliseconds timeout) {
  close();
  _pending.clear();  // answers still awaited on the old socket never come
  std::error_code ec;
  asio::ip::tcp::resolver resolver(_io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return ec;
  ec = run_with_deadline(_io, _socket, timeout, [&](auto done) {
    asio::async_connect(_socket, endpoints,
                        [done](std::error_code e, const asio::ip::tcp::endpoint&) { done(e); });
  }, _abort);
  if (ec) return ec;
  _socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (_tls_settings.config) {
    if (auto e = tls_handshake(host)) {
      close();
      return e;
    }
  }
  if (auto e = negotiate_versions()) return e;
  if (_tls_settings.sasl_username.empty()) return {};
  if (auto e = sasl_authenticate()) {
    close();
    return e;
  }
  return {};
}

// SaslHandshake v1 naming the mechanism, then its SaslAuthenticate v0 rounds, as librdkafka does.
std::error_code kafka_connection::sasl_authenticate() {
  _error_detail.clear();
  const auto& mechanism = _tls_settings.sasl_mechanism;
  if (mechanism != "PLAIN" && !auth::scram::mechanism_named(mechanism)) {
    _error_detail = "sasl.mechanism '" + mechanism + "' is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512";
    return client_errc::sasl_failed;
  }
  kafka::sasl_handshake_request handshake;
  handshake.mechanism = mechanism;
  kafka::sasl_handshake_response mechanisms;
  if (auto ec = call(handshake, 1, mechanisms)) return ec;
  if (mechanisms.error_code != 0) {
    _error_detail = "the broker does not enable SASL mechanism " + mechanism;
    return client_errc::sasl_failed;
  }
  return mechanism == "PLAIN" ? sasl_plain() : sasl_scram();
}

// One SaslAuthenticate round: `token` out, the broker's token into `answer`. A refusal leaves
// the broker's message in _error_detail.
std::error_code kafka_connection::sasl_round(std::string_view token, std::string& answer) {
  kafka::sasl_authenticate_request request;
  request.auth_bytes.assign(token.begin(), token.end());
  kafka::sasl_authenticate_response response;
  auto ec = call(request, 0, response);
  std::fill(request.auth_bytes.begin(), request.auth_bytes.end(), std::uint8_t{0});
  if (ec) return ec;
  if (response.error_code != 0) {
    _error_detail = response.error_message.value_or("error " + std::to_string(response.error_code));
    return client_errc::sasl_failed;
  }
  answer.assign(response.auth_bytes.begin(), response.auth_bytes.end());
  return {};
}

// PLAIN: one token, authzid NUL user NUL password.
std::error_code kafka_connection::sasl_plain() {
  std::string token = '\0' + _tls_settings.sasl_username + '\0' + _tls_settings.sasl_password;
  std::string answer;
  auto ec = sasl_round(token, answer);
  std::fill(token.begin(), token.end(), '\0');
  return ec;
}

// SCRAM: two rounds; the second answer must carry the server's signature over the exchange.
std::error_code kafka_connection::sasl_scram() {
  auto m = *auth::scram::mechanism_named(_tls_settings.sasl_mechanism);
  std::string nonce = auth::scram::random_nonce();
  if (nonce.empty()) {
    _error_detail = "no randomness for the SCRAM nonce (getrandom failed)";
    return client_errc::sasl_failed;
  }
  auth::scram::client_exchange exchange(m, _tls_settings.sasl_username, _tls_settings.sasl_password, nonce);
  std::string server_first, client_final, server_final, why;
  if (auto ec = sasl_round(exchange.client_first(), server_first)) return ec;
  if (!exchange.receive_server_first(server_first, client_final, why)) {
    _error_detail = "SCRAM server-first: " + why;
    return client_errc::sasl_failed;
  }
  if (auto ec = sasl_round(client_final, server_final)) return ec;
  if (!exchange.receive_server_final(server_final, why)) {
    _error_detail = "SCRAM server-final: " + why;
    return client_errc::sasl_failed;
  }
  return {};
}

// Runs the client handshake over the connected socket; a certificate that is not trusted leaves
// the reason in _error_detail.
std::error_code kafka_connection::tls_handshake(const std::string& host) {
  _error_detail.clear();
  std::error_code ec;
  asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  if (_tls_settings.verify_hostname && is_ip) return client_errc::tls_ip_name_check;
  // Mbed TLS checks whatever name SNI carries, so without a name check no SNI is sent.
  _tls = std::make_unique<tls::session>(_tls_settings.config,
                                        _tls_settings.verify_hostname ? host : std::string{});
  for (;;) {
    auto result = _tls->handshake();
    if (auto e = tls_flush()) return e;
    if (!result) return {};
    if (result != tls::errc::want_read) {
      _error_detail = _tls->verify_failure();
      return result;
    }
    if (auto e = tls_fill()) return e;
  }
}

// Sends whatever ciphertext the session has produced.
std::error_code kafka_connection::tls_flush() {
  if (!_tls->has_output()) return {};
  auto out = _tls->take_output();
  return run_with_deadline(_io, _socket, _timeout, [&](auto done) {
    asio::async_write(_socket, asio::buffer(out),
                      [done](std::error_code e, std::size_t) { done(e); });
  }, _abort);
}

// Reads one chunk of ciphertext from the socket into the session.
std::error_code kafka_connection::tls_fill() {
  // Large reads: a fetch response spans many 16 KiB records, and each read costs a loop turn.
  _cipher_in.resize(256 * 1024);
  std::size_t n = 0;
  auto ec = run_with_deadline(_io, _socket, _timeout, [&](auto done) {
    _socket.async_read_some(asio::buffer(_cipher_in),
                            [done, &n](std::error_code e, std::size_t got) {
                              n = got;
                              done(e);
                            });
  }, _abort);
  if (ec) return ec;
  _tls->feed(std::span<const std::uint8_t>(_cipher_in.data(), n));
  return {};
}

// Fills `out` with decrypted bytes, reading records from the socket as needed.
std::error_code kafka_connection::tls_read_exact(std::span<std::uint8_t> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    if (_plain_pos < _plain.size()) {
      std::size_t n = std::min(out.size() - filled, _plain.size() - _plain_pos);
      std::memcpy(out.data() + filled, _plain.data() + _plain_pos, n);
      _plain_pos += n;
      filled += n;
      continue;
    }
    _plain.resize(16384);
    _plain_pos = 0;
    std::size_t n = 0;
    auto ec = _tls->read(_plain, n);
    _plain.resize(n);
    if (!ec) continue;
    if (ec == tls::errc::closed) return asio::error::eof;
    if (ec != tls::errc::want_read) return ec;
    if (auto e = tls_fill()) return e;
  }
  return {};
}

std::error_code kafka_connection::negotiate_versions() {
  kafka::api_versions_request request;
  request.client_software_name = "tern";
  request.client_software_version = "0";
  kafka::api_versions_response response;
  auto ec = call(request, 3, response);
  // A broker without ApiVersions v3 (librdkafka's mock cluster, older Kafka) answers
  // UNSUPPORTED_VERSION in the v0 layout, which a v3 decoder cannot read: ask again with v0,
  // which every broker speaks, as Kafka's clients do.
  if ((ec == client_errc::malformed_response && is_open()) || (!ec && response.error_code == 35)) {
    response = {};
    ec = call(request, 0, response);
  }
  if (ec) return ec;
  if (response.error_code != 0) return client_errc::unsupported_version;
  _broker_versions.clear();
  for (const auto& k : response.api_keys) {
    if (k.api_key < 0 || k.api_key > 1000) continue;
    if (_broker_versions.size() <= static_cast<std::size_t>(k.api_key))
      _broker_versions.resize(static_cast<std::size_t>(k.api_key) + 1, {-1, -1});
    _broker_versions[static_cast<std::size_t>(k.api_key)] = {k.min_version, k.max_version};
  }
  return {};
}

std::int16_t kafka_connection::version_for(kafka::api_key key) const {
  auto ours = kafka::find_api(static_cast<std::int16_t>(key));
  auto index = static_cast<std::size_t>(key);
  if (!ours || index >= _broker_versions.size() || _broker_versions[index].second < 0) return -1;
  auto [min, max] = _broker_versions[index];
  std::int16_t v = std::min(max, ours->max_version);
  return v >= std::max(min, ours->min_version) ? v : -1;
}

// A connection that failed once is closed, so is_open() tells its owner to open a new one: Asio
// stops trying a socket speculatively after an error (EPIPE), and with edge-triggered epoll a
// second write on it would wait for a readiness edge that never comes, until the timeout.
std::error_code kafka_connection::write_frame(const wire::wire_writer& w) {
  auto ec = write_frame_once(w);
  if (ec) close();
  return ec;
}

std::error_code kafka_connection::read_frame(std::vector<std::uint8_t>& frame) {
  auto ec = read_frame_once(frame);
  if (ec) close();
  return ec;
}

std::error_code kafka_connection::write_frame_once(const wire::wire_writer& w) {
  std::uint32_t size = static_cast<std::uint32_t>(w.size());
  std::uint8_t prefix[4] = {static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
                            static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
  if (_tls) {
    if (!_tls->handshake_done()) return asio::error::not_connected;
    if (auto ec = _tls->write(prefix)) return ec;
    for (auto s : w.segments())
      if (auto ec = _tls->write(std::span<const std::uint8_t>(s.data(), s.size()))) return ec;
    return tls_flush();
  }
  std::vector<asio::const_buffer> buffers{asio::buffer(prefix)};
  for (auto s : w.segments()) buffers.emplace_back(s.data(), s.size());
  return run_with_deadline(_io, _socket, _timeout, [&](auto done) {
    asio::async_write(_socket, buffers, [done](std::error_code e, std::size_t) { done(e); });
  }, _abort);
}

std::error_code kafka_connection::read_frame_once(std::vector<std::uint8_t>& frame) {
  std::uint8_t prefix[4];
  if (_tls) {
    if (auto ec = tls_read_exact(prefix)) return ec;
    std::uint32_t size = std::uint32_t(prefix[0]) << 24 | std::uint32_t(prefix[1]) << 16 |
                         std::uint32_t(prefix[2]) << 8 | prefix[3];
    if (size > max_response_bytes) return client_errc::frame_too_large;
    frame.resize(size);
    return tls_read_exact(frame);
  }
  auto ec = run_with_deadline(_io, _socket, _timeout, [&](auto done) {
    asio::async_read(_socket, asio::buffer(prefix), [done](std::error_code e, std::size_t) { done(e); });
  }, _abort);
  if (ec) return ec;
  std::uint32_t size = std::uint32_t(prefix[0]) << 24 | std::uint32_t(prefix[1]) << 16 |
                       std::uint32_t(prefix[2]) << 8 | prefix[3];
  if (size > max_response_bytes) return client_errc::frame_too_large;
  frame.resize(size);
  return run_with_deadline(_io, _socket, _timeout, [&](auto done) {
    asio::async_read(_socket, asio::buffer(frame), [done](std::error_code e, std::size_t) { done(e); });
  }, _abort);
}

bool parse_bootstrap(const std::string& text, std::string& host, std::uint16_t& port) {
  std::string first = text.substr(0, text.find(','));
  auto colon = first.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = first.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto digits = first.substr(colon + 1);
  auto [p, e] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  return e == std::errc{} && p == digits.data() + digits.size() && port != 0;
}

}  // namespace tern::client
