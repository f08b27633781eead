#pragma once
// SASL/SCRAM (RFC 5802, RFC 7677) as Kafka speaks it: SCRAM-SHA-256 and SCRAM-SHA-512, message
// parsing and formatting, key derivation and proof checks for both sides. No sockets, no clock:
// the caller carries the messages (SaslAuthenticate tokens) and supplies the nonces, so tests can
// replay the RFC's exchanges byte for byte.
//
// Kafka's rules, enforced here:
// - no channel binding: the GS2 header is "n,," or "n,a=<user>," ('y' and 'p=' are refused), and
//   an authorization id must name the user itself (no impersonation);
// - extensions in client-first are accepted and ignored, except `tokenauth` (Kafka's delegation
//   tokens), which Tern does not support and refuses; a mandatory extension ("m=") is refused;
// - the client-final nonce must end with the server-first nonce (Kafka's check; librdkafka
//   sends its client nonce twice);
// - iterations are at least iterations_min (4096) on both sides: a server that asks for fewer is
//   refused by the client, and the password file never serves fewer.
//
// The exchange (C = client, S = server):
//   C: n,,n=<user>,r=<cnonce>                       client-first
//   S: r=<cnonce><snonce>,s=<salt b64>,i=<iter>     server-first
//   C: c=biws,r=<cnonce><snonce>,p=<proof b64>      client-final
//   S: v=<server signature b64>                     server-final
// with SaltedPassword = PBKDF2-HMAC-H(password, salt, iter), ClientKey = HMAC(SaltedPassword,
// "Client Key"), StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key"). A
// server keeps only salt, iterations, StoredKey and ServerKey: enough to check a proof, not
// enough to log in as the user.
//
// Errors: every parse or check returns false (or a verdict) with `error` set to one sentence that
// names the fault in the message's structure. It never contains the password or key material;
// it may be shown to the peer.
// Threads: the functions are pure; an exchange object is used by one thread at a time.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tern::auth::scram {

using bytes = std::vector<std::uint8_t>;

enum class mechanism { sha256, sha512 };

// Kafka's minimum (ScramMechanism.minIterations) and our ceiling (a hostile server could
// otherwise make a client hash for hours).
inline constexpr std::uint32_t iterations_min = 4096;
inline constexpr std::uint32_t iterations_max = 10000000;
// Upper bound on any SCRAM message we accept (real ones are ~100-300 bytes).
inline constexpr std::size_t message_bytes_max = 4096;
inline constexpr std::size_t user_bytes_max = 255;

// "SCRAM-SHA-256" / "SCRAM-SHA-512" (exact, as in SaslHandshake); nullopt for anything else.
std::optional<mechanism> mechanism_named(std::string_view name);
std::string_view name_of(mechanism m);
// Output size of the mechanism's hash: 32 or 64 bytes (also the size of every key).
std::size_t key_bytes(mechanism m);

// Crypto building blocks (Mbed TLS). hmac/hash cannot fail for these digests.
bytes hmac(mechanism m, std::span<const std::uint8_t> key, std::string_view data);
bytes hash(mechanism m, std::span<const std::uint8_t> data);
// SaltedPassword = Hi(password, salt, iterations): PBKDF2-HMAC-H, key_bytes(m) long. Costs
// `iterations` HMACs: tens of milliseconds at 100,000 (keep it off an io thread). False only if
// Mbed TLS fails.
bool salted_password(mechanism m, std::string_view password, std::span<const std::uint8_t> salt,
                     std::uint32_t iterations, bytes& out);
// Byte-wise comparison whose time does not depend on where the inputs differ.
bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
// Fills `out` from getrandom(2); false if the kernel gives no randomness.
bool random_bytes(std::span<std::uint8_t> out);
// A fresh nonce: 24 random bytes as base64 (printable, no ','). Empty if random_bytes fails.
std::string random_nonce();

std::string base64_encode(std::span<const std::uint8_t> data);
// Strict: only the base64 alphabet with correct padding. False otherwise.
bool base64_decode(std::string_view text, bytes& out);

