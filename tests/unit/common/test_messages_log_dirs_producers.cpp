// DescribeLogDirs (35) v0–4 and DescribeProducers (61) v0: golden bytes written by hand, field by field, from Kafka's
// DescribeLogDirsRequest/Response.json (v2 flexible, v3 top-level error_code, v4 total and
// usable bytes), and hostile input.
#include <gtest/gtest.h>

#include "message_test_util.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/describe_log_dirs.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

TEST(DescribeLogDirs, RequestGoldenEveryVersion) {
  describe_log_dirs_request m;
  m.topics = std::vector<describe_log_dirs_request::topic>{{"t", {0, 2}}};
  const bytes classic = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1
      0x00, 0x01, 't',         //   topic "t"
      0x00, 0x00, 0x00, 0x02,  //   partitions: 2
      0x00, 0x00, 0x00, 0x00,  //     0
      0x00, 0x00, 0x00, 0x02,  //     2
  };
  const bytes flexible = {
      0x02,                    // topics: compact 1
      0x02, 't',               //   compact topic "t"
      0x03,                    //   partitions: compact 2
      0x00, 0x00, 0x00, 0x00,  //     0
      0x00, 0x00, 0x00, 0x02,  //     2
      0x00,                    //   tagged fields
      0x00,                    // tagged fields
  };
  check_all_versions(m, {{0, classic}, {1, classic}, {2, flexible}, {3, flexible}, {4, flexible}});
  describe_log_dirs_request all;  // null topics: every topic
  check_all_versions(all, {{0, {0xff, 0xff, 0xff, 0xff}},
                           {1, {0xff, 0xff, 0xff, 0xff}},
                           {2, {0x00, 0x00}},  // compact null, tags
                           {3, {0x00, 0x00}},
                           {4, {0x00, 0x00}}});
}

TEST(DescribeLogDirs, ResponseGoldenEveryVersion) {
  describe_log_dirs_response m;
  m.throttle_time_ms = 5;
  m.error_code = kafka::wire(error_code::cluster_authorization_failed);
  describe_log_dirs_response::result dir;
  dir.log_dir = "/d";
  dir.topics = {{"t", {{1, 300, 2, false}}}};
  dir.total_bytes = 1000;
  dir.usable_bytes = 700;
  m.results = {dir};
  const bytes partition = {
      0x00, 0x00, 0x00, 0x01,                          // partition_index 1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c,  // partition_size 300
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  // offset_lag 2
      0x00,                                            // is_future_key false
  };
  const bytes v0 = cat({{
      0x00, 0x00, 0x00, 0x05,  // throttle_time_ms 5
      0x00, 0x00, 0x00, 0x01,  // results: 1
      0x00, 0x00,              //   error_code 0
      0x00, 0x02, '/', 'd',    //   log_dir "/d"
      0x00, 0x00, 0x00, 0x01,  //   topics: 1
      0x00, 0x01, 't',         //     name "t"
      0x00, 0x00, 0x00, 0x01,  //     partitions: 1
  }, partition});
  auto flexible = [&](bool top_error, bool sizes) {
    bytes out = {0x00, 0x00, 0x00, 0x05};  // throttle_time_ms 5
    if (top_error) out = cat({out, {0x00, 0x1f}});  // error_code 31 CLUSTER_AUTHORIZATION_FAILED
    out = cat({out, {
        0x02,                  // results: compact 1
        0x00, 0x00,            //   error_code 0
        0x03, '/', 'd',        //   compact log_dir "/d"
        0x02,                  //   topics: compact 1
        0x02, 't',             //     compact name "t"
        0x02,                  //     partitions: compact 1
    }, partition, {0x00,       //       tagged fields
                   0x00}});    //     tagged fields
    if (sizes) {
      out = cat({out, {
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  //   total_bytes 1000
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xbc,  //   usable_bytes 700
      }});
    }
    return cat({out, {0x00,     //   tagged fields
                      0x00}});  // tagged fields
  };
  // v0–2 lack the top-level error code and v0–3 the sizes: those fields are dropped, so the
  // round trip of the lower versions is checked against a struct without them.
  describe_log_dirs_response lower = m;
  lower.error_code = 0;
  lower.results[0].total_bytes = -1;
  lower.results[0].usable_bytes = -1;
  check_codec(lower, 0, v0);
  check_codec(lower, 1, v0);
  check_codec(lower, 2, flexible(false, false));
  describe_log_dirs_response v3 = m;
  v3.results[0].total_bytes = -1;
  v3.results[0].usable_bytes = -1;
  check_codec(v3, 3, flexible(true, false));
  check_codec(m, 4, flexible(true, true));
  static_assert(describe_log_dirs_response::max_version == 4);
}

