#pragma once
// A blocking Kafka client connection for the CLI and the benchmark: one TCP connection,
// requests encoded with common/'s codecs, responses read in order. Requests can be pipelined:
// send() several, then receive() their responses in the same order.
//
// Errors: std::error_code values — connection errors from Asio (the message names the cause,
// e.g. "Connection refused"), client_errc for protocol trouble. After any error the connection
// is unusable; open a new one. A read or write that fails closes it, so is_open() turns false.
// TLS: with set_tls() before connect(), the connection runs tern_tls's engine in client mode
// over its socket (handshake in connect(), every frame encrypted); error_detail() then says
// why a server certificate was not trusted.
// SASL (tls_settings::sasl_*): PLAIN or SCRAM in connect(), after TLS. SCRAM's PBKDF2 runs in
// connect() on the calling thread (tens of milliseconds at 100,000 iterations): an owner on an
// event loop connects from another thread. A refusal is client_errc::sasl_failed with the
// broker's message in error_detail().
// Threads: not thread-safe; one thread at a time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/header.h"

namespace tern::client {

enum class client_errc {
  malformed_response = 1,  // the broker's answer did not decode
  correlation_mismatch,    // an answer for another request arrived
  frame_too_large,         // the broker announced a frame beyond our limit
  timeout,                 // no answer within the deadline
  unsupported_version,     // the broker does not support a version we need
  tls_ip_name_check,       // a hostname check was asked for an IP address (Mbed TLS 2.28 cannot)
  sasl_failed,             // SASL refused, or the broker failed SCRAM's server signature check
                           // (error_detail() has the broker's message or says what failed)
};
const std::error_category& client_category();
inline std::error_code make_error_code(client_errc e) { return {static_cast<int>(e), client_category()}; }
}  // namespace tern::client

template <>
struct std::is_error_code_enum<tern::client::client_errc> : std::true_type {};

namespace tern::tls {
class client_config;
class session;
}  // namespace tern::tls

namespace tern::client {

// How a connection secures itself: no config = PLAINTEXT.
struct tls_settings {
  std::shared_ptr<const tls::client_config> config;
  // Check the server certificate's names against the host connected to (SNI is sent too).
  bool verify_hostname = true;
  // SASL after the (optional) TLS handshake: security.protocol SASL_SSL or SASL_PLAINTEXT. An
  // empty username means no SASL. sasl_mechanism (Kafka's sasl.mechanism): "PLAIN",
  // "SCRAM-SHA-256" or "SCRAM-SHA-512"; with SCRAM the connection also checks the server's
  // signature, so a server that does not hold the user's credentials fails the connection.
  std::string sasl_mechanism = "PLAIN";
  std::string sasl_username;
  std::string sasl_password;
};
}  // namespace tern::client

namespace tern::client {

class kafka_connection {
 public:
  kafka_connection();
  ~kafka_connection();
  kafka_connection(const kafka_connection&) = delete;
  kafka_connection& operator=(const kafka_connection&) = delete;

