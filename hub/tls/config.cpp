#include <mbedtls/platform_util.h>
#include <mbedtls/ssl_ciphersuites.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>

#include "tls/psk_file.h"
#include "tls/tls_impl.h"

namespace tern::tls {
namespace {

constexpr int chacha_cert_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};
constexpr int aes_cert_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};
constexpr int chacha_psk_suites[] = {
    MBEDTLS_TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
};
// Mbed TLS 2.28 has no ECDHE-PSK with AES-GCM: its AES ECDHE-PSK suite is CBC + HMAC-SHA256.
// CBC last: AEAD suites first.
constexpr int aes_psk_suites[] = {
    MBEDTLS_TLS_PSK_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_PSK_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// psk_file.h parses the lines; this adds the listener's error reporting.
bool load_psk_file(const std::string& path, server_config::impl& c, load_error& error) {
  error.key = "psk.identities.location";
  std::ifstream in(path);
  if (!in) {
    error.ec = errc::file_unreadable;
    error.detail = "'" + path + "'";
    return false;
  }
  if (int bad_line = parse_psk_lines(in, c.psks)) {
    error.ec = errc::bad_psk_file;
    error.detail = "'" + path + "' line " + std::to_string(bad_line);
    return false;
  }
  if (c.psks.empty()) {
    error.ec = errc::no_psk_identities;
    error.detail = "'" + path + "'";
    return false;
  }
  return true;
}

// Mbed TLS calls this with the identity the client sent; the session learns it through p_bio.
int psk_callback(void* config, mbedtls_ssl_context* ssl, const unsigned char* id, std::size_t len) {
  auto* c = static_cast<server_config::impl*>(config);
  std::string identity(reinterpret_cast<const char*>(id), len);
  auto it = c->psks.find(identity);
  if (it == c->psks.end()) return MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY;
  // p_bio is the session's impl (set by session's constructor); see session.cpp.
  note_psk_identity(ssl->p_bio, std::move(identity));
  return mbedtls_ssl_set_hs_psk(ssl, it->second.data(), it->second.size());
}

// Mbed TLS reports a missing file as "Read/write of file failed": say what the system says.
bool readable(const std::string& path, const char* key, load_error& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) {
    std::fclose(f);
    return true;
  }
  error = {key, std::error_code(errno, std::system_category()), "'" + path + "'"};
  return false;
}

bool fail(load_error& error, const char* key, int ret, const std::string& path) {
  error.key = key;
  error.ec = mbedtls_error(ret);
  error.detail = "'" + path + "'";
  return false;
}

// mbedtls_x509_crt_parse_file returns > 0 when some certificates of the file did not parse.
int parse_certs(mbedtls_x509_crt& crt, const std::string& path) {
  int ret = mbedtls_x509_crt_parse_file(&crt, path.c_str());
  return ret > 0 ? MBEDTLS_ERR_X509_INVALID_FORMAT : ret;
}

bool load_certificates(const server_options& o, server_config::impl& c, load_error& error) {
  if (o.certificate_file.empty() || o.key_file.empty()) {
    error.key = o.certificate_file.empty() ? "ssl.certificate.location" : "ssl.key.location";
    error.ec = errc::no_certificate;
    return false;
  }
  if (!readable(o.certificate_file, "ssl.certificate.location", error) ||
      !readable(o.key_file, "ssl.key.location", error))
    return false;
  if (int ret = parse_certs(c.chain, o.certificate_file))
    return fail(error, "ssl.certificate.location", ret, o.certificate_file);
  const char* password = o.key_password.empty() ? nullptr : o.key_password.c_str();
  if (int ret = mbedtls_pk_parse_keyfile(&c.key, o.key_file.c_str(), password))
    return fail(error,
                ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || ret == MBEDTLS_ERR_PK_PASSWORD_MISMATCH
                    ? "ssl.key.password"
                    : "ssl.key.location",
                ret, o.key_file);
  if (int ret = mbedtls_pk_check_pair(&c.chain.pk, &c.key))
    return fail(error, "ssl.key.location", ret, o.key_file);
  if (int ret = mbedtls_ssl_conf_own_cert(&c.conf, &c.chain, &c.key))
    return fail(error, "ssl.certificate.location", ret, o.certificate_file);
  return true;
}

