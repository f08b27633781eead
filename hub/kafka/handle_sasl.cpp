// SaslHandshake (17) v1 (v0 is answered UNSUPPORTED_VERSION) and SaslAuthenticate (36) v0–2, for
// the mechanisms in sasl.enabled.mechanisms: PLAIN (RFC 4616), SCRAM-SHA-256 and SCRAM-SHA-512
// (RFC 5802/7677, Kafka's rules: hub/auth/scram.h).
//
// SaslHandshake records the chosen mechanism in the connection's SASL state; SaslAuthenticate
// without it is ILLEGAL_SASL_STATE, as in Kafka. PLAIN takes one SaslAuthenticate, SCRAM two
// (client-first -> server-first, client-final -> server-final); between them the exchange lives
// in the connection's state, so it ends with the connection. A successful exchange makes the
// connection's principal User:<name> for every later request (net::outgoing_frame::
// update_connection); a failed one answers SASL_AUTHENTICATION_FAILED with a message and closes
// the connection, as Kafka does. Passwords are never logged; user names are, sanitized.
//
// Costs: PLAIN hashes the password (PBKDF2) on the credential worker, never on the io thread;
// SCRAM checks a proof with a few HMACs from stored keys, cheap enough for the io thread. Both
// are behind the per-user and per-address failed-login limit (auth/login_limiter.h). An unknown
// SCRAM user gets a decoy salt and fails at client-final like a wrong password, with the same
// message.
#include <algorithm>
#include <chrono>

#include "app/log.h"
#include "auth/sasl_plain.h"
#include "auth/scram.h"
#include "kafka/errors.h"
#include "kafka/request_context.h"
#include "tern/common/check.h"
#include "tern/kafka/messages/sasl.h"

