// The TLS engine, client against server in memory: no sockets, every byte moved by the test.
#include <gtest/gtest.h>

#include "tls/tls.h"

namespace tern::tls {
namespace {

std::string data(const char* name) { return std::string(TERN_TLS_TEST_DATA) + "/" + name; }

server_options cert_server(client_auth auth = client_auth::none) {
  server_options o;
  o.certificate_file = data("server.pem");
  o.key_file = data("server.key");
  o.ca_file = data("ca.pem");
  o.crl_file = data("crl.pem");
  o.auth = auth;
  return o;
}

std::shared_ptr<server_config> load_server(const server_options& o) {
  load_error error;
  auto config = server_config::load(o, error);
  EXPECT_TRUE(config) << error.message();
  return config;
}

std::shared_ptr<client_config> load_client(const client_options& o) {
  load_error error;
  auto config = client_config::load(o, error);
  EXPECT_TRUE(config) << error.message();
  return config;
}

client_options cert_client(const char* cert = nullptr) {
  client_options o;
  o.ca_file = data("ca.pem");
  o.server_name = "localhost";
  if (cert) {
    o.certificate_file = data((std::string(cert) + ".pem").c_str());
    o.key_file = data((std::string(cert) + ".key").c_str());
  }
  return o;
}

struct result {
  std::error_code client, server;
};

// Moves bytes both ways until neither side has anything to say. Each side's last handshake()
// result is kept; a side that failed stops.
result run_handshake(session& client, session& server) {
  result r{errc::want_read, errc::want_read};
  for (int round = 0; round < 20; ++round) {
    if (r.client == errc::want_read) r.client = client.handshake();
    if (client.has_output()) server.feed(client.take_output());
    if (r.server == errc::want_read) r.server = server.handshake();
    if (server.has_output()) client.feed(server.take_output());
    bool client_waits = r.client == errc::want_read, server_waits = r.server == errc::want_read;
    if (!client_waits && !server_waits) break;
    if ((!client_waits && r.client) || (!server_waits && r.server)) {
      // One side failed: let the other read the alert once more, then stop.
      if (client_waits) r.client = client.handshake();
      if (server_waits) r.server = server.handshake();
      break;
    }
  }
  return r;
}

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string read_all(session& s) {
  std::string text;
  std::uint8_t buf[4096];
  for (;;) {
    std::size_t n = 0;
    auto ec = s.read(buf, n);
    text.append(reinterpret_cast<char*>(buf), n);
    if (ec) break;
  }
  return text;
}

TEST(tls_session, CertificateHandshakeAndDataBothWays) {
  session server{std::shared_ptr<const server_config>(load_server(cert_server()))};
  session client{std::shared_ptr<const client_config>(load_client(cert_client()))};
  auto r = run_handshake(client, server);
  ASSERT_FALSE(r.client) << r.client.message();
  ASSERT_FALSE(r.server) << r.server.message();
  EXPECT_TRUE(server.handshake_done());
  EXPECT_EQ(server.principal(), "User:ANONYMOUS");
  EXPECT_NE(server.cipher_suite().find("ECDHE-ECDSA"), std::string::npos) << server.cipher_suite();

  std::string big(100000, 'x');  // several 16 KiB records
  ASSERT_FALSE(client.write(bytes(big)));
  server.feed(client.take_output());
  EXPECT_EQ(read_all(server), big);
  ASSERT_FALSE(server.write(bytes("pong")));
  client.feed(server.take_output());
  EXPECT_EQ(read_all(client), "pong");
}

TEST(tls_session, RecordsSplitIntoSingleBytesStillDecrypt) {
  session server{std::shared_ptr<const server_config>(load_server(cert_server()))};
  session client{std::shared_ptr<const client_config>(load_client(cert_client()))};
  ASSERT_FALSE(run_handshake(client, server).server);
  ASSERT_FALSE(client.write(bytes("hello, split world")));
  std::string got;
  for (std::uint8_t b : client.take_output()) {
    server.feed(std::span<const std::uint8_t>(&b, 1));
    got += read_all(server);
  }
  EXPECT_EQ(got, "hello, split world");
}

TEST(tls_session, RequiredClientCertificateGivesPrincipalFromCn) {
  auto config = load_server(cert_server(client_auth::required));
  session server{std::shared_ptr<const server_config>(config)};
  session client{std::shared_ptr<const client_config>(load_client(cert_client("client")))};
  auto r = run_handshake(client, server);
  ASSERT_FALSE(r.server) << r.server.message();
  EXPECT_EQ(server.principal(), "User:device-1");
}

TEST(tls_session, RequiredClientCertificateRefusesNoneForeignAndRevoked) {
  auto config = load_server(cert_server(client_auth::required));
  for (const char* cert : {static_cast<const char*>(nullptr), "stranger", "revoked"}) {
    SCOPED_TRACE(cert ? cert : "no certificate");
    session server{std::shared_ptr<const server_config>(config)};
    session client{std::shared_ptr<const client_config>(load_client(cert_client(cert)))};
    auto r = run_handshake(client, server);
    EXPECT_TRUE(r.server && r.server != errc::want_read) << r.server.message();
    EXPECT_FALSE(server.handshake_done());
    EXPECT_TRUE(r.client);  // the client did not complete (an alert, or still waiting)
    if (cert && std::string(cert) == "revoked") {
      EXPECT_NE(server.verify_failure().find("revoked"), std::string::npos)
          << server.verify_failure();
    }
  }
}

TEST(tls_session, RequestedClientAuthAllowsNoCertificateButNotABadOne) {
  auto config = load_server(cert_server(client_auth::requested));
  {
    session server{std::shared_ptr<const server_config>(config)};
    session client{std::shared_ptr<const client_config>(load_client(cert_client()))};
    auto r = run_handshake(client, server);
    ASSERT_FALSE(r.server) << r.server.message();
    EXPECT_EQ(server.principal(), "User:ANONYMOUS");
  }
  {
    session server{std::shared_ptr<const server_config>(config)};
    session client{std::shared_ptr<const client_config>(load_client(cert_client("stranger")))};
    EXPECT_EQ(run_handshake(client, server).server, errc::client_cert_invalid);
  }
  {
    session server{std::shared_ptr<const server_config>(config)};
    session client{std::shared_ptr<const client_config>(load_client(cert_client("client")))};
    ASSERT_FALSE(run_handshake(client, server).server);
    EXPECT_EQ(server.principal(), "User:device-1");
  }
}

server_options psk_server() {
  server_options o;
  o.psk = true;
  o.psk_identities_file = data("psk.txt");
  return o;
}

client_options psk_client(std::string identity, std::vector<std::uint8_t> key,
                          std::string suites = {}) {
  client_options o;
  o.psk_identity = std::move(identity);
  o.psk = std::move(key);
  o.cipher_suites = std::move(suites);
  return o;
}

const std::vector<std::uint8_t> dev1_key = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                            0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

TEST(tls_session, PskHandshakeEverySuiteGivesIdentityPrincipal) {
  auto config = load_server(psk_server());
  for (const char* suite :
       {"TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256", "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
        "TLS-PSK-WITH-AES-128-GCM-SHA256", "TLS-PSK-WITH-AES-256-GCM-SHA384",
        "TLS-ECDHE-PSK-WITH-AES-128-CBC-SHA256"}) {
    SCOPED_TRACE(suite);
    session server{std::shared_ptr<const server_config>(config)};
    session client{
        std::shared_ptr<const client_config>(load_client(psk_client("dev1", dev1_key, suite)))};
    auto r = run_handshake(client, server);
    ASSERT_FALSE(r.server) << r.server.message();
    EXPECT_EQ(server.principal(), "User:dev1");
    std::string expected = suite;
    std::replace(expected.begin(), expected.end(), '_', '-');
    EXPECT_EQ(server.cipher_suite(), expected);
  }
}

TEST(tls_session, PskIdentityMayContainColons) {
  session server{std::shared_ptr<const server_config>(load_server(psk_server()))};
  session client(std::shared_ptr<const client_config>(
      load_client(psk_client("sensor:01", {0x0a, 0x0b, 0x0c, 0x0d}))));
  ASSERT_FALSE(run_handshake(client, server).server);
  EXPECT_EQ(server.principal(), "User:sensor:01");
}

TEST(tls_session, PskWrongKeyOrUnknownIdentityFails) {
  auto config = load_server(psk_server());
  for (auto [identity, key] :
       {std::pair<std::string, std::vector<std::uint8_t>>{"dev1", {1, 2, 3, 4}},
        {"nobody", dev1_key}}) {
    session server{std::shared_ptr<const server_config>(config)};
    session client{std::shared_ptr<const client_config>(load_client(psk_client(identity, key)))};
    auto r = run_handshake(client, server);
    EXPECT_TRUE(r.server && r.server != errc::want_read) << identity;
    EXPECT_FALSE(server.handshake_done());
  }
}

TEST(tls_session, GarbageAndPlaintextFailTheHandshake) {
  auto config = load_server(cert_server());
  for (std::string input : {std::string("\x00\x00\x00\x14\x00\x12\x00\x03", 8),
                            std::string(300, '\xff'), std::string("GET / HTTP/1.1\r\n\r\n")}) {
    session server{std::shared_ptr<const server_config>(config)};
    server.feed(bytes(input));
    auto ec = server.handshake();
    EXPECT_TRUE(ec && ec != errc::want_read) << ec.message();
    EXPECT_EQ(ec.category(), tls_category());
    EXPECT_FALSE(ec.message().empty());
  }
}

TEST(tls_session, TamperedRecordIsRejected) {
  session server{std::shared_ptr<const server_config>(load_server(cert_server()))};
  session client{std::shared_ptr<const client_config>(load_client(cert_client()))};
  ASSERT_FALSE(run_handshake(client, server).server);
  ASSERT_FALSE(client.write(bytes("secret")));
  auto record = client.take_output();
  record.back() ^= 1;
  server.feed(record);
  std::uint8_t buf[64];
  std::size_t n = 0;
  auto ec = server.read(buf, n);
  EXPECT_TRUE(ec && ec != errc::want_read && ec != errc::closed) << ec.message();
  EXPECT_EQ(n, 0u);
}

TEST(tls_session, CloseNotifyIsReportedAsClosed) {
  session server{std::shared_ptr<const server_config>(load_server(cert_server()))};
  session client{std::shared_ptr<const client_config>(load_client(cert_client()))};
  ASSERT_FALSE(run_handshake(client, server).server);
  client.close_notify();
  server.feed(client.take_output());
  std::uint8_t buf[16];
  std::size_t n = 0;
  EXPECT_EQ(server.read(buf, n), errc::closed);
}

TEST(tls_config, LoadErrorsNameTheKeyAndTheMbedTlsReason) {
  auto expect_error = [](server_options o, const std::string& key) {
    load_error error;
    EXPECT_FALSE(server_config::load(o, error));
    EXPECT_EQ(error.key, key) << error.message();
    EXPECT_EQ(error.message().rfind(key + ": ", 0), 0u) << error.message();
    return error;
  };
  auto o = cert_server();
  o.certificate_file = data("missing.pem");
  auto e = expect_error(o, "ssl.certificate.location");
  EXPECT_NE(e.message().find("missing.pem"), std::string::npos);
  EXPECT_EQ(e.ec, std::errc::no_such_file_or_directory);
  o.certificate_file = data("psk.txt");  // not PEM: Mbed TLS's reason
  e = expect_error(o, "ssl.certificate.location");
  EXPECT_EQ(e.ec.category(), tls_category());
  o = cert_server();
  o.key_file = data("client.key");  // not the certificate's key
  expect_error(o, "ssl.key.location");
  o = cert_server();
  o.key_file = data("server_encrypted.key");
  expect_error(o, "ssl.key.password");
  o.key_password = "wrong";
  expect_error(o, "ssl.key.password");
  o.key_password = "secret";
  load_error ok;
  EXPECT_TRUE(server_config::load(o, ok)) << ok.message();
  o = cert_server(client_auth::required);
  o.crl_file = data("server.pem");  // not a CRL
  expect_error(o, "ssl.crl.location");
  o = cert_server(client_auth::required);
  o.ca_file.clear();
  expect_error(o, "ssl.ca.location");
  o = cert_server();
  o.cipher_suites = "TLS-NOT-A-SUITE";
  expect_error(o, "ssl.cipher.suites");
  o = cert_server();
  o.certificate_file.clear();
  expect_error(o, "ssl.certificate.location");
  auto p = psk_server();
  p.psk_identities_file = data("server.pem");  // no `identity:hexkey` lines
  e = expect_error(p, "psk.identities.location");
  EXPECT_EQ(e.ec, errc::bad_psk_file);
  EXPECT_NE(e.detail.find("line 1"), std::string::npos);
}

TEST(tls_config, DefaultSuitesPreferChaChaWithoutAesAcceleration) {
  auto names = load_server(cert_server())->cipher_suite_names();
  ASSERT_EQ(names.size(), 6u);
  bool chacha_first = names.front().find("CHACHA20") != std::string::npos;
  EXPECT_EQ(chacha_first, !aes_is_accelerated());
  auto psk_names = load_server(psk_server())->cipher_suite_names();
  ASSERT_EQ(psk_names.size(), 5u);
  for (const auto& n : psk_names) EXPECT_NE(n.find("PSK"), std::string::npos) << n;
}

}  // namespace
}  // namespace tern::tls
