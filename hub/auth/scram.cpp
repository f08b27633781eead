#include "auth/scram.h"

#include <sys/random.h>

#include <cerrno>
#include <charconv>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#include "tern/common/check.h"

namespace tern::auth::scram {
namespace {

const mbedtls_md_info_t* md_of(mechanism m) {
  return mbedtls_md_info_from_type(m == mechanism::sha256 ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA512);
}

// Wipes a string or byte vector in a way the optimiser keeps (the object is used afterwards).
template <typename Container>
void wipe(Container& c) {
  volatile auto* p = c.data();
  for (std::size_t i = 0; i < c.size(); ++i) p[i] = 0;
  c.clear();
}

// The message split at ','. Values never contain ',' (saslnames escape it, nonces and base64
// exclude it), so this is exact.
std::vector<std::string_view> attributes(std::string_view message) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    auto comma = message.find(',', start);
    out.push_back(message.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

// The value of "<name>=<value>", or nullopt when the attribute has another name.
std::optional<std::string_view> value_of(std::string_view attribute, char name) {
  if (attribute.size() < 2 || attribute[0] != name || attribute[1] != '=') return std::nullopt;
  return attribute.substr(2);
}

bool printable_nonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > 256) return false;
  for (char c : nonce)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

// saslname (RFC 5802 §5.1): ',' and '=' travel as "=2C" and "=3D"; any other '=' is malformed.
bool decode_saslname(std::string_view name, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\0') return false;
    if (name[i] != '=') {
      out += name[i];
      continue;
    }
    auto escape = name.substr(i + 1, 2);
    if (escape == "2C") out += ',';
    else if (escape == "3D") out += '=';
    else return false;
    i += 2;
  }
  return !out.empty() && out.size() <= user_bytes_max;
}

std::string encode_saslname(std::string_view user) {
  std::string out;
  for (char c : user) {
    if (c == ',') out += "=2C";
    else if (c == '=') out += "=3D";
    else out += c;
  }
  return out;
}

bool fail(std::string& error, const char* why) {
  error = why;
  return false;
}

bool parse_iterations(std::string_view text, std::uint32_t& out) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || text.empty() || text[0] == '+') return false;
  if (v > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

// The extensions after r= in client-first: "key=value" each. Kafka defines one, tokenauth
// (delegation tokens), which we refuse; others are ignored as Kafka's SCRAM server ignores them.
bool check_extensions(std::span<const std::string_view> extensions, std::string& error) {
  for (auto e : extensions) {
    auto eq = e.find('=');
    if (eq == std::string_view::npos || eq == 0) return fail(error, "an extension is not key=value");
    if (e.substr(0, eq) == "tokenauth")
      return fail(error, "delegation token authentication (tokenauth) is not supported");
  }
  return true;
}

bytes xor_of(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  TERN_ASSERT(a.size() == b.size());
  bytes out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
}  // namespace

std::optional<mechanism> mechanism_named(std::string_view name) {
  if (name == "SCRAM-SHA-256") return mechanism::sha256;
  if (name == "SCRAM-SHA-512") return mechanism::sha512;
  return std::nullopt;
}

std::string_view name_of(mechanism m) { return m == mechanism::sha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512"; }

std::size_t key_bytes(mechanism m) { return m == mechanism::sha256 ? 32 : 64; }

bytes hmac(mechanism m, std::span<const std::uint8_t> key, std::string_view data) {
  bytes out(key_bytes(m));
  int rc = mbedtls_md_hmac(md_of(m), key.data(), key.size(), as_bytes(data).data(), data.size(), out.data());
  TERN_ASSERT(rc == 0);  // only fails for a bad md_info
  return out;
}

bytes hash(mechanism m, std::span<const std::uint8_t> data) {
  bytes out(key_bytes(m));
  int rc = mbedtls_md(md_of(m), data.data(), data.size(), out.data());
  TERN_ASSERT(rc == 0);
  return out;
}

bool salted_password(mechanism m, std::string_view password, std::span<const std::uint8_t> salt,
                     std::uint32_t iterations, bytes& out) {
  out.assign(key_bytes(m), 0);
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  int rc = mbedtls_md_setup(&md, md_of(m), 1);
  if (rc == 0)
    rc = mbedtls_pkcs5_pbkdf2_hmac(&md, as_bytes(password).data(), password.size(), salt.data(), salt.size(),
                                   iterations, static_cast<std::uint32_t>(out.size()), out.data());
  mbedtls_md_free(&md);
  return rc == 0;
}

bool equal_constant_time(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;  // sizes are public (the mechanism's)
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

bool random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    auto n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string random_nonce() {
  std::uint8_t raw[24];
  if (!random_bytes(raw)) return {};
  return base64_encode(raw);
}

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string out((data.size() + 2) / 3 * 4 + 1, '\0');
  std::size_t n = 0;
  int rc = mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &n, data.data(),
                                 data.size());
  TERN_ASSERT(rc == 0);
  out.resize(n);
  return out;
}

bool base64_decode(std::string_view text, bytes& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      ++pad;
    } else if (!alpha || pad > 0) {
      return false;  // a foreign character, or data after padding
    }
  }
  if (pad > 2) return false;
  out.resize(text.size() / 4 * 3);
  std::size_t n = 0;
  if (mbedtls_base64_decode(out.data(), out.size(), &n, as_bytes(text).data(), text.size()) != 0) return false;
  out.resize(n);
  return true;
}

