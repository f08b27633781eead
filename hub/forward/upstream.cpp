#include "forward/upstream.h"

#include "tls/tls.h"

namespace tern::forward {

bool open_upstream(const link_config& config, const std::string& client_id, const std::atomic<bool>* abort,
                   std::unique_ptr<client::cluster_client>& out, std::string& error, bool& fatal) {
  fatal = false;
  client::tls_settings tls;
  const auto& protocol = config.security_protocol;
  if (protocol == "SSL" || protocol == "SASL_SSL") {
    tls::client_options o;
    o.ca_file = config.ssl_ca_location;
    o.certificate_file = config.ssl_certificate_location;
    o.key_file = config.ssl_key_location;
    tls::load_error load;
    tls.config = tls::client_config::load(o, load);
    if (!tls.config) {
      error = "TLS settings: " + load.message();
      fatal = true;
      return false;
    }
    tls.verify_hostname = config.ssl_verify_hostname;
  }
  if (protocol.starts_with("SASL_")) {
    std::string password;
    if (!config.read_password(password, error)) {
      fatal = true;
      return false;
    }
    tls.sasl_username = config.sasl_username;
    tls.sasl_password = password;
    tls.sasl_mechanism = config.sasl_mechanism;
  }
  auto c = std::make_unique<client::cluster_client>();
  c->set_abort_flag(abort);
  c->set_client_id(client_id);
  c->set_tls(std::move(tls));
  if (!c->bootstrap(config.bootstrap_servers, error)) {
    // The client's sentences name SASL and certificate failures; those need a settings change.
    fatal = error.find("SASL") != std::string::npos || error.find("uthenticat") != std::string::npos ||
            error.find("certificate") != std::string::npos || error.find("TLS") != std::string::npos;
    return false;
  }
  out = std::move(c);
  return true;
}

}  // namespace tern::forward
