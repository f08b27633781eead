#pragma once
// A TLS 1.2 engine on Mbed TLS 2.28 with no sockets: the caller moves bytes.
//
//   ciphertext from the peer --feed()--> [session] --read()--> plaintext for the application
//   plaintext of the application --write()--> [session] --take_output()--> ciphertext to send
//
// Mbed TLS reads and writes through memory buffers (mbedtls_ssl_set_bio over an input queue
// and an output vector), so the same engine serves an Asio connection, a unit test that wires
// a client to a server in memory, or a benchmark. Nothing here blocks or allocates threads.
//
// Why not TLS 1.3: it is experimental in Mbed TLS 2.28 (no PSK, no client certificates).
//
// Cipher suites (TLS 1.2 only, all AEAD with forward secrecy except plain PSK):
//   certificates: ECDHE-ECDSA / ECDHE-RSA with AES-128/256-GCM and ChaCha20-Poly1305;
//   PSK: ECDHE-PSK and PSK with ChaCha20-Poly1305, PSK with AES-128/256-GCM, ECDHE-PSK with
//   AES-128-CBC-SHA256 (Mbed TLS 2.28 has no ECDHE-PSK-AES-GCM suite).
// ChaCha20-Poly1305 comes first when the CPU has no AES instructions (x86 AES-NI, ARMv8 AES):
// it is several times faster than table-driven AES there (e.g. a Raspberry Pi 4).
//
// Errors are std::error_code values: Mbed TLS's negative return codes in tls_category() (their
// message() is mbedtls_strerror's text), plus tern::tls::errc for this layer's own conditions.
//
// Threads: a server_config may be shared by sessions on one thread (its random generator is
// not locked by us); a session is used by one thread at a time.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace tern::tls {

// This layer's own error conditions (Mbed TLS's own codes use tls_category()).
enum class errc {
  want_read = 1,        // not an error: the handshake or read needs more ciphertext (feed())
  file_unreadable,      // a configured file cannot be opened or read
  bad_psk_file,         // a line of the PSK file is not `identity:hexkey` (key 1..32 bytes)
  bad_cipher_suite,     // ssl.cipher.suites names a suite this build does not offer
  client_cert_invalid,  // ssl.client.auth=requested: a certificate was sent but not trusted
  closed,               // the peer sent close_notify; no more plaintext will come
  no_certificate,       // an SSL listener without ssl.certificate.location / ssl.key.location
  no_psk_identities,    // a PSK listener without psk.identities.location (or an empty file)
};
const std::error_category& errc_category();
std::error_code make_error_code(errc e);

// Mbed TLS's negative return codes as error codes; message() is mbedtls_strerror's text.
const std::error_category& tls_category();
std::error_code mbedtls_error(int ret);

enum class client_auth { none, requested, required };

// What a listener's TLS needs; paths are read once by server_config::load().
struct server_options {
  bool psk = false;              // PSK listener (identity + key) instead of certificates
  std::string certificate_file;  // PEM chain: server certificate first (ssl.certificate.location)
  std::string key_file;          // PEM private key (ssl.key.location)
  std::string key_password;      // for an encrypted key (ssl.key.password)
  std::string ca_file;           // PEM CA(s) for client certificates (ssl.ca.location)
  std::string crl_file;          // PEM/DER CRL (ssl.crl.location)
  client_auth auth = client_auth::none;
  std::string cipher_suites;        // comma separated IANA/Mbed TLS names; empty = defaults
  std::string psk_identities_file;  // lines `identity:hexkey`, # comments (psk.identities.location)
};

// A load failure: which configuration key's file or value was at fault, and why.
struct load_error {
  std::string key;  // e.g. "ssl.key.location"
  std::error_code ec;
  std::string detail;           // e.g. the file name and line; may be empty
  std::string message() const;  // "<key>: <detail>: <reason>"
};

// Immutable once loaded: certificates, keys, CA + CRL, PSK table, the suite list and a random
// generator. Sessions hold a shared_ptr to it, so it lives as long as its last session.
class server_config {
 public:
  // Reads every file named in `options`. Returns nullptr and fills `error` on failure.
  static std::shared_ptr<server_config> load(const server_options& options, load_error& error);
  ~server_config();
  server_config(const server_config&) = delete;
  server_config& operator=(const server_config&) = delete;

