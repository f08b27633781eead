// DeleteRecords (21) v0–2: golden bytes written by hand, field by field, from Kafka's
// DeleteRecordsRequest/Response.json (v2 flexible), and hostile input.
#include <gtest/gtest.h>

#include "message_test_util.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/delete_records.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

TEST(DeleteRecords, RequestGoldenEveryVersion) {
  delete_records_request m;
  m.topics = {{"t", {{3, 42}}}};
  m.timeout_ms = 1000;
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     offset 42
      0x00, 0x00, 0x03, 0xe8,                          // timeout_ms 1000
  };
  const bytes v2 = {
      0x02,                                            // topics: compact 1
      0x02, 't',                                       //   compact name "t"
      0x02,                                            //   partitions: compact 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,  //     offset 42
      0x00,                                            //     tagged fields
      0x00,                                            //   tagged fields
      0x00, 0x00, 0x03, 0xe8,                          // timeout_ms 1000
      0x00,                                            // tagged fields
  };
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v2}});
}

TEST(DeleteRecords, ResponseGoldenEveryVersion) {
  delete_records_response m;
  m.throttle_time_ms = 5;
  m.topics = {{"t", {{3, 40, kafka::wire(error_code::offset_out_of_range)}}}};
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x05,                          // throttle_time_ms 5
      0x00, 0x00, 0x00, 0x01,                          // topics: 1
      0x00, 0x01, 't',                                 //   name "t"
      0x00, 0x00, 0x00, 0x01,                          //   partitions: 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28,  //     low_watermark 40
      0x00, 0x01,                                      //     error_code 1 OFFSET_OUT_OF_RANGE
  };
  const bytes v2 = {
      0x00, 0x00, 0x00, 0x05,                          // throttle_time_ms 5
      0x02,                                            // topics: compact 1
      0x02, 't',                                       //   compact name "t"
      0x02,                                            //   partitions: compact 1
      0x00, 0x00, 0x00, 0x03,                          //     partition_index 3
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28,  //     low_watermark 40
      0x00, 0x01,                                      //     error_code 1
      0x00,                                            //     tagged fields
      0x00,                                            //   tagged fields
      0x00,                                            // tagged fields
  };
  check_all_versions(m, {{0, v0}, {1, v0}, {2, v2}});
}

TEST(DeleteRecords, RejectsHostileInput) {
  check_rejects_out_of_range_versions<delete_records_request>();
  check_rejects_out_of_range_versions<delete_records_response>();
  for (std::int16_t v = 0; v <= 1; ++v) {
    EXPECT_FALSE(decodes<delete_records_request>(cat({hostile_count, padding}), v));
    EXPECT_FALSE(decodes<delete_records_response>(cat({bytes{0, 0, 0, 0}, hostile_count, padding}), v));
  }
  // A compact count far beyond the input.
  EXPECT_FALSE(decodes<delete_records_request>(bytes{0xff, 0xff, 0xff, 0x0f, 0, 0}, 2));
  // Truncated inside a partition.
  EXPECT_FALSE(decodes<delete_records_request>(bytes{0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 1, 0, 0}, 0));
}

// OffsetDelete (47) v0, from OffsetDeleteRequest/Response.json.
#include "tern/kafka/messages/offset_delete.h"

TEST(OffsetDelete, RequestAndResponseGolden) {
  offset_delete_request m;
  m.group_id = "g";
  m.topics = {{"t", {0, 2}}};
  const bytes request = {
      0x00, 0x01, 'g',         // group_id "g"
      0x00, 0x00, 0x00, 0x01,  // topics: 1
      0x00, 0x01, 't',         //   name "t"
      0x00, 0x00, 0x00, 0x02,  //   partitions: 2
      0x00, 0x00, 0x00, 0x00,  //     0
      0x00, 0x00, 0x00, 0x02,  //     2
  };
  check_all_versions(m, {{0, request}});
  offset_delete_response r;
  r.error_code = 0;
  r.throttle_time_ms = 7;
  r.topics = {{"t", {{0, 0}, {2, kafka::wire(error_code::group_subscribed_to_topic)}}}};
  const bytes response = {
      0x00, 0x00,              // error_code 0
      0x00, 0x00, 0x00, 0x07,  // throttle_time_ms 7
      0x00, 0x00, 0x00, 0x01,  // topics: 1
      0x00, 0x01, 't',         //   name "t"
      0x00, 0x00, 0x00, 0x02,  //   partitions: 2
      0x00, 0x00, 0x00, 0x00,  //     partition 0
      0x00, 0x00,              //     error 0
      0x00, 0x00, 0x00, 0x02,  //     partition 2
      0x00, 0x56,              //     error 86 GROUP_SUBSCRIBED_TO_TOPIC
  };
  check_all_versions(r, {{0, response}});
  check_rejects_out_of_range_versions<offset_delete_request>();
  check_rejects_out_of_range_versions<offset_delete_response>();
  EXPECT_FALSE(decodes<offset_delete_request>(cat({bytes{0, 1, 'g'}, hostile_count, padding}), 0));
}

// DescribeCluster (60) v0–1, flexible from v0, from DescribeClusterRequest/Response.json.
#include "tern/kafka/messages/describe_cluster.h"

TEST(DescribeCluster, RequestAndResponseGoldenEveryVersion) {
  describe_cluster_request q;
  q.include_cluster_authorized_operations = true;
  q.endpoint_type = 1;
  check_all_versions(q, {{0, {0x01, 0x00}},           // include ops, tags
                         {1, {0x01, 0x01, 0x00}}});   // include ops, endpoint type 1, tags
  describe_cluster_response m;
  m.throttle_time_ms = 0;
  m.cluster_id = "c";
  m.controller_id = 1;
  m.brokers = {{1, "h", 9092, std::nullopt}};
  const bytes head = {
      0x00, 0x00, 0x00, 0x00,  // throttle_time_ms
      0x00, 0x00,              // error_code
      0x00,                    // error_message null
  };
  const bytes tail = {
      0x02, 'c',               // cluster_id "c"
      0x00, 0x00, 0x00, 0x01,  // controller_id 1
      0x02,                    // brokers: compact 1
      0x00, 0x00, 0x00, 0x01,  //   broker_id 1
      0x02, 'h',               //   host "h"
      0x00, 0x00, 0x23, 0x84,  //   port 9092
      0x00,                    //   rack null
      0x00,                    //   tags
      0x80, 0x00, 0x00, 0x00,  // cluster_authorized_operations INT32_MIN
      0x00,                    // tags
  };
  check_all_versions(m, {{0, cat({head, tail})}, {1, cat({head, bytes{0x01}, tail})}});
  check_rejects_out_of_range_versions<describe_cluster_request>();
  check_rejects_out_of_range_versions<describe_cluster_response>();
  EXPECT_FALSE(decodes<describe_cluster_response>(
      cat({head, bytes{0x02, 'c', 0, 0, 0, 1, 0xff, 0xff, 0xff, 0x0f}, padding}), 0));
}