bool load_client_trust(const server_options& o, server_config::impl& c, load_error& error) {
  if (o.auth == client_auth::none) return true;
  if (o.ca_file.empty()) {
    error.key = "ssl.ca.location";
    error.ec = mbedtls_error(MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED);
    error.detail = "ssl.client.auth is not none";
    return false;
  }
  if (!readable(o.ca_file, "ssl.ca.location", error)) return false;
  if (int ret = parse_certs(c.ca, o.ca_file)) return fail(error, "ssl.ca.location", ret, o.ca_file);
  bool have_crl = !o.crl_file.empty();
  if (have_crl) {
    if (!readable(o.crl_file, "ssl.crl.location", error)) return false;
    if (int ret = mbedtls_x509_crl_parse_file(&c.crl, o.crl_file.c_str()))
      return fail(error, "ssl.crl.location", ret, o.crl_file);
  }
  mbedtls_ssl_conf_ca_chain(&c.conf, &c.ca, have_crl ? &c.crl : nullptr);
  mbedtls_ssl_conf_authmode(&c.conf, o.auth == client_auth::required ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                     : MBEDTLS_SSL_VERIFY_OPTIONAL);
  return true;
}

void tls12_only(mbedtls_ssl_config& conf) {
  mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
}

}  // namespace

random_source::random_source() {
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
}

random_source::~random_source() {
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
}

int random_source::seed(const char* personalization) {
  return mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                               reinterpret_cast<const unsigned char*>(personalization),
                               std::char_traits<char>::length(personalization));
}

std::error_code choose_suites(bool psk, const std::string& names, std::vector<int>& out) {
  out.clear();
  if (names.empty()) {
    std::span<const int> chacha =
        psk ? std::span<const int>(chacha_psk_suites) : chacha_cert_suites;
    std::span<const int> aes = psk ? std::span<const int>(aes_psk_suites) : aes_cert_suites;
    bool aes_first = aes_is_accelerated();
    for (auto list : {aes_first ? aes : chacha, aes_first ? chacha : aes})
      out.insert(out.end(), list.begin(), list.end());
  } else {
    std::size_t start = 0;
    while (start <= names.size()) {
      auto comma = std::min(names.find(',', start), names.size());
      std::string name = trim(names.substr(start, comma - start));
      start = comma + 1;
      if (name.empty()) continue;
      // Accept IANA spelling (TLS_ECDHE_..._SHA256) as well as Mbed TLS's (TLS-ECDHE-...).
      std::replace(name.begin(), name.end(), '_', '-');
      for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      int id = mbedtls_ssl_get_ciphersuite_id(name.c_str());
      if (id == 0) return errc::bad_cipher_suite;
      out.push_back(id);
    }
    if (out.empty()) return errc::bad_cipher_suite;
  }
  out.push_back(0);
  return {};
}

server_config::impl::impl() {
  mbedtls_ssl_config_init(&conf);
  mbedtls_x509_crt_init(&chain);
  mbedtls_pk_init(&key);
  mbedtls_x509_crt_init(&ca);
  mbedtls_x509_crl_init(&crl);
}

server_config::impl::~impl() {
  for (auto& [id, key_bytes] : psks) mbedtls_platform_zeroize(key_bytes.data(), key_bytes.size());
  mbedtls_ssl_config_free(&conf);
  mbedtls_x509_crl_free(&crl);
  mbedtls_x509_crt_free(&ca);
  mbedtls_pk_free(&key);
  mbedtls_x509_crt_free(&chain);
}

server_config::server_config() : _impl(std::make_unique<impl>()) {}
server_config::~server_config() = default;
bool server_config::psk() const { return _impl->psk; }

std::vector<std::string> server_config::cipher_suite_names() const {
  std::vector<std::string> names;
  for (int id : _impl->suites)
    if (id != 0) names.emplace_back(mbedtls_ssl_get_ciphersuite_name(id));
  return names;
}

