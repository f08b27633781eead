#include <gtest/gtest.h>

#include "cluster/raft_codec.h"
#include "cluster/raft_transport.h"
#include "quorum_test_util.h"
#include "tls/tls.h"

namespace tern::cluster {
namespace {

using test::run_until;

// Frames a body the way the wire says (independent of the transport's own framing).
std::vector<std::uint8_t> framed(std::span<const std::uint8_t> body) {
  std::uint32_t n = static_cast<std::uint32_t>(body.size());
  std::vector<std::uint8_t> f(4 + body.size());
  for (int i = 0; i < 4; ++i) f[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  std::copy(body.begin(), body.end(), f.begin() + 4);
  return f;
}

struct node {
  std::vector<std::pair<std::int32_t, std::vector<std::uint8_t>>> got;
  std::unique_ptr<raft_transport> t;
};

raft_transport_options options_for(std::int32_t id, std::uint16_t port,
                                   std::vector<raft_transport_peer> peers) {
  raft_transport_options o;
  o.node_id = id;
  o.quorum_id = "q-1";
  o.listen_host = "127.0.0.1";
  o.listen_port = port;
  o.peers = std::move(peers);
  return o;
}

// Connects a raw socket to port, sends bytes, and reports whether the peer closed it.
bool closed_after(asio::io_context& io, std::uint16_t port, std::vector<std::uint8_t> bytes) {
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(bytes));
  bool closed = false;
  std::uint8_t buf[64];
  s.async_read_some(asio::buffer(buf), [&](std::error_code ec, std::size_t) { closed = !!ec; });
  run_until(io, [&] { return closed; }, 3000);
  return closed;
}

TEST(RaftTransport, FramesFlowBothWaysBetweenVoters) {
  asio::io_context io;
  std::uint16_t p1 = test::free_port(), p2 = test::free_port();
  node a, b;
  a.t = std::make_unique<raft_transport>(
      io, options_for(1, p1, {{2, "127.0.0.1", p2}}), [&](std::int32_t from, auto body) {
        a.got.emplace_back(from, std::vector<std::uint8_t>(body.begin(), body.end()));
        return true;
      });
  b.t = std::make_unique<raft_transport>(
      io, options_for(2, p2, {{1, "127.0.0.1", p1}}), [&](std::int32_t from, auto body) {
        b.got.emplace_back(from, std::vector<std::uint8_t>(body.begin(), body.end()));
        return true;
      });
  ASSERT_FALSE(a.t->start());
  ASSERT_FALSE(b.t->start());
  ASSERT_TRUE(run_until(io, [&] { return a.t->connected(2) && b.t->connected(1); }, 3000));
  EXPECT_TRUE(a.t->send(2, {9, 8, 7}));
  EXPECT_TRUE(b.t->send(1, {1}));
  EXPECT_FALSE(a.t->send(5, {1}));  // not a voter
  EXPECT_FALSE(a.t->send(2, {}));   // empty frames are refused
  ASSERT_TRUE(run_until(io, [&] { return !a.got.empty() && !b.got.empty(); }, 3000));
  EXPECT_EQ(b.got[0].first, 1);
  EXPECT_EQ(b.got[0].second, (std::vector<std::uint8_t>{9, 8, 7}));
  EXPECT_EQ(a.got[0].first, 2);
  EXPECT_GE(a.t->last_contact_ms_ago(2), 0);
  EXPECT_EQ(a.t->last_contact_ms_ago(7), -1);
}

TEST(RaftTransport, HelloWithWrongQuorumIdIsRefused) {
  asio::io_context io;
  std::uint16_t p1 = test::free_port();
  int frames = 0;
  raft_transport t(io, options_for(1, p1, {{2, "127.0.0.1", 1}}), [&](std::int32_t, auto) {
    ++frames;
    return true;
  });
  ASSERT_FALSE(t.start());
  auto wrong = framed(raft_transport::hello_body(2, "another-cluster"));
  EXPECT_TRUE(closed_after(io, p1, wrong));
  auto unknown_node = framed(raft_transport::hello_body(9, "q-1"));
  EXPECT_TRUE(closed_after(io, p1, unknown_node));
  auto bad_version = framed(raft_transport::hello_body(2, "q-1", 99));
  EXPECT_TRUE(closed_after(io, p1, bad_version));
  EXPECT_EQ(frames, 0);
  EXPECT_FALSE(t.connected(2));
}

TEST(RaftTransport, GarbageClosesTheConnectionWithoutCrashing) {
  asio::io_context io;
  std::uint16_t p1 = test::free_port();
  int frames = 0;
  raft_transport t(io, options_for(1, p1, {{2, "127.0.0.1", 1}}), [&](std::int32_t, auto body) {
    ++frames;
    raft_wire_message m;
    return !decode_raft_message(body, m);
  });
  ASSERT_FALSE(t.start());
  // A huge length prefix before any hello: refused without allocating it.
  EXPECT_TRUE(closed_after(io, p1, {0x7f, 0xff, 0xff, 0xff, 1, 2, 3}));
  // Garbage instead of a hello.
  EXPECT_TRUE(closed_after(io, p1, framed(std::vector<std::uint8_t>(40, 0xee))));
  // A valid hello, then a frame over 16 MiB.
  auto hello = framed(raft_transport::hello_body(2, "q-1"));
  auto big = hello;
  for (std::uint8_t b : {0x01, 0x00, 0x00, 0x01}) big.push_back(b);
  EXPECT_TRUE(closed_after(io, p1, big));
  // A valid hello, then an AppendEntries claiming 2^32-1 entries in a short body.
  auto bad_count = hello;
  std::vector<std::uint8_t> body{TERN_RAFT_MSG_APPEND_ENTRIES, 0};
  body.resize(2 + 8 + 24, 0);
  for (std::uint8_t b : {0xff, 0xff, 0xff, 0xff, 0, 0}) body.push_back(b);
  auto f = framed(body);
  bad_count.insert(bad_count.end(), f.begin(), f.end());
  EXPECT_TRUE(closed_after(io, p1, bad_count));
  // An unknown message type.
  auto unknown = hello;
  auto g = framed(std::vector<std::uint8_t>{0x33, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  unknown.insert(unknown.end(), g.begin(), g.end());
  EXPECT_TRUE(closed_after(io, p1, unknown));
  EXPECT_EQ(frames, 2);  // the two undecodable bodies reached the handler; nothing else did
}

// ---- mutual TLS between voters ----------------------------------------------------------------

std::string tls_data(const char* name) { return std::string(TERN_TLS_TEST_DATA) + "/" + name; }

// Both voters use the test CA's server.pem (CN=localhost, no extended key usage: valid as a server
// and as a client certificate), as `tern pki issue-broker` certificates are.
raft_transport_security voter_security(std::function<bool(const std::string&)> authorize) {
  tls::load_error error;
  tls::server_options so;
  so.certificate_file = tls_data("server.pem");
  so.key_file = tls_data("server.key");
  so.ca_file = tls_data("ca.pem");
  so.auth = tls::client_auth::required;
  tls::client_options co;
  co.ca_file = tls_data("ca.pem");
  co.certificate_file = tls_data("server.pem");
  co.key_file = tls_data("server.key");
  raft_transport_security s;
  s.server = tls::server_config::load(so, error);
  s.client = tls::client_config::load(co, error);
  EXPECT_TRUE(s.server && s.client) << error.message();
  s.authorize_peer = std::move(authorize);
  return s;
}

TEST(RaftTransportTls, FramesFlowAndEveryAcceptedPeerIsAuthorized) {
  asio::io_context io;
  std::uint16_t p1 = test::free_port(), p2 = test::free_port();
  std::vector<std::string> asked;
  auto authorize = [&](const std::string& principal) {
    asked.push_back(principal);
    return true;
  };
  node a, b;
  auto oa = options_for(1, p1, {{2, "127.0.0.1", p2}});
  oa.security = voter_security(authorize);
  auto ob = options_for(2, p2, {{1, "127.0.0.1", p1}});
  ob.security = voter_security(authorize);
  a.t = std::make_unique<raft_transport>(io, oa, [&](std::int32_t from, auto body) {
    a.got.emplace_back(from, std::vector<std::uint8_t>(body.begin(), body.end()));
    return true;
  });
  b.t = std::make_unique<raft_transport>(io, ob, [&](std::int32_t from, auto body) {
    b.got.emplace_back(from, std::vector<std::uint8_t>(body.begin(), body.end()));
    return true;
  });
  ASSERT_FALSE(a.t->start());
  ASSERT_FALSE(b.t->start());
  ASSERT_TRUE(run_until(io, [&] { return a.t->connected(2) && b.t->connected(1); }, 5000));
  // Frames bigger than a TLS record cross too (they span several records).
  std::vector<std::uint8_t> big(100 * 1024);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  EXPECT_TRUE(a.t->send(2, big));
  EXPECT_TRUE(b.t->send(1, {1, 2, 3}));
  ASSERT_TRUE(run_until(io, [&] { return !a.got.empty() && !b.got.empty(); }, 5000));
  EXPECT_EQ(b.got[0].second, big);
  EXPECT_EQ(a.got[0].second, (std::vector<std::uint8_t>{1, 2, 3}));
  ASSERT_GE(asked.size(), 2u);  // each side authorized the other's certificate
  for (const auto& p : asked) EXPECT_EQ(p, "User:localhost");
}

TEST(RaftTransportTls, UnauthorizedPrincipalsAndPlaintextPeersAreCutOff) {
  asio::io_context io;
  std::uint16_t p1 = test::free_port(), p2 = test::free_port();
  int frames = 0;
  auto oa = options_for(1, p1, {{2, "127.0.0.1", p2}});
  oa.security = voter_security([](const std::string&) { return false; });  // nobody may vote
  auto ob = options_for(2, p2, {{1, "127.0.0.1", p1}});
  ob.security = voter_security([](const std::string&) { return true; });
  raft_transport a(io, oa, [&](std::int32_t, auto) { return ++frames, true; });
  raft_transport b(io, ob, [&](std::int32_t, auto) { return ++frames, true; });
  ASSERT_FALSE(a.start());
  ASSERT_FALSE(b.start());
  // a refuses b's certificate both ways: when b dials it, and when it dials b (before its hello).
  run_until(io, [] { return false; }, 1500);
  EXPECT_FALSE(a.connected(2));
  EXPECT_FALSE(b.connected(1));
  EXPECT_FALSE(b.send(1, {4, 2}));
  // A plaintext peer with a valid hello is closed by the TLS handshake.
  EXPECT_TRUE(closed_after(io, p1, framed(raft_transport::hello_body(2, "q-1"))));
  EXPECT_TRUE(closed_after(io, p2, framed(raft_transport::hello_body(1, "q-1"))));
  EXPECT_EQ(frames, 0);
}

TEST(RaftCodec, EveryMessageTypeRoundTrips) {
  std::vector<std::uint8_t> payload{1, 2, 3, 4};
  tern_raft_entry e[2] = {{5, TERN_RAFT_COMMAND, payload.data(), payload.size()},
                          {5, TERN_RAFT_BARRIER, payload.data(), 0}};
  tern_raft_msg ae{};
  ae.type = TERN_RAFT_MSG_APPEND_ENTRIES;
  ae.term = 5;
  ae.prev_log_index = 10;
  ae.prev_log_term = 4;
  ae.leader_commit = 9;
  ae.entries = e;
  ae.n_entries = 2;
  wire::wire_writer w;
  encode_raft_message(ae, w);
  auto bytes = w.contiguous();
  raft_wire_message m;
  ASSERT_FALSE(decode_raft_message(bytes, m));
  EXPECT_EQ(m.msg.prev_log_index, 10u);
  ASSERT_EQ(m.msg.n_entries, 2u);
  EXPECT_EQ(std::vector<std::uint8_t>(m.msg.entries[0].data, m.msg.entries[0].data + 4), payload);
  EXPECT_EQ(m.msg.entries[1].type, TERN_RAFT_BARRIER);
  // Every truncation of a valid message is refused.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    raft_wire_message t;
    EXPECT_TRUE(decode_raft_message(std::span(bytes).first(n), t)) << n;
  }

  std::vector<raft_server_record> servers{{1, "a:1", TERN_RAFT_VOTER}, {2, "b:2", TERN_RAFT_VOTER}};
  auto flat = flat_servers(servers);
  tern_raft_msg is{};
  is.type = TERN_RAFT_MSG_INSTALL_SNAPSHOT;
  is.term = 6;
  is.snapshot = {100, 6, flat.data(), 2, 1};
  is.data = payload.data();
  is.data_len = payload.size();
  wire::wire_writer w2;
  encode_raft_message(is, w2);
  auto b2 = w2.contiguous();
  raft_wire_message m2;
  ASSERT_FALSE(decode_raft_message(b2, m2));
  EXPECT_EQ(m2.msg.snapshot.index, 100u);
  EXPECT_EQ(m2.servers, servers);
  EXPECT_EQ(m2.msg.data_len, 4u);

  for (int type : {TERN_RAFT_MSG_REQUEST_VOTE, TERN_RAFT_MSG_REQUEST_VOTE_RESULT,
                   TERN_RAFT_MSG_APPEND_ENTRIES_RESULT, TERN_RAFT_MSG_TIMEOUT_NOW}) {
    tern_raft_msg x{};
    x.type = type;
    x.term = 3;
    x.last_log_index = 77;
    x.pre_vote = true;
    x.vote_granted = true;
    x.rejected = 5;
    wire::wire_writer w3;
    encode_raft_message(x, w3);
    raft_wire_message m3;
    auto b3 = w3.contiguous();
    ASSERT_FALSE(decode_raft_message(b3, m3)) << type;
    EXPECT_EQ(m3.msg.term, 3u);
    if (type != TERN_RAFT_MSG_REQUEST_VOTE_RESULT) {
      EXPECT_EQ(m3.msg.last_log_index, 77u);
    } else {
      EXPECT_TRUE(m3.msg.vote_granted && m3.msg.pre_vote);
    }
    if (type == TERN_RAFT_MSG_APPEND_ENTRIES_RESULT) {
      EXPECT_EQ(m3.msg.rejected, 5u);
    }
  }
}

}  // namespace
}  // namespace tern::cluster
