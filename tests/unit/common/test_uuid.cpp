// uuid_text against Kafka's Uuid.toString (unpadded base64url of the 16 bytes, most significant
// bits first): the expected strings are what Java's Base64.getUrlEncoder().withoutPadding() writes.
#include <gtest/gtest.h>

#include "tern/common/uuid.h"

namespace tern {
namespace {

TEST(UuidText, MatchesKafkasTextForm) {
  EXPECT_EQ(uuid_text(uuid{}), "AAAAAAAAAAAAAAAAAAAAAA");  // Uuid.ZERO_UUID
  uuid metadata_topic{};
  metadata_topic[15] = 1;  // Uuid.METADATA_TOPIC_ID = new Uuid(0, 1)
  EXPECT_EQ(uuid_text(metadata_topic), "AAAAAAAAAAAAAAAAAAAAAQ");
  // Bytes that map to both url-safe characters ('-' for 62, '_' for 63), and a last byte whose
  // low 4 bits fall outside the 22 characters.
  uuid mixed{0xfb, 0xff, 0xbf, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
  EXPECT_EQ(uuid_text(mixed), "-_-_ABEiM0RVZneImaq7zA");
}

}  // namespace
}  // namespace tern