std::shared_ptr<server_config> server_config::load(const server_options& o, load_error& error) {
  std::shared_ptr<server_config> config(new server_config());
  impl& c = *config->_impl;
  c.psk = o.psk;
  c.auth = o.psk ? client_auth::none : o.auth;
  int ret = mbedtls_ssl_config_defaults(&c.conf, MBEDTLS_SSL_IS_SERVER,
                                        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret == 0) ret = c.random.seed("tern hub tls server");
  if (ret != 0) {
    error = {"ssl", mbedtls_error(ret), "initialisation"};
    return nullptr;
  }
  tls12_only(c.conf);
  mbedtls_ssl_conf_rng(&c.conf, mbedtls_ctr_drbg_random, &c.random.drbg);
  if (auto ec = choose_suites(o.psk, o.cipher_suites, c.suites)) {
    error = {"ssl.cipher.suites", ec, "'" + o.cipher_suites + "'"};
    return nullptr;
  }
  mbedtls_ssl_conf_ciphersuites(&c.conf, c.suites.data());
  if (o.psk) {
    if (o.psk_identities_file.empty()) {
      error = {"psk.identities.location", errc::no_psk_identities, ""};
      return nullptr;
    }
    if (!load_psk_file(o.psk_identities_file, c, error)) return nullptr;
    mbedtls_ssl_conf_psk_cb(&c.conf, psk_callback, &c);
    mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    if (!load_certificates(o, c, error) || !load_client_trust(o, c, error)) return nullptr;
    if (o.auth == client_auth::none) mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  return config;
}

client_config::impl::impl() {
  mbedtls_ssl_config_init(&conf);
  mbedtls_x509_crt_init(&ca);
  mbedtls_x509_crt_init(&chain);
  mbedtls_pk_init(&key);
}

client_config::impl::~impl() {
  mbedtls_ssl_config_free(&conf);
  mbedtls_pk_free(&key);
  mbedtls_x509_crt_free(&chain);
  mbedtls_x509_crt_free(&ca);
}

client_config::client_config() : _impl(std::make_unique<impl>()) {}
client_config::~client_config() = default;

std::shared_ptr<client_config> client_config::load(const client_options& o, load_error& error) {
  std::shared_ptr<client_config> config(new client_config());
  impl& c = *config->_impl;
  c.server_name = o.server_name;
  int ret = mbedtls_ssl_config_defaults(&c.conf, MBEDTLS_SSL_IS_CLIENT,
                                        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret == 0) ret = c.random.seed("tern tls client");
  if (ret != 0) {
    error = {"ssl", mbedtls_error(ret), "initialisation"};
    return nullptr;
  }
  tls12_only(c.conf);
  mbedtls_ssl_conf_rng(&c.conf, mbedtls_ctr_drbg_random, &c.random.drbg);
  bool psk = !o.psk_identity.empty();
  if (auto ec = choose_suites(psk, o.cipher_suites, c.suites)) {
    error = {"ssl.cipher.suites", ec, "'" + o.cipher_suites + "'"};
    return nullptr;
  }
  mbedtls_ssl_conf_ciphersuites(&c.conf, c.suites.data());
  if (psk) {
    ret = mbedtls_ssl_conf_psk(&c.conf, o.psk.data(), o.psk.size(),
                               reinterpret_cast<const unsigned char*>(o.psk_identity.data()),
                               o.psk_identity.size());
    if (ret != 0) {
      error = {"psk", mbedtls_error(ret), o.psk_identity};
      return nullptr;
    }
  }
  if (o.ca_file.empty()) {
    mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_NONE);
  } else {
    if ((ret = parse_certs(c.ca, o.ca_file))) {
      error = {"ssl.ca.location", mbedtls_error(ret), "'" + o.ca_file + "'"};
      return nullptr;
    }
    mbedtls_ssl_conf_ca_chain(&c.conf, &c.ca, nullptr);
    mbedtls_ssl_conf_authmode(&c.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  }
  if (!o.certificate_file.empty()) {
    if ((ret = parse_certs(c.chain, o.certificate_file))) {
      error = {"ssl.certificate.location", mbedtls_error(ret), "'" + o.certificate_file + "'"};
      return nullptr;
    }
    const char* password = o.key_password.empty() ? nullptr : o.key_password.c_str();
    if ((ret = mbedtls_pk_parse_keyfile(&c.key, o.key_file.c_str(), password)) ||
        (ret = mbedtls_ssl_conf_own_cert(&c.conf, &c.chain, &c.key))) {
      error = {"ssl.key.location", mbedtls_error(ret), "'" + o.key_file + "'"};
      return nullptr;
    }
  }
  return config;
}

}  // namespace tern::tls
