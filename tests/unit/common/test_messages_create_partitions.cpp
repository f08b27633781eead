// CreatePartitions (37) v0–3: golden bytes written by hand, field by field, from Kafka's
// CreatePartitionsRequest/Response.json (v2 flexible; v1 and v3 change only throttling), and
// hostile input.
#include <gtest/gtest.h>

#include "message_test_util.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/create_partitions.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

TEST(CreatePartitions, RequestGoldenEveryVersion) {
  create_partitions_request m;
  // One topic with assignments (two new partitions, one of them on two brokers), one without.
  m.topics = {{"t", 3, std::vector<create_partitions_request::assignment>{{{1}}, {{2, 1}}}},
              {"u", 5, std::nullopt}};
  m.timeout_ms = 1000;
  m.validate_only = true;
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x02,  // topics: 2
      0x00, 0x01, 't',         //   name "t"
      0x00, 0x00, 0x00, 0x03,  //   count 3
      0x00, 0x00, 0x00, 0x02,  //   assignments: 2
      0x00, 0x00, 0x00, 0x01,  //     broker_ids: 1
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00, 0x00, 0x00, 0x02,  //     broker_ids: 2
      0x00, 0x00, 0x00, 0x02,  //       2
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00, 0x01, 'u',         //   name "u"
      0x00, 0x00, 0x00, 0x05,  //   count 5
      0xff, 0xff, 0xff, 0xff,  //   assignments: null
      0x00, 0x00, 0x03, 0xe8,  // timeout_ms 1000
      0x01,                    // validate_only true
  };
  const bytes v2 = {
      0x03,                    // topics: compact 2
      0x02, 't',               //   compact name "t"
      0x00, 0x00, 0x00, 0x03,  //   count 3
      0x03,                    //   assignments: compact 2
      0x02,                    //     broker_ids: compact 1
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00,                    //     tagged fields
      0x03,                    //     broker_ids: compact 2
      0x00, 0x00, 0x00, 0x02,  //       2
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00,                    //     tagged fields
      0x00,                    //   tagged fields
      0x02, 'u',               //   compact name "u"
      0x00, 0x00, 0x00, 0x05,  //   count 5
      0x00,                    //   assignments: compact null
      0x00,                    //   tagged fields
      0x00, 0x00, 0x03, 0xe8,  // timeout_ms 1000
      0x01,                    // validate_only true
      0x00,                    // tagged fields
  };
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v2}, {3, v2}});

  // An empty assignment list is not a null one.
  create_partitions_request e;
  e.topics = {{"t", 2, std::vector<create_partitions_request::assignment>{}}};
  const bytes e0 = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x02,
                    0x00, 0x00, 0x00, 0x00,                          // assignments: 0
                    0x00, 0x00, 0x00, 0x00, 0x00};                   // timeout 0, validate false
  const bytes e2 = {0x02, 0x02, 't', 0x00, 0x00, 0x00, 0x02,
                    0x01,                                            // assignments: compact 0
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  check_all_versions(e, {{0, e0}, {1, e0}, {2, e2}, {3, e2}});
  create_partitions_request back;
  ASSERT_TRUE(decodes(e2, 2, back));
  ASSERT_TRUE(back.topics[0].assignments.has_value());
  EXPECT_TRUE(back.topics[0].assignments->empty());
}

TEST(CreatePartitions, ResponseGoldenEveryVersion) {
  create_partitions_response m;
  m.throttle_time_ms = 5;
  m.results = {{"t", 0, std::nullopt},
               {"u", kafka::wire(error_code::invalid_partitions), std::string("no")}};
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x05,  // throttle_time_ms 5
      0x00, 0x00, 0x00, 0x02,  // results: 2
      0x00, 0x01, 't',         //   name "t"
      0x00, 0x00,              //   error_code 0
      0xff, 0xff,              //   error_message null
      0x00, 0x01, 'u',         //   name "u"
      0x00, 0x25,              //   error_code 37 INVALID_PARTITIONS
      0x00, 0x02, 'n', 'o',    //   error_message "no"
  };
  const bytes v2 = {
      0x00, 0x00, 0x00, 0x05,  // throttle_time_ms 5
      0x03,                    // results: compact 2
      0x02, 't',               //   compact name "t"
      0x00, 0x00,              //   error_code 0
      0x00,                    //   error_message compact null
      0x00,                    //   tagged fields
      0x02, 'u',               //   compact name "u"
      0x00, 0x25,              //   error_code 37
      0x03, 'n', 'o',          //   compact error_message "no"
      0x00,                    //   tagged fields
      0x00,                    // tagged fields
  };
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v2}, {3, v2}});
}

TEST(CreatePartitions, RejectsHostileInput) {
  check_rejects_out_of_range_versions<create_partitions_request>();
  check_rejects_out_of_range_versions<create_partitions_response>();
  for (std::int16_t v = 0; v <= 1; ++v) {
    EXPECT_FALSE(decodes<create_partitions_request>(cat({hostile_count, padding}), v));
    EXPECT_FALSE(decodes<create_partitions_response>(cat({bytes{0, 0, 0, 0}, hostile_count, padding}), v));
    // A hostile assignment count, then a hostile broker id count.
    EXPECT_FALSE(decodes<create_partitions_request>(
        cat({bytes{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 3}, hostile_count, padding}), v));
    EXPECT_FALSE(decodes<create_partitions_request>(
        cat({bytes{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 3, 0, 0, 0, 1}, hostile_count, padding}), v));
  }
  for (std::int16_t v = 2; v <= 3; ++v) {
    // Compact counts far beyond the input.
    EXPECT_FALSE(decodes<create_partitions_request>(bytes{0xff, 0xff, 0xff, 0x0f, 0, 0}, v));
    EXPECT_FALSE(decodes<create_partitions_request>(
        bytes{0x02, 0x02, 't', 0, 0, 0, 3, 0xff, 0xff, 0xff, 0x0f, 0, 0}, v));
    EXPECT_FALSE(decodes<create_partitions_response>(bytes{0, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f, 0}, v));
  }
}