// What a server keeps for one user and mechanism.
struct credential {
  mechanism mech = mechanism::sha256;
  std::uint32_t iterations = 0;
  bytes salt;
  bytes stored_key;  // H(ClientKey)
  bytes server_key;  // HMAC(SaltedPassword, "Server Key")
};
// StoredKey and ServerKey from a SaltedPassword (cheap: two HMACs and a hash).
credential credential_from_salted(mechanism m, std::uint32_t iterations, bytes salt,
                                  std::span<const std::uint8_t> salted);

// ---- messages ----------------------------------------------------------------------------------

struct client_first_message {
  std::string gs2_header;  // "n,," or "n,a=<saslname>,": what c= must carry back, base64'd
  std::string user;        // decoded from saslname ("=2C" -> ',', "=3D" -> '=')
  std::string nonce;
  std::string bare;        // the message without the GS2 header (part of AuthMessage)
};
bool parse_client_first(std::string_view message, client_first_message& out, std::string& error);
// "n,,n=<saslname>,r=<nonce>".
std::string format_client_first(std::string_view user, std::string_view nonce);

struct server_first_message {
  std::string nonce;  // client nonce + server nonce
  bytes salt;
  std::uint32_t iterations = 0;
};
bool parse_server_first(std::string_view message, server_first_message& out, std::string& error);
std::string format_server_first(std::string_view nonce, std::span<const std::uint8_t> salt,
                                std::uint32_t iterations);

struct client_final_message {
  bytes channel_binding;      // decoded c=
  std::string nonce;
  bytes proof;
  std::string without_proof;  // "c=...,r=..." (part of AuthMessage)
};
bool parse_client_final(std::string_view message, client_final_message& out, std::string& error);

// ---- the two sides -----------------------------------------------------------------------------

// One login on the server. Lifetime: one SASL exchange on one connection; holds no password.
class server_exchange {
 public:
  explicit server_exchange(mechanism m) : _mech(m) {}

  // Step 1. Parses client-first; false + error if malformed or asking for what Kafka refuses.
  bool receive_client_first(std::string_view message, std::string& error);
  // Valid after step 1: the user the client claims to be.
  const std::string& user() const { return _first.user; }
  mechanism mech() const { return _mech; }

  // Step 2. The server-first message for `cred` (the user's, or a decoy for an unknown user: it
  // must look the same) and a fresh `server_nonce` (printable, no ','). Keeps what step 3 needs.
  std::string server_first(credential cred, std::string_view server_nonce);

  enum class verdict {
    ok,           // proof verified; `server_final` holds "v=..."
    malformed,    // `error` says what is wrong with the message
    wrong_proof,  // well-formed, but not made from this user's password
  };
  // Step 3. Checks client-final against step 2 (nonce suffix, channel binding, proof in constant
  // time).
  verdict receive_client_final(std::string_view message, std::string& server_final,
                               std::string& error) const;

 private:
  mechanism _mech;
  client_first_message _first;
  credential _cred;
  std::string _server_first;
  std::string _nonce;  // client + server nonce
};

// One login on the client. Lifetime: one SASL exchange; wipes the password once it is hashed
// and its keys when destroyed.
class client_exchange {
 public:
  // `client_nonce`: random_nonce() in production, a fixed string in tests.
  client_exchange(mechanism m, std::string user, std::string password, std::string client_nonce);
  ~client_exchange();
  client_exchange(const client_exchange&) = delete;
  client_exchange& operator=(const client_exchange&) = delete;

  // Step 1.
  const std::string& client_first() const { return _client_first; }
  // Step 2. Checks server-first (our nonce prefix, iterations in [iterations_min,
  // iterations_max]), runs PBKDF2 (slow) and makes client-final. False + error otherwise.
  bool receive_server_first(std::string_view message, std::string& client_final, std::string& error);
  // Step 3. True only when the server proved it holds this user's ServerKey ("v=" matches);
  // false + error for "e=<reason>", a wrong signature or a malformed message.
  bool receive_server_final(std::string_view message, std::string& error);

 private:
  mechanism _mech;
  std::string _password;
  std::string _nonce;
  std::string _client_first;
  std::string _auth_message;
  bytes _server_key;
};

}  // namespace tern::auth::scram
