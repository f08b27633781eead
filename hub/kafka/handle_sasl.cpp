// SaslHandshake (17) v1 (v0 is answered UNSUPPORTED_VERSION) and SaslAuthenticate (36) v0–2, mechanism PLAIN (RFC 4616) only.
// A successful SaslAuthenticate makes the connection's principal User:<name> for every later
// request (net::outgoing_frame::update_connection); a failed one answers
// SASL_AUTHENTICATION_FAILED and closes the connection, as Kafka does. Passwords are never
// logged; user names are, sanitized. Password hashing runs off the io thread, behind a
// per-user and per-address failed-login limit (see handle_sasl_authenticate).
#include <algorithm>
#include <chrono>

#include "app/log.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/kafka/messages/sasl.h"

namespace tern::kafka {
namespace {
constexpr std::string_view mechanism_plain = "PLAIN";
constexpr std::size_t plain_field_bytes_max = 255;  // authzid, user name and password each

// A user name as it may appear in the log: printable ASCII, at most 64 characters.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// Splits a PLAIN token "[authzid] NUL authcid NUL passwd". False if malformed, if a field is
// empty or too long, or if authzid names someone other than authcid (no impersonation).
bool parse_plain(const std::vector<std::uint8_t>& token, std::string_view& user, std::string_view& password) {
  std::string_view t(reinterpret_cast<const char*>(token.data()), token.size());
  auto first = t.find('\0');
  if (first == std::string_view::npos) return false;
  auto second = t.find('\0', first + 1);
  if (second == std::string_view::npos) return false;
  auto authzid = t.substr(0, first);
  user = t.substr(first + 1, second - first - 1);
  password = t.substr(second + 1);
  if (user.empty() || password.empty() || password.find('\0') != std::string_view::npos) return false;
  if (authzid.size() > plain_field_bytes_max || user.size() > plain_field_bytes_max ||
      password.size() > plain_field_bytes_max)
    return false;
  return authzid.empty() || authzid == user;
}

// Answers `body` and applies `update` to the connection (success) or closes it (failure).
void answer(request_context& ctx, const sasl_authenticate_response& body,
            std::function<void(net::connection_info&)> update) {
  auto w = std::make_shared<wire::wire_writer>();
  response_header h;
  h.correlation_id = ctx.header.correlation_id;
  h.encode(*w, response_header_version(api_key::sasl_authenticate, ctx.version()));
  body.encode(*w, ctx.version());
  net::outgoing_frame out;
  out.segments = w->segments();
  out.keepalive = w;
  out.close_after = body.error_code != 0;
  out.update_connection = std::move(update);
  ctx.respond_raw(std::move(out));
}
}  // namespace

bool is_sasl_listener(std::string_view listener) { return listener.starts_with("SASL_"); }

bool sasl_admits(const net::connection_info& conn, api_key key) {
  if (!is_sasl_listener(conn.listener) || conn.sasl_authenticated) return true;
  return key == api_key::api_versions || key == api_key::sasl_handshake || key == api_key::sasl_authenticate;
}

bool handle_sasl_handshake(request_context& ctx, wire::wire_reader& body) {
  sasl_handshake_request request;
  if (!request.decode(body, ctx.version())) return false;
  sasl_handshake_response response;
  if (ctx.version() == 0) {
    response.error_code = wire(error_code::unsupported_version);  // raw-token framing: not here
  } else if (!is_sasl_listener(ctx.conn.listener)) {
    response.error_code = wire(error_code::unsupported_sasl_mechanism);  // none enabled here
  } else if (ctx.conn.sasl_authenticated) {
    response.error_code = wire(error_code::illegal_sasl_state);
  } else {
    response.mechanisms.emplace_back(mechanism_plain);
    if (request.mechanism != mechanism_plain) {
      log::info("connection ", ctx.conn.id, " from ", ctx.conn.peer, ": SASL mechanism '",
                printable(request.mechanism), "' is not enabled (PLAIN)");
      response.error_code = wire(error_code::unsupported_sasl_mechanism);
    }
  }
  ctx.respond(response);
  return true;
}

namespace {
std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The address part of "ip:port" (the rate limit counts per client address, not per socket).
std::string address_of(const std::string& peer) {
  auto colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

void answer_failed(request_context& ctx, const char* why, const std::string& user, const char* message) {
  const auto& conn = ctx.conn;
  log::warn("connection ", conn.id, " from ", conn.peer, " on ", conn.listener,
            ": SASL_AUTHENTICATION_FAILED for user '", printable(user), "' (", why, "); closing");
  sasl_authenticate_response response;
  response.error_code = wire(error_code::sasl_authentication_failed);
  response.error_message = message;
  answer(ctx, response, {});
}

constexpr const char* invalid_credentials = "Authentication failed: invalid username or password";

// Back on the io thread with the worker's verdict.
void complete_authenticate(request_context& ctx, const std::string& user, const std::string& address, bool ok) {
  if (ctx.hub.login_limiter().finish(user, address, ok, monotonic_ms()))
    log::warn("SASL: too many failed logins for user '", printable(user), "' or from ", address,
              "; further attempts are refused without checking until the failures decay");
  if (!ok) return answer_failed(ctx, "unknown user or wrong password", user, invalid_credentials);
  std::string principal = "User:" + user;
  const auto& conn = ctx.conn;
  log::info("connection ", conn.id, " from ", conn.peer, " on ", conn.listener,
            ": SASL/PLAIN authenticated as ", printable(principal));
  answer(ctx, sasl_authenticate_response{}, [principal](net::connection_info& info) {
    info.principal = principal;
    info.sasl_authenticated = true;
  });
}
}  // namespace

// The PBKDF2 check runs on the broker's credential worker, never on the io thread; its verdict
// is posted back. Before hashing, the login limiter may refuse the attempt outright (too many
// recent failures for this user or from this address): the answer is the same
// SASL_AUTHENTICATION_FAILED, with a message that says to retry later.
bool handle_sasl_authenticate(request_context& ctx, wire::wire_reader& body) {
  sasl_authenticate_request request;
  if (!request.decode(body, ctx.version())) return false;
  const auto& conn = ctx.conn;
  if (!is_sasl_listener(conn.listener) || conn.sasl_authenticated) {
    sasl_authenticate_response response;
    response.error_code = wire(error_code::illegal_sasl_state);
    response.error_message = "SaslAuthenticate is not expected on this connection";
    answer(ctx, response, {});
    return true;
  }
  std::string_view user_view, password_view;
  bool well_formed = parse_plain(request.auth_bytes, user_view, password_view);
  std::string user(user_view);
  std::string password(password_view);
  std::fill(request.auth_bytes.begin(), request.auth_bytes.end(), std::uint8_t{0});  // the password
  auto users = ctx.hub.sasl_users_shared();
  if (!well_formed || !users) {
    answer_failed(ctx, well_formed ? "no users file" : "malformed PLAIN token", user, invalid_credentials);
    return true;
  }
  std::string address = address_of(conn.peer);
  auto& limiter = ctx.hub.login_limiter();
  if (!limiter.begin(user, address, monotonic_ms())) {
    answer_failed(ctx, "too many failed logins lately; not checked", user,
                  "Authentication failed: too many failed attempts, retry later");
    return true;
  }
  auto job = [&io = ctx.hub.io(), ctx, users, user, address, password = std::move(password)]() mutable {
    bool ok = users->verify(user, password);
    std::fill(password.begin(), password.end(), '\0');
    asio::post(io, [ctx = std::move(ctx), user = std::move(user), address = std::move(address), ok]() mutable {
      complete_authenticate(ctx, user, address, ok);
    });
  };
  if (!ctx.hub.submit_credential_check(std::move(job))) {
    limiter.abandon(user, address);
    answer_failed(ctx, "too many logins being checked; not checked", user,
                  "Authentication failed: the server is busy, retry later");
  }
  return true;
}

}  // namespace tern::kafka