namespace tern::kafka {
namespace {
constexpr std::string_view mechanism_plain = "PLAIN";

// The connection's SASL state (net::connection_info::sasl_state). Replaced, never changed in
// place: request contexts hold copies of the pointer.
struct sasl_session {
  std::string mechanism;  // chosen by SaslHandshake
  // SCRAM, between client-first and client-final; `known`: the credential is the user's own,
  // not a decoy.
  std::shared_ptr<const auth::scram::server_exchange> scram;
  bool known = false;
};

const sasl_session* session_of(const net::connection_info& conn) {
  return static_cast<const sasl_session*>(conn.sasl_state.get());
}

// The connection update that installs a new session.
std::function<void(net::connection_info&)> set_session(std::string mechanism,
                                                       std::shared_ptr<const auth::scram::server_exchange> scram = {},
                                                       bool known = false) {
  auto session = std::make_shared<sasl_session>();
  session->mechanism = std::move(mechanism);
  session->scram = std::move(scram);
  session->known = known;
  return [session = std::shared_ptr<const sasl_session>(std::move(session))](net::connection_info& info) {
    info.sasl_state = session;
  };
}

std::string_view text_of(const std::vector<std::uint8_t>& token) {
  return {reinterpret_cast<const char*>(token.data()), token.size()};
}

// A user name as it may appear in the log: printable ASCII, at most 64 characters.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// Answers `body` and applies `update` to the connection (success) or closes it (an error).
template <typename Response>
void answer(request_context& ctx, const Response& body, std::function<void(net::connection_info&)> update) {
  auto w = std::make_shared<wire::wire_writer>();
  response_header h;
  h.correlation_id = ctx.header.correlation_id;
  h.encode(*w, response_header_version(Response::key, ctx.version()));
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
    const auto& enabled = ctx.hub.config().sasl_enabled_mechanisms;
    response.mechanisms = enabled;
    if (std::find(enabled.begin(), enabled.end(), request.mechanism) == enabled.end()) {
      log::info("connection ", ctx.conn.id, " from ", ctx.conn.peer, ": SASL mechanism '",
                printable(request.mechanism), "' is not enabled");
      response.error_code = wire(error_code::unsupported_sasl_mechanism);
    } else {
      answer(ctx, response, set_session(request.mechanism));
      return true;
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

void answer_failed(request_context& ctx, const char* why, const std::string& user, std::string message) {
  const auto& conn = ctx.conn;
  log::warn("connection ", conn.id, " from ", conn.peer, " on ", conn.listener,
            ": SASL_AUTHENTICATION_FAILED for user '", printable(user), "' (", why, "); closing");
  sasl_authenticate_response response;
  response.error_code = wire(error_code::sasl_authentication_failed);
  response.error_message = std::move(message);
  answer(ctx, response, {});
}

constexpr const char* invalid_credentials = "Authentication failed: invalid username or password";

// The connection becomes User:<user>; `token` is the server's last SASL token (SCRAM's
// server-final, empty for PLAIN).
void succeed(request_context& ctx, std::string_view mechanism, const std::string& user, std::string_view token) {
  std::string principal = "User:" + user;
  const auto& conn = ctx.conn;
  log::info("connection ", conn.id, " from ", conn.peer, " on ", conn.listener, ": SASL/", mechanism,
            " authenticated as ", printable(principal));
  sasl_authenticate_response response;
  response.auth_bytes.assign(token.begin(), token.end());
  answer(ctx, response, [principal](net::connection_info& info) {
    info.principal = principal;
    info.sasl_authenticated = true;
    info.sasl_state.reset();
  });
}

// Settles a checked attempt with the limiter (one log line when it starts refusing).
void settle(request_context& ctx, const std::string& user, const std::string& address, bool ok) {
  if (ctx.hub.login_limiter().finish(user, address, ok, monotonic_ms()))
    log::warn("SASL: too many failed logins for user '", printable(user), "' or from ", address,
              "; further attempts are refused without checking until the failures decay");
}

constexpr const char* too_many_failures = "Authentication failed: too many failed attempts, retry later";

// Back on the io thread with the worker's verdict.
void complete_authenticate(request_context& ctx, const std::string& user, const std::string& address, bool ok) {
  settle(ctx, user, address, ok);
  if (!ok) return answer_failed(ctx, "unknown user or wrong password", user, invalid_credentials);
  succeed(ctx, mechanism_plain, user, {});
}

// PLAIN: the PBKDF2 check runs on the broker's credential worker, never on the io thread; its
// verdict is posted back. Before hashing, the login limiter may refuse the attempt outright (too
// many recent failures for this user or from this address): the answer is the same
// SASL_AUTHENTICATION_FAILED, with a message that says to retry later.
void authenticate_plain(request_context& ctx, sasl_authenticate_request& request) {
  std::string_view user_view, password_view;
  bool well_formed = auth::parse_plain(request.auth_bytes, user_view, password_view);
  std::string user(user_view);
  std::string password(password_view);
  std::fill(request.auth_bytes.begin(), request.auth_bytes.end(), std::uint8_t{0});  // the password
  auto users = ctx.hub.sasl_users_shared();
  if (!well_formed || !users)
    return answer_failed(ctx, well_formed ? "no users file" : "malformed PLAIN token", user, invalid_credentials);
  std::string address = address_of(ctx.conn.peer);
  auto& limiter = ctx.hub.login_limiter();
  if (!limiter.begin(user, address, monotonic_ms()))
    return answer_failed(ctx, "too many failed logins lately; not checked", user, too_many_failures);
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
}

// SCRAM round 1: client-first in, server-first out. An unknown user gets a decoy credential and
// the same answer; a user over the failure limit is refused now, before the second round trip
// (nothing is counted: only checked proofs count).
void scram_client_first(request_context& ctx, auth::scram::mechanism m, const sasl_authenticate_request& request) {
  auto exchange = std::make_shared<auth::scram::server_exchange>(m);
  std::string error;
  if (!exchange->receive_client_first(text_of(request.auth_bytes), error))
    return answer_failed(ctx, "malformed SCRAM client-first", "",
                         "Authentication failed: malformed SCRAM client-first message: " + error);
  const std::string& user = exchange->user();
  const auto* users = ctx.hub.sasl_users();
  if (!users) return answer_failed(ctx, "no users file", user, invalid_credentials);
  if (!ctx.hub.login_limiter().admits(user, address_of(ctx.conn.peer), monotonic_ms()))
    return answer_failed(ctx, "too many failed logins lately; not checked", user, too_many_failures);
  auth::scram::credential credential;
  bool known = users->scram_credential(user, m, credential);
  std::string nonce = auth::scram::random_nonce();
  if (nonce.empty())
    return answer_failed(ctx, "no randomness for a nonce (getrandom failed)", user,
                         "Authentication failed: server error, retry later");
  std::string first = exchange->server_first(std::move(credential), nonce);
  sasl_authenticate_response response;
  response.auth_bytes.assign(first.begin(), first.end());
  answer(ctx, response, set_session(std::string(auth::scram::name_of(m)), std::move(exchange), known));
}

// SCRAM round 2: client-final in (the proof, checked in constant time), server-final out.
void scram_client_final(request_context& ctx, const sasl_session& session, const sasl_authenticate_request& request) {
  const auto& exchange = *session.scram;
  const std::string user = exchange.user();
  std::string address = address_of(ctx.conn.peer);
  auto& limiter = ctx.hub.login_limiter();
  auto now = monotonic_ms();
  if (!limiter.begin(user, address, now))
    return answer_failed(ctx, "too many failed logins lately; not checked", user, too_many_failures);
  std::string server_final, error;
  auto verdict = exchange.receive_client_final(text_of(request.auth_bytes), server_final, error);
  bool ok = verdict == auth::scram::server_exchange::verdict::ok && session.known;
  settle(ctx, user, address, ok);
  if (verdict == auth::scram::server_exchange::verdict::malformed)
    return answer_failed(ctx, "malformed SCRAM client-final", user,
                         "Authentication failed: malformed SCRAM client-final message: " + error);
  if (!ok)
    return answer_failed(ctx, "unknown user or wrong password", user,
                         "Authentication failed during authentication due to invalid credentials with SASL "
                         "mechanism " + session.mechanism);
  succeed(ctx, session.mechanism, user, server_final);
}
}  // namespace

bool handle_sasl_authenticate(request_context& ctx, wire::wire_reader& body) {
  sasl_authenticate_request request;
  if (!request.decode(body, ctx.version())) return false;
  const auto& conn = ctx.conn;
  const sasl_session* session = session_of(conn);
  if (!is_sasl_listener(conn.listener) || conn.sasl_authenticated || !session) {
    sasl_authenticate_response response;
    response.error_code = wire(error_code::illegal_sasl_state);
    response.error_message = session || conn.sasl_authenticated
                                 ? "SaslAuthenticate is not expected on this connection"
                                 : "SaslAuthenticate before a successful SaslHandshake";
    answer(ctx, response, {});
    return true;
  }
  if (session->mechanism == mechanism_plain) {
    authenticate_plain(ctx, request);
  } else if (session->scram) {
    scram_client_final(ctx, *session, request);
  } else {
    auto m = auth::scram::mechanism_named(session->mechanism);
    TERN_ASSERT(m.has_value());  // the handshake admits enabled mechanisms only
    scram_client_first(ctx, *m, request);
  }
  return true;
}

}  // namespace tern::kafka
