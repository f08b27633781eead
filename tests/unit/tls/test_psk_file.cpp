// tls::parse_psk_lines: the PSK identities file of a PSK listener (psk.identities.location).
#include <gtest/gtest.h>

#include <sstream>

#include "tls/psk_file.h"

using namespace tern;

TEST(PskFile, ParsesIdentitiesAndKeys) {
  std::istringstream in("# comment\n\n  sensor-1 : 00ff10 \nid:with:colons:abCD\r\nsensor-1:01\n");
  tls::psk_map psks;
  ASSERT_EQ(tls::parse_psk_lines(in, psks), 0);
  ASSERT_EQ(psks.size(), 2u);
  EXPECT_EQ(psks["sensor-1"], (std::vector<unsigned char>{0x01}));  // a later line wins
  EXPECT_EQ(psks["id:with:colons"], (std::vector<unsigned char>{0xab, 0xcd}));
}

TEST(PskFile, ReportsTheFirstBadLine) {
  for (const char* bad : {"nocolon", ":00", "id:", "id:0", "id:zz", "id:0g"}) {
    std::istringstream in(std::string("ok:00\n# c\n") + bad + "\nlater:11\n");
    tls::psk_map psks;
    EXPECT_EQ(tls::parse_psk_lines(in, psks), 3) << bad;
    EXPECT_EQ(psks.size(), 1u) << bad;  // the lines before it
  }
  std::istringstream too_long("id:" + std::string(2 * 33, 'a') + "\n");  // MBEDTLS_PSK_MAX_LEN 32
  tls::psk_map psks;
  EXPECT_EQ(tls::parse_psk_lines(too_long, psks), 1);
}
