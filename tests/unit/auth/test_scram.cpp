// SASL/SCRAM (hub/auth/scram.h): RFC 7677's SCRAM-SHA-256 exchange byte for byte, SHA-512 round
// trips, Kafka's refusals, malformed messages and wrong proofs on both sides.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "auth/scram.h"

namespace tern::auth::scram {
namespace {

// RFC 7677 §3: user "user", password "pencil".
constexpr std::string_view rfc_client_nonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view rfc_client_first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view rfc_server_first =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view rfc_client_final =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view rfc_server_final = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

credential credential_for(mechanism m, std::string_view password, std::string_view salt_b64, std::uint32_t iterations) {
  bytes salt, salted;
  EXPECT_TRUE(base64_decode(salt_b64, salt));
  EXPECT_TRUE(salted_password(m, password, salt, iterations, salted));
  return credential_from_salted(m, iterations, salt, salted);
}

TEST(Scram, Rfc7677ClientSide) {
  client_exchange client(mechanism::sha256, "user", "pencil", std::string(rfc_client_nonce));
  EXPECT_EQ(client.client_first(), rfc_client_first);
  std::string client_final, error;
  ASSERT_TRUE(client.receive_server_first(rfc_server_first, client_final, error)) << error;
  EXPECT_EQ(client_final, rfc_client_final);
  EXPECT_TRUE(client.receive_server_final(rfc_server_final, error)) << error;
}

TEST(Scram, Rfc7677ServerSide) {
  server_exchange server(mechanism::sha256);
  std::string error, server_final;
  ASSERT_TRUE(server.receive_client_first(rfc_client_first, error)) << error;
  EXPECT_EQ(server.user(), "user");
  auto cred = credential_for(mechanism::sha256, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096);
  EXPECT_EQ(server.server_first(cred, rfc_server_nonce), rfc_server_first);
  EXPECT_EQ(server.receive_client_final(rfc_client_final, server_final, error), server_exchange::verdict::ok) << error;
  EXPECT_EQ(server_final, rfc_server_final);
}

TEST(Scram, ClientRefusesAWrongServerSignature) {
  client_exchange client(mechanism::sha256, "user", "pencil", std::string(rfc_client_nonce));
  std::string client_final, error;
  ASSERT_TRUE(client.receive_server_first(rfc_server_first, client_final, error));
  EXPECT_FALSE(client.receive_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", error));
  EXPECT_NE(error.find("signature is wrong"), std::string::npos) << error;
  EXPECT_FALSE(client.receive_server_final("e=invalid-proof", error));
  EXPECT_NE(error.find("invalid-proof"), std::string::npos) << error;
  EXPECT_FALSE(client.receive_server_final("v=not base64!", error));
  EXPECT_FALSE(client.receive_server_final("", error));
}

TEST(Scram, ClientRefusesABadServerFirst) {
  std::string client_final, error;
  auto refuses = [&](std::string_view server_first) {
    client_exchange client(mechanism::sha256, "user", "pencil", std::string(rfc_client_nonce));
    return !client.receive_server_first(server_first, client_final, error);
  };
  EXPECT_TRUE(refuses("r=rOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095"));  // Kafka's minimum
  EXPECT_NE(error.find("4095"), std::string::npos);
  EXPECT_TRUE(refuses("r=OTHERNONCE%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));  // not our nonce
  EXPECT_TRUE(refuses("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));  // no server part
  EXPECT_TRUE(refuses("r=rOprNGfwEbeRWgbNEkqOx,s=!!,i=4096"));
  EXPECT_TRUE(refuses("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x"));
  EXPECT_TRUE(refuses("r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999"));
  EXPECT_TRUE(refuses("m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
  EXPECT_TRUE(refuses("r=rOprNGfwEbeRWgbNEkqOx"));
  EXPECT_TRUE(refuses(""));
}

// A whole exchange between our two sides; returns the server's verdict.
server_exchange::verdict exchange(mechanism m, std::string_view user, std::string_view password,
                                  const credential& cred, bool& client_accepted) {
  client_exchange client(m, std::string(user), std::string(password), random_nonce());
  server_exchange server(m);
  std::string error, client_final, server_final;
  EXPECT_TRUE(server.receive_client_first(client.client_first(), error)) << error;
  EXPECT_EQ(server.user(), user);
  auto first = server.server_first(cred, random_nonce());
  EXPECT_TRUE(client.receive_server_first(first, client_final, error)) << error;
  auto verdict = server.receive_client_final(client_final, server_final, error);
  client_accepted = verdict == server_exchange::verdict::ok && client.receive_server_final(server_final, error);
  return verdict;
}

TEST(Scram, Sha512RoundTrip) {
  auto cred = credential_for(mechanism::sha512, "s3cret", "c2FsdHNhbHRzYWx0", 4096);
  EXPECT_EQ(cred.stored_key.size(), 64u);
  EXPECT_EQ(cred.server_key.size(), 64u);
  bool accepted = false;
  EXPECT_EQ(exchange(mechanism::sha512, "alice", "s3cret", cred, accepted), server_exchange::verdict::ok);
  EXPECT_TRUE(accepted);
  EXPECT_EQ(exchange(mechanism::sha512, "alice", "s3creT", cred, accepted), server_exchange::verdict::wrong_proof);
  EXPECT_FALSE(accepted);
}

TEST(Scram, UserNamesWithCommaAndEqualsAreEscaped) {
  EXPECT_EQ(format_client_first("a,b=c", "n0nce"), "n,,n=a=2Cb=3Dc,r=n0nce");
  auto cred = credential_for(mechanism::sha256, "pw", "c2FsdHNhbHRzYWx0", 4096);
  bool accepted = false;
  EXPECT_EQ(exchange(mechanism::sha256, "a,b=c", "pw", cred, accepted), server_exchange::verdict::ok);
  EXPECT_TRUE(accepted);
}

TEST(Scram, ServerRefusesMalformedClientFirst) {
  const std::string cases[] = {
      "",
      "n,,",
      "y,,n=user,r=abc",                  // channel binding: Kafka refuses
      "p=tls-unique,,n=user,r=abc",       // channel binding
      "n,,n=user",                        // no nonce
      "n,,r=abc,n=user",                  // order
      "n,,n=,r=abc",                      // empty user
      "n,,n=us=er,r=abc",                 // bad escape
      "n,,n=user,r=",                     // empty nonce
      "n,,n=user,r=a,bc",                 // extension without '='
      "n,,m=x,n=user,r=abc",              // mandatory extension
      "n,,n=user,r=abc,tokenauth=true",   // delegation tokens: not supported
      "n,a=other,n=user,r=abc",           // impersonation
      "n,b=user,n=user,r=abc",            // not an authzid
      std::string("n,,n=us\0er,r=abc", 16),
      "n,,n=" + std::string(300, 'u') + ",r=abc",
      "n,,n=user,r=" + std::string(5000, 'x'),
  };
  for (const auto& message : cases) {
    server_exchange server(mechanism::sha256);
    std::string error;
    EXPECT_FALSE(server.receive_client_first(message, error)) << message;
    EXPECT_FALSE(error.empty()) << message;
  }
  server_exchange server(mechanism::sha256);
  std::string error;
  EXPECT_TRUE(server.receive_client_first("n,a=user,n=user,r=abc,ext=1", error)) << error;  // own authzid
  server_exchange tokens(mechanism::sha256);
  EXPECT_FALSE(tokens.receive_client_first("n,,n=user,r=abc,tokenauth=true", error));
  EXPECT_NE(error.find("tokenauth"), std::string::npos) << error;
}

TEST(Scram, ServerRefusesMalformedOrForeignClientFinal) {
  auto cred = credential_for(mechanism::sha256, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096);
  const std::string nonce = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  const std::string malformed[] = {
      "",
      "c=biws," + nonce,                            // no proof
      proof + ",c=biws," + nonce,                   // proof not last
      "c=biws,r=wrongnonce," + proof,               // not the server's nonce
      "c=eSws," + nonce + "," + proof,              // "y,," is not what client-first sent
      "c=!!!!," + nonce + "," + proof,              // not base64
      "c=biws," + nonce + ",p=AAAA",                // proof of the wrong length
      "c=biws," + nonce + ",p=",                    // empty proof
      "x=biws," + nonce + "," + proof,
  };
  for (const auto& message : malformed) {
    server_exchange server(mechanism::sha256);
    std::string error, server_final;
    ASSERT_TRUE(server.receive_client_first(rfc_client_first, error));
    server.server_first(cred, rfc_server_nonce);
    EXPECT_EQ(server.receive_client_final(message, server_final, error), server_exchange::verdict::malformed)
        << message;
    EXPECT_FALSE(error.empty()) << message;
    EXPECT_TRUE(server_final.empty());
  }
  // Well-formed, one bit of the proof flipped: a wrong proof, no server-final.
  server_exchange server(mechanism::sha256);
  std::string error, server_final;
  ASSERT_TRUE(server.receive_client_first(rfc_client_first, error));
  server.server_first(cred, rfc_server_nonce);
  EXPECT_EQ(server.receive_client_final("c=biws," + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=",
                                        server_final, error),
            server_exchange::verdict::wrong_proof);
  EXPECT_TRUE(server_final.empty());
}

TEST(Scram, Base64IsStrict) {
  bytes out;
  EXPECT_TRUE(base64_decode("biws", out));
  EXPECT_EQ(std::string(out.begin(), out.end()), "n,,");
  EXPECT_TRUE(base64_decode("", out));
  EXPECT_FALSE(base64_decode("biw", out));
  EXPECT_FALSE(base64_decode("bi=s", out));
  EXPECT_FALSE(base64_decode("b===", out));
  EXPECT_FALSE(base64_decode("bi s", out));
  EXPECT_EQ(base64_encode(out = {'n', ',', ','}), "biws");
}

TEST(Scram, MechanismNamesAndNonces) {
  EXPECT_EQ(mechanism_named("SCRAM-SHA-256"), mechanism::sha256);
  EXPECT_EQ(mechanism_named("SCRAM-SHA-512"), mechanism::sha512);
  EXPECT_FALSE(mechanism_named("scram-sha-256").has_value());
  EXPECT_FALSE(mechanism_named("PLAIN").has_value());
  auto a = random_nonce(), b = random_nonce();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find(','), std::string::npos);
}

// Hostile input: random bytes and mutations of valid messages never crash a parser or an
// exchange, and a mutated client-final never verifies (a bounded loop; the seed is fixed).
TEST(Scram, RandomAndMutatedMessagesAreHandled) {
  std::mt19937 rng(7677);
  auto cred = credential_for(mechanism::sha256, "pencil", "W22ZaJ0SNY7soEsUEjb6gQ==", 4096);
  const std::string alphabet = "nrcpsiave=,+/0AZaz\x01\xff";
  for (int round = 0; round < 4000; ++round) {
    std::string random(rng() % 64, '\0');
    for (auto& c : random) c = alphabet[rng() % alphabet.size()];
    std::string final_message(rfc_client_final);
    final_message[rng() % final_message.size()] = alphabet[rng() % alphabet.size()];
    std::string error, out;
    client_first_message first;
    server_first_message server_first;
    client_final_message client_final;
    (void)parse_client_first(random, first, error);
    (void)parse_server_first(random, server_first, error);
    (void)parse_client_final(random, client_final, error);
    server_exchange server(mechanism::sha256);
    ASSERT_TRUE(server.receive_client_first(rfc_client_first, error));
    server.server_first(cred, rfc_server_nonce);
    auto verdict = server.receive_client_final(final_message, out, error);
    if (final_message != rfc_client_final) {
      EXPECT_NE(verdict, server_exchange::verdict::ok) << final_message;
    }
    client_exchange client(mechanism::sha256, "user", "pencil", std::string(rfc_client_nonce));
    std::string client_final_text;
    (void)client.receive_server_first(random, client_final_text, error);
    (void)client.receive_server_final(random, error);
  }
}

}  // namespace
}  // namespace tern::auth::scram
