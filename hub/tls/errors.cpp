#include <mbedtls/error.h>

#include "tls/tls.h"

namespace tern::tls {
namespace {

class errc_category_impl : public std::error_category {
 public:
  const char* name() const noexcept override { return "tern.tls"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::want_read:
        return "more TLS input needed";
      case errc::file_unreadable:
        return "cannot read the file";
      case errc::bad_psk_file:
        return "not an `identity:hexkey` line (key of 1..32 bytes in hex)";
      case errc::bad_cipher_suite:
        return "unknown cipher suite";
      case errc::client_cert_invalid:
        return "the client certificate is not trusted";
      case errc::closed:
        return "the peer closed the TLS session";
      case errc::no_certificate:
        return "an SSL listener needs a certificate and a key";
      case errc::no_psk_identities:
        return "a PSK listener needs at least one identity";
    }
    return "unknown tern.tls error";
  }
};

class mbedtls_category_impl : public std::error_category {
 public:
  const char* name() const noexcept override { return "mbedtls"; }
  std::string message(int ev) const override {
    char text[200];
    mbedtls_strerror(ev, text, sizeof text);
    return text;
  }
};

}  // namespace

const std::error_category& errc_category() {
  static const errc_category_impl category;
  return category;
}

std::error_code make_error_code(errc e) { return {static_cast<int>(e), errc_category()}; }

const std::error_category& tls_category() {
  static const mbedtls_category_impl category;
  return category;
}

std::error_code mbedtls_error(int ret) { return {ret, tls_category()}; }

std::string load_error::message() const {
  std::string text = key + ": ";
  if (!detail.empty()) text += detail + ": ";
  return text + ec.message();
}

}  // namespace tern::tls