  std::error_code connect(const std::string& host, std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void close();
  bool is_open() const;
  const std::string& client_id() const { return _client_id; }
  void set_client_id(std::string id) { _client_id = std::move(id); }
  void set_timeout(std::chrono::milliseconds t) { _timeout = t; }
  // Takes effect at the next connect().
  void set_tls(tls_settings settings) { _tls_settings = std::move(settings); }
  // A flag another thread may set to make every wait of this connection give up within about
  // 100 ms (its call then fails with client_errc::timeout and the connection closes), so a
  // thread blocked in a call can be stopped. The flag must outlive the connection.
  void set_abort_flag(const std::atomic<bool>* flag) { _abort = flag; }
  // After a failed TLS handshake: why the server certificate was not trusted; after
  // client_errc::sasl_failed: the broker's message or what SCRAM found wrong; else empty.
  const std::string& error_detail() const { return _error_detail; }

  // Encodes and writes one request; returns its correlation id through `correlation_id`.
  template <typename Request>
  std::error_code send(const Request& request, std::int16_t version, std::int32_t* correlation_id = nullptr) {
    wire::wire_writer w;
    kafka::request_header h;
    h.api_key = static_cast<std::int16_t>(Request::key);
    h.api_version = version;
    h.correlation_id = _next_correlation++;
    h.client_id = _client_id;
    h.encode(w, kafka::request_header_version(Request::key, version));
    request.encode(w, version);
    if (correlation_id) *correlation_id = h.correlation_id;
    _pending.push_back({h.correlation_id, Request::key, version});
    return write_frame(w);
  }

  // Reads the next response (the oldest request still waiting) and decodes it into `out`.
  template <typename Response>
  std::error_code receive(Response& out) {
    if (_pending.empty()) return client_errc::correlation_mismatch;
    auto expected = _pending.front();
    _pending.erase(_pending.begin());
    std::vector<std::uint8_t> frame;
    if (auto ec = read_frame(frame)) return ec;
    wire::wire_reader r(frame);
    kafka::response_header h;
    if (!h.decode(r, kafka::response_header_version(expected.key, expected.version)))
      return client_errc::malformed_response;
    if (h.correlation_id != expected.correlation_id) return client_errc::correlation_mismatch;
    if (!out.decode(r, expected.version)) return client_errc::malformed_response;
    _last_frame = std::move(frame);  // decoded views point into it
    return {};
  }

  // Sends a request that gets no response (Produce with acks=0).
  template <typename Request>
  std::error_code send_no_response(const Request& request, std::int16_t version) {
    auto ec = send(request, version);
    _pending.pop_back();
    return ec;
  }

  template <typename Request, typename Response>
  std::error_code call(const Request& request, std::int16_t version, Response& out) {
    if (auto ec = send(request, version)) return ec;
    return receive(out);
  }

  // Negotiated version of an API: the highest both sides support, or -1. Filled by connect().
  std::int16_t version_for(kafka::api_key key) const;

  // The frame the last receive() decoded; views in that response point into it and stay valid
  // until the next receive().
  const std::vector<std::uint8_t>& last_frame() const { return _last_frame; }

 private:
  struct pending {
    std::int32_t correlation_id;
    kafka::api_key key;
    std::int16_t version;
  };
  // Close the connection on failure (see write_frame in the .cpp for why).
  std::error_code write_frame(const wire::wire_writer& w);
  std::error_code read_frame(std::vector<std::uint8_t>& frame);
  std::error_code write_frame_once(const wire::wire_writer& w);
  std::error_code read_frame_once(std::vector<std::uint8_t>& frame);
  std::error_code negotiate_versions();
  std::error_code tls_handshake(const std::string& host);
  std::error_code sasl_authenticate();
  std::error_code sasl_plain();
  std::error_code sasl_scram();
  std::error_code sasl_round(std::string_view token, std::string& answer);
  std::error_code tls_flush();
  std::error_code tls_fill();
  std::error_code tls_read_exact(std::span<std::uint8_t> out);

  asio::io_context _io;
  asio::ip::tcp::socket _socket;
  std::string _client_id = "tern-cli";
  std::chrono::milliseconds _timeout{std::chrono::seconds(30)};
  std::int32_t _next_correlation = 1;
  std::vector<pending> _pending;
  std::vector<std::uint8_t> _last_frame;
  std::vector<std::pair<std::int16_t, std::int16_t>> _broker_versions;  // by api key: min,max
  tls_settings _tls_settings;
  std::unique_ptr<tls::session> _tls;  // null on a PLAINTEXT connection
  std::vector<std::uint8_t> _plain;    // decrypted, not yet consumed from _plain_pos on
  std::size_t _plain_pos = 0;
  std::vector<std::uint8_t> _cipher_in;  // socket read buffer for TLS
  std::string _error_detail;
  const std::atomic<bool>* _abort = nullptr;
};

// Splits "host:port[,host:port]" and returns the first; false if malformed.
bool parse_bootstrap(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace tern::client
