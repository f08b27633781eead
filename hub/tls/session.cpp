#include <mbedtls/oid.h>

#include <cstring>

#include "tls/tls_impl.h"

namespace tern::tls {

struct session::impl {
  mbedtls_ssl_context ssl;
  std::shared_ptr<const server_config> server;  // one of the two is set
  std::shared_ptr<const client_config> client;
  std::vector<std::uint8_t> in;  // ciphertext fed, not yet consumed from in_pos on
  std::size_t in_pos = 0;
  std::vector<std::uint8_t> out;  // ciphertext produced, not yet taken
  std::string psk_identity;
  std::string principal = "User:ANONYMOUS";
  bool done = false;

  impl() { mbedtls_ssl_init(&ssl); }
  ~impl() { mbedtls_ssl_free(&ssl); }

  // The memory "bio": Mbed TLS sends into `out` (always whole) and reads from `in`.
  static int send(void* ctx, const unsigned char* buf, std::size_t len) {
    auto* self = static_cast<impl*>(ctx);
    self->out.insert(self->out.end(), buf, buf + len);
    return static_cast<int>(len);
  }
  static int recv(void* ctx, unsigned char* buf, std::size_t len) {
    auto* self = static_cast<impl*>(ctx);
    std::size_t available = self->in.size() - self->in_pos;
    if (available == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    std::size_t n = std::min(len, available);
    std::memcpy(buf, self->in.data() + self->in_pos, n);
    self->in_pos += n;
    if (self->in_pos == self->in.size()) {
      self->in.clear();
      self->in_pos = 0;
    }
    return static_cast<int>(n);
  }

  void setup(const mbedtls_ssl_config& conf) {
    // Only fails on allocation failure (the record buffers): that is not recoverable here.
    if (mbedtls_ssl_setup(&ssl, &conf) != 0) throw std::bad_alloc();
    mbedtls_ssl_set_bio(&ssl, this, send, recv, nullptr);
  }

  std::error_code finish_handshake();
};

void note_psk_identity(void* session_bio, std::string identity) {
  static_cast<session::impl*>(session_bio)->psk_identity = std::move(identity);
}

namespace {

std::string subject_cn(const mbedtls_x509_crt& crt) {
  for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
      return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
  }
  return {};
}

}  // namespace

// Sets the principal; with ssl.client.auth=requested a certificate that was sent must verify.
// A client's principal is the server certificate's CN when the chain was verified (a CA set).
std::error_code session::impl::finish_handshake() {
  done = true;
  if (!server) {
    const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl);
    // Without a CA, Mbed TLS skips verification and reports MBEDTLS_X509_BADCERT_SKIP_VERIFY.
    if (peer != nullptr && mbedtls_ssl_get_verify_result(&ssl) == 0) {
      std::string cn = subject_cn(*peer);
      if (!cn.empty()) principal = "User:" + cn;
    }
    return {};
  }
  if (server->psk()) {
    principal = "User:" + psk_identity;
    return {};
  }
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl);
  if (peer == nullptr) return {};
  if (mbedtls_ssl_get_verify_result(&ssl) != 0) return errc::client_cert_invalid;
  std::string cn = subject_cn(*peer);
  if (!cn.empty()) principal = "User:" + cn;
  return {};
}

session::session(std::shared_ptr<const server_config> config) : _impl(std::make_unique<impl>()) {
  _impl->server = std::move(config);
  _impl->setup(_impl->server->get().conf);
}

session::session(std::shared_ptr<const client_config> config) : _impl(std::make_unique<impl>()) {
  _impl->client = std::move(config);
  _impl->setup(_impl->client->get().conf);
  const auto& name = _impl->client->get().server_name;
  if (!name.empty() && mbedtls_ssl_set_hostname(&_impl->ssl, name.c_str()) != 0)
    throw std::bad_alloc();
}

session::session(std::shared_ptr<const client_config> config, const std::string& server_name)
    : _impl(std::make_unique<impl>()) {
  _impl->client = std::move(config);
  _impl->setup(_impl->client->get().conf);
  if (!server_name.empty() && mbedtls_ssl_set_hostname(&_impl->ssl, server_name.c_str()) != 0)
    throw std::bad_alloc();
}

session::~session() = default;

void session::feed(std::span<const std::uint8_t> ciphertext) {
  _impl->in.insert(_impl->in.end(), ciphertext.begin(), ciphertext.end());
}

std::size_t session::input_pending() const { return _impl->in.size() - _impl->in_pos; }

std::error_code session::handshake() {
  if (_impl->done) return {};
  int ret = mbedtls_ssl_handshake(&_impl->ssl);
  if (ret == 0) return _impl->finish_handshake();
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return errc::want_read;
  return mbedtls_error(ret);
}

bool session::handshake_done() const { return _impl->done; }

std::error_code session::read(std::span<std::uint8_t> out, std::size_t& n) {
  n = 0;
  int ret = mbedtls_ssl_read(&_impl->ssl, out.data(), out.size());
  if (ret > 0) {
    n = static_cast<std::size_t>(ret);
    return {};
  }
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return errc::want_read;
  if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) return errc::closed;
  return mbedtls_error(ret);
}

std::error_code session::write(std::span<const std::uint8_t> plaintext) {
  while (!plaintext.empty()) {
    int ret = mbedtls_ssl_write(&_impl->ssl, plaintext.data(), plaintext.size());
    if (ret < 0) return mbedtls_error(ret);  // WANT_WRITE cannot happen: send() always takes all
    plaintext = plaintext.subspan(static_cast<std::size_t>(ret));
  }
  return {};
}

void session::close_notify() { mbedtls_ssl_close_notify(&_impl->ssl); }

std::vector<std::uint8_t> session::take_output() {
  std::vector<std::uint8_t> taken;
  taken.swap(_impl->out);
  return taken;
}

bool session::has_output() const { return !_impl->out.empty(); }

std::string session::principal() const { return _impl->principal; }

std::string session::cipher_suite() const {
  const char* name = mbedtls_ssl_get_ciphersuite(&_impl->ssl);
  return name ? name : "";
}

std::string session::verify_failure() const {
  std::uint32_t flags = mbedtls_ssl_get_verify_result(&_impl->ssl);
  if (flags == 0 || flags == static_cast<std::uint32_t>(-1)) return {};
  char text[512];
  int n = mbedtls_x509_crt_verify_info(text, sizeof text, "", flags);
  std::string out = n > 0 ? std::string(text, static_cast<std::size_t>(n)) : std::string{};
  for (auto& ch : out)
    if (ch == '\n') ch = ';';
  while (!out.empty() && (out.back() == ';' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace tern::tls
