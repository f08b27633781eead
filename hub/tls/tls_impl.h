#pragma once
// Internal to tern_tls: the Mbed TLS state behind server_config, client_config and session.
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include <map>
#include <string>
#include <vector>

#include "tls/tls.h"

namespace tern::tls {

// Entropy + CTR-DRBG seeded once; shared by every session of one config (one thread).
struct random_source {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  random_source();
  ~random_source();
  int seed(const char* personalization);
};

struct server_config::impl {
  random_source random;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt chain;  // own certificate chain
  mbedtls_pk_context key;
  mbedtls_x509_crt ca;
  mbedtls_x509_crl crl;
  std::vector<int> suites;  // 0-terminated; Mbed TLS keeps a pointer to it
  std::map<std::string, std::vector<unsigned char>, std::less<>> psks;
  bool psk = false;
  client_auth auth = client_auth::none;
  impl();
  ~impl();
};

struct client_config::impl {
  random_source random;
  mbedtls_ssl_config conf;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt chain;
  mbedtls_pk_context key;
  std::vector<int> suites;
  std::string server_name;
  impl();
  ~impl();
};

// Records the PSK identity a client presented on the session whose bio context is `session_bio`.
void note_psk_identity(void* session_bio, std::string identity);

// Ordered suite lists for a mode, or the override parsed from `names` (comma separated).
std::error_code choose_suites(bool psk, const std::string& names, std::vector<int>& out);

}  // namespace tern::tls