credential credential_from_salted(mechanism m, std::uint32_t iterations, bytes salt,
                                  std::span<const std::uint8_t> salted) {
  credential c;
  c.mech = m;
  c.iterations = iterations;
  c.salt = std::move(salt);
  auto client_key = hmac(m, salted, "Client Key");
  c.stored_key = hash(m, client_key);
  c.server_key = hmac(m, salted, "Server Key");
  wipe(client_key);
  return c;
}

// ---- messages ----------------------------------------------------------------------------------

bool parse_client_first(std::string_view message, client_first_message& out, std::string& error) {
  out = {};
  if (message.size() > message_bytes_max) return fail(error, "the message is too long");
  if (message.find('\0') != std::string_view::npos) return fail(error, "the message contains NUL");
  if (message.starts_with("y,") || message.starts_with("p="))
    return fail(error, "channel binding is not supported (the GS2 header must start with \"n,\")");
  if (!message.starts_with("n,")) return fail(error, "the GS2 header must start with \"n,\"");
  auto authzid_end = message.find(',', 2);
  if (authzid_end == std::string_view::npos) return fail(error, "the GS2 header is incomplete");
  auto authzid = message.substr(2, authzid_end - 2);
  out.gs2_header = std::string(message.substr(0, authzid_end + 1));
  out.bare = std::string(message.substr(authzid_end + 1));
  auto attrs = attributes(out.bare);
  if (attrs[0].starts_with("m=")) return fail(error, "mandatory extensions (m=) are not supported");
  auto name = value_of(attrs[0], 'n');
  if (!name || !decode_saslname(*name, out.user)) return fail(error, "n= (the user name) is missing or malformed");
  auto nonce = attrs.size() > 1 ? value_of(attrs[1], 'r') : std::nullopt;
  if (!nonce || !printable_nonce(*nonce)) return fail(error, "r= (the client nonce) is missing or malformed");
  out.nonce = std::string(*nonce);
  if (!check_extensions(std::span(attrs).subspan(2), error)) return false;
  if (!authzid.empty()) {
    std::string requested;
    auto a = value_of(authzid, 'a');
    if (!a || !decode_saslname(*a, requested)) return fail(error, "the authorization id (a=) is malformed");
    if (requested != out.user)
      return fail(error, "the authorization id (a=) must be the user name itself");
  }
  return true;
}

std::string format_client_first(std::string_view user, std::string_view nonce) {
  return "n,,n=" + encode_saslname(user) + ",r=" + std::string(nonce);
}

bool parse_server_first(std::string_view message, server_first_message& out, std::string& error) {
  out = {};
  if (message.size() > message_bytes_max) return fail(error, "the message is too long");
  auto attrs = attributes(message);
  if (attrs[0].starts_with("m=")) return fail(error, "mandatory extensions (m=) are not supported");
  auto nonce = value_of(attrs[0], 'r');
  if (!nonce || !printable_nonce(*nonce)) return fail(error, "r= (the nonce) is missing or malformed");
  auto salt = attrs.size() > 1 ? value_of(attrs[1], 's') : std::nullopt;
  if (!salt || !base64_decode(*salt, out.salt) || out.salt.empty())
    return fail(error, "s= (the salt) is missing or not base64");
  auto iterations = attrs.size() > 2 ? value_of(attrs[2], 'i') : std::nullopt;
  if (!iterations || !parse_iterations(*iterations, out.iterations))
    return fail(error, "i= (the iteration count) is missing or not a number");
  out.nonce = std::string(*nonce);
  return true;
}

std::string format_server_first(std::string_view nonce, std::span<const std::uint8_t> salt,
                                std::uint32_t iterations) {
  return "r=" + std::string(nonce) + ",s=" + base64_encode(salt) + ",i=" + std::to_string(iterations);
}

bool parse_client_final(std::string_view message, client_final_message& out, std::string& error) {
  out = {};
  if (message.size() > message_bytes_max) return fail(error, "the message is too long");
  auto proof_at = message.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail(error, "p= (the proof) is missing; it must come last");
  out.without_proof = std::string(message.substr(0, proof_at));
  auto attrs = attributes(out.without_proof);
  auto binding = value_of(attrs[0], 'c');
  if (!binding || !base64_decode(*binding, out.channel_binding))
    return fail(error, "c= (the channel binding) is missing or not base64");
  auto nonce = attrs.size() > 1 ? value_of(attrs[1], 'r') : std::nullopt;
  if (!nonce || !printable_nonce(*nonce)) return fail(error, "r= (the nonce) is missing or malformed");
  out.nonce = std::string(*nonce);
  if (!base64_decode(message.substr(proof_at + 3), out.proof) || out.proof.empty())
    return fail(error, "p= (the proof) is not base64");
  return true;
}