TEST(DescribeLogDirs, RejectsHostileInput) {
  check_rejects_out_of_range_versions<describe_log_dirs_request>();
  check_rejects_out_of_range_versions<describe_log_dirs_response>();
  for (std::int16_t v = 0; v <= 1; ++v) {
    EXPECT_FALSE(decodes<describe_log_dirs_request>(cat({hostile_count, padding}), v));
    EXPECT_FALSE(decodes<describe_log_dirs_response>(cat({bytes{0, 0, 0, 0}, hostile_count, padding}), v));
  }
  // A compact count far beyond the input, in the request and in a result's partitions.
  EXPECT_FALSE(decodes<describe_log_dirs_request>(bytes{0xff, 0xff, 0xff, 0x0f, 0, 0}, 2));
  EXPECT_FALSE(decodes<describe_log_dirs_response>(
      bytes{0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0x01, 0x02, 0x02, 't', 0xff, 0xff, 0x0f, 0, 0}, 4));
  // Truncated inside a partition.
  EXPECT_FALSE(decodes<describe_log_dirs_request>(bytes{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0}, 0));
}

// DescribeProducers (61) v0, flexible, from DescribeProducersRequest/Response.json.
#include "tern/kafka/messages/describe_producers.h"

TEST(DescribeProducers, RequestAndResponseGolden) {
  describe_producers_request q;
  q.topics = {{"t", {0, 3}}};
  check_all_versions(q, {{0, {
      0x02,                    // topics: compact 1
      0x02, 't',               //   compact name "t"
      0x03,                    //   partition_indexes: compact 2
      0x00, 0x00, 0x00, 0x00,  //     0
      0x00, 0x00, 0x00, 0x03,  //     3
      0x00,                    //   tagged fields
      0x00,                    // tagged fields
  }}});
  describe_producers_response m;
  m.throttle_time_ms = 0;
  describe_producers_response::partition ok;
  ok.partition_index = 0;
  ok.active_producers = {{1000, 2, 41, -1, -1, -1}};
  describe_producers_response::partition refused;
  refused.partition_index = 3;
  refused.error_code = kafka::wire(error_code::not_leader_or_follower);
  refused.error_message = "x";
  m.topics = {{"t", {ok, refused}}};
  check_all_versions(m, {{0, {
      0x00, 0x00, 0x00, 0x00,                          // throttle_time_ms 0
      0x02,                                            // topics: compact 1
      0x02, 't',                                       //   compact name "t"
      0x03,                                            //   partitions: compact 2
      0x00, 0x00, 0x00, 0x00,                          //     partition_index 0
      0x00, 0x00,                                      //     error_code 0
      0x00,                                            //     error_message null
      0x02,                                            //     active_producers: compact 1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,  //       producer_id 1000
      0x00, 0x00, 0x00, 0x02,                          //       producer_epoch 2 (int32)
      0x00, 0x00, 0x00, 0x29,                          //       last_sequence 41
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //       last_timestamp -1
      0xff, 0xff, 0xff, 0xff,                          //       coordinator_epoch -1
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  //       current_txn_start_offset -1
      0x00,                                            //       tagged fields
      0x00,                                            //     tagged fields
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x06,                                      //     error_code 6 NOT_LEADER_OR_FOLLOWER
      0x02, 'x',                                       //     error_message "x"
      0x01,                                            //     active_producers: compact 0
      0x00,                                            //     tagged fields
      0x00,                                            //   tagged fields
      0x00,                                            // tagged fields
  }}});
  check_rejects_out_of_range_versions<describe_producers_request>();
  check_rejects_out_of_range_versions<describe_producers_response>();
  // A compact count far beyond the input, at the top and inside a topic.
  EXPECT_FALSE(decodes<describe_producers_request>(bytes{0xff, 0xff, 0xff, 0x0f, 0, 0}, 0));
  EXPECT_FALSE(decodes<describe_producers_response>(bytes{0, 0, 0, 0, 0x02, 0x02, 't', 0xff, 0xff, 0x0f, 0}, 0));
}