  // The suites offered, in preference order (IANA names, for the start-up log).
  std::vector<std::string> cipher_suite_names() const;
  bool psk() const;

  struct impl;
  impl& get() const { return *_impl; }

 private:
  server_config();
  std::unique_ptr<impl> _impl;
};

// A client side, used by tests and benchmarks (and later by the CLI's TLS client).
struct client_options {
  std::string ca_file;           // trust anchors for the server certificate (empty: no verify)
  std::string server_name;       // SNI and the name checked against the certificate; may be empty
  std::string certificate_file;  // optional client certificate chain (PEM)
  std::string key_file;          // its key
  std::string key_password;      // for an encrypted key; empty = none
  std::string psk_identity;      // PSK mode when not empty
  std::vector<std::uint8_t> psk;
  std::string cipher_suites;  // comma separated; empty = defaults for the mode
};

class client_config {
 public:
  static std::shared_ptr<client_config> load(const client_options& options, load_error& error);
  ~client_config();
  client_config(const client_config&) = delete;
  client_config& operator=(const client_config&) = delete;
  struct impl;
  impl& get() const { return *_impl; }

 private:
  client_config();
  std::unique_ptr<impl> _impl;
};

// One TLS connection's state. Usage: feed() what arrives, call handshake() until it returns {}
// (errc::want_read = feed more), sending take_output() after every call; then read()/write().
// Any other error is fatal for the session: send take_output() (it may hold an alert), close.
class session {
 public:
  explicit session(std::shared_ptr<const server_config> config);
  explicit session(std::shared_ptr<const client_config> config);
  // A client session whose SNI and certificate name check use `server_name` instead of the
  // config's (empty = neither SNI nor a name check; the chain is still verified).
  session(std::shared_ptr<const client_config> config, const std::string& server_name);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  // Queues ciphertext received from the peer (copied). Bytes are consumed by handshake()/read().
  void feed(std::span<const std::uint8_t> ciphertext);
  // Bytes fed but not consumed yet; a caller bounds its reading with this.
  std::size_t input_pending() const;

  // Advances the handshake. {} = done (also when already done); errc::want_read = needs more
  // input; anything else = failed (bad record, unknown CA, revoked, no shared suite, ...).
  std::error_code handshake();
  bool handshake_done() const;

  // Decrypts into `out`; `n` = bytes produced. errc::want_read with n == 0 = needs more input;
  // errc::closed = the peer sent close_notify; other errors are fatal (bad MAC, garbage).
  std::error_code read(std::span<std::uint8_t> out, std::size_t& n);
  // Encrypts all of `plaintext` into the output (in records of at most 16 KiB).
  std::error_code write(std::span<const std::uint8_t> plaintext);
  // Queues a close_notify alert.
  void close_notify();

  // Ciphertext waiting to be sent; the caller swaps it out and sends it in order.
  std::vector<std::uint8_t> take_output();
  bool has_output() const;

  // After the handshake: "User:<CN>" of a verified client certificate (on a client session: of
  // the server's certificate, when a CA verified it), "User:<identity>" for PSK,
  // "User:ANONYMOUS" otherwise. Also the negotiated suite (IANA name) for logs.
  std::string principal() const;
  std::string cipher_suite() const;
  // Why the peer's certificate was not trusted ("revoked", "not trusted", ...), empty if it was
  // or none was sent: for the one log line of a failed handshake.
  std::string verify_failure() const;

  struct impl;  // tls_impl.h / session.cpp

 private:
  std::unique_ptr<impl> _impl;
};

// True when the CPU has AES instructions (x86 AES-NI, ARMv8 crypto extensions).
bool cpu_has_aes();
// True when Mbed TLS uses them: AES-NI on x86; on ARM only from Mbed TLS 3.4 (2.28 has no
// ARMv8 AES path), so with 2.28 an ARM gateway prefers ChaCha20 whatever the CPU.
bool aes_is_accelerated();

}  // namespace tern::tls

template <>
struct std::is_error_code_enum<tern::tls::errc> : std::true_type {};