// ---- server ------------------------------------------------------------------------------------

bool server_exchange::receive_client_first(std::string_view message, std::string& error) {
  return parse_client_first(message, _first, error);
}

std::string server_exchange::server_first(credential cred, std::string_view server_nonce) {
  TERN_ASSERT(cred.mech == _mech && !_first.nonce.empty() && printable_nonce(server_nonce));
  _cred = std::move(cred);
  _nonce = _first.nonce + std::string(server_nonce);
  _server_first = format_server_first(_nonce, _cred.salt, _cred.iterations);
  return _server_first;
}

server_exchange::verdict server_exchange::receive_client_final(std::string_view message, std::string& server_final,
                                                               std::string& error) const {
  TERN_ASSERT(!_server_first.empty());
  client_final_message final_message;
  if (!parse_client_final(message, final_message, error)) return verdict::malformed;
  if (!equal_constant_time(final_message.channel_binding, as_bytes(_first.gs2_header))) {
    error = "c= (the channel binding) does not repeat the GS2 header of client-first";
    return verdict::malformed;
  }
  // Kafka accepts a nonce that ends with the server's (ScramSaslServer: endsWith), and
  // librdkafka relies on it: it sends its client nonce twice ("r=<cnonce><cnonce><snonce>").
  // The proof covers the nonce as sent, so this admits nothing a proof does not bind.
  if (!final_message.nonce.ends_with(_nonce)) {
    error = "r= (the nonce) is not the one the server sent";
    return verdict::malformed;
  }
  if (final_message.proof.size() != key_bytes(_mech)) {
    error = "p= (the proof) has the wrong length for " + std::string(name_of(_mech));
    return verdict::malformed;
  }
  std::string auth_message = _first.bare + "," + _server_first + "," + final_message.without_proof;
  auto client_signature = hmac(_mech, _cred.stored_key, auth_message);
  auto client_key = xor_of(final_message.proof, client_signature);
  bool ok = equal_constant_time(hash(_mech, client_key), _cred.stored_key);
  wipe(client_key);
  if (!ok) return verdict::wrong_proof;
  server_final = "v=" + base64_encode(hmac(_mech, _cred.server_key, auth_message));
  return verdict::ok;
}

// ---- client ------------------------------------------------------------------------------------

client_exchange::client_exchange(mechanism m, std::string user, std::string password, std::string client_nonce)
    : _mech(m), _password(std::move(password)), _nonce(std::move(client_nonce)) {
  TERN_ASSERT(printable_nonce(_nonce));
  _client_first = format_client_first(user, _nonce);
}

client_exchange::~client_exchange() {
  wipe(_password);
  wipe(_server_key);
}

bool client_exchange::receive_server_first(std::string_view message, std::string& client_final,
                                           std::string& error) {
  server_first_message first;
  if (!parse_server_first(message, first, error)) return false;
  if (!first.nonce.starts_with(_nonce) || first.nonce.size() == _nonce.size())
    return fail(error, "the server's nonce does not extend ours");
  if (first.iterations < iterations_min || first.iterations > iterations_max) {
    error = "the server asks for " + std::to_string(first.iterations) + " iterations, outside " +
            std::to_string(iterations_min) + ".." + std::to_string(iterations_max);
    return false;
  }
  bytes salted;
  bool hashed = salted_password(_mech, _password, first.salt, first.iterations, salted);
  wipe(_password);
  if (!hashed) return fail(error, "PBKDF2 (Mbed TLS) failed");
  auto client_key = hmac(_mech, salted, "Client Key");
  _server_key = hmac(_mech, salted, "Server Key");
  wipe(salted);
  // c= repeats the GS2 header "n,," (no channel binding, no authorization id): "biws".
  std::string without_proof = "c=" + base64_encode(as_bytes("n,,")) + ",r=" + first.nonce;
  std::string bare = _client_first.substr(3);
  _auth_message = bare + "," + std::string(message) + "," + without_proof;
  auto signature = hmac(_mech, hash(_mech, client_key), _auth_message);
  client_final = without_proof + ",p=" + base64_encode(xor_of(client_key, signature));
  wipe(client_key);
  return true;
}

bool client_exchange::receive_server_final(std::string_view message, std::string& error) {
  if (_auth_message.empty()) return fail(error, "server-final arrived before server-first");
  auto attrs = attributes(message.substr(0, message_bytes_max));
  if (auto e = value_of(attrs[0], 'e')) {
    error = "the server refused: " + std::string(e->substr(0, 200));
    return false;
  }
  auto v = value_of(attrs[0], 'v');
  bytes signature;
  if (!v || !base64_decode(*v, signature)) return fail(error, "server-final has no valid v= (server signature)");
  if (!equal_constant_time(signature, hmac(_mech, _server_key, _auth_message)))
    return fail(error, "the server's signature is wrong: it does not hold this user's SCRAM credentials");
  return true;
}

}  // namespace tern::auth::scram
