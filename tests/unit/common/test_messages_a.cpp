// Codec tests for the request/response headers, ApiVersions, Metadata, CreateTopics and
// DeleteTopics. Golden bytes are written by hand, field by field, from the Kafka message schemas —
// never produced by the encoder under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "tern/common/wire.h"
#include "tern/kafka/error_code.h"
#include "tern/kafka/messages/api_versions.h"
#include "tern/kafka/messages/create_topics.h"
#include "tern/kafka/messages/delete_topics.h"
#include "tern/kafka/messages/header.h"
#include "tern/kafka/messages/metadata.h"

#include "message_test_util.h"

using namespace tern;
using namespace tern::kafka;
using namespace tern::kafka::message_test;

// ---------------------------------------------------------------------------------------------
// Headers

TEST(RequestHeader, GoldenEveryVersion) {
  request_header h;
  h.api_key = 3;  // Metadata
  h.api_version = 6;
  h.correlation_id = 0x01020304;
  h.client_id = "cli";

  const bytes v0 = {
      0x00, 0x03,              // request_api_key 3
      0x00, 0x06,              // request_api_version 6
      0x01, 0x02, 0x03, 0x04,  // correlation_id
  };
  const bytes client_id = {0x00, 0x03, 'c', 'l', 'i'};  // client_id: int16 length 3, "cli"
  const bytes no_tags = {0x00};                         // tagged fields: none

  for (std::int16_t hv : {0, 1, 2}) {
    SCOPED_TRACE(testing::Message() << "header version " << hv);
    const bytes golden = hv == 0   ? v0
                         : hv == 1 ? cat({v0, client_id})
                                   : cat({v0, client_id, no_tags});
    wire::wire_writer w;
    h.encode(w, hv);
    EXPECT_EQ(w.contiguous(), golden);

    request_header d;
    wire::wire_reader r(golden);
    ASSERT_TRUE(d.decode(r, hv));
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(d.api_key, 3);
    EXPECT_EQ(d.api_version, 6);
    EXPECT_EQ(d.correlation_id, 0x01020304);
    EXPECT_EQ(d.client_id, hv == 0 ? std::nullopt : std::optional<std::string>("cli"));

    for (std::size_t len = 0; len < golden.size(); ++len) {
      request_header t;
      wire::wire_reader tr(wire::bytes_view(golden.data(), len));
      EXPECT_FALSE(t.decode(tr, hv)) << len;
    }
  }
}

TEST(RequestHeader, NullClientIdAndTaggedFieldsSkipped) {
  const bytes golden = {
      0x00, 0x12,              // request_api_key 18 (ApiVersions)
      0x00, 0x03,              // request_api_version 3
      0x00, 0x00, 0x00, 0x2a,  // correlation_id 42
      0xff, 0xff,              // client_id: null
      0x01,                    // tagged fields: 1
      0x05, 0x02, 0xaa, 0xbb,  //   tag 5, size 2, two opaque bytes
  };
  request_header h;
  wire::wire_reader r(golden);
  ASSERT_TRUE(h.decode(r, 2));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(h.api_key, 18);
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_FALSE(h.client_id.has_value());

  wire::wire_writer w;
  h.encode(w, 2);
  EXPECT_EQ(w.contiguous(),
            (bytes{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xff, 0x00}));
}

TEST(RequestHeader, RejectsBadInput) {
  request_header h;
  EXPECT_FALSE(decodes(bytes(16, 0), 3, h));  // no header v3
  EXPECT_FALSE(decodes(bytes(16, 0), -1, h));
  // client_id length -2 is neither null nor a length.
  EXPECT_FALSE(decodes(bytes{0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xfe}, 1, h));
  // client_id longer than the frame.
  EXPECT_FALSE(decodes(bytes{0, 3, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 'x'}, 1, h));
  // tagged field claiming more bytes than are left.
  EXPECT_FALSE(decodes(bytes{0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0x01, 0x00, 0x7f}, 2, h));
}

TEST(ResponseHeader, GoldenEveryVersion) {
  response_header h;
  h.correlation_id = -2;
  const bytes v0 = {0xff, 0xff, 0xff, 0xfe};        // correlation_id -2
  const bytes v1 = {0xff, 0xff, 0xff, 0xfe, 0x00};  // + tagged fields: none
  for (std::int16_t hv : {0, 1}) {
    const bytes& golden = hv == 0 ? v0 : v1;
    wire::wire_writer w;
    h.encode(w, hv);
    EXPECT_EQ(w.contiguous(), golden);
    response_header d;
    wire::wire_reader r(golden);
    ASSERT_TRUE(d.decode(r, hv));
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(d.correlation_id, -2);
    for (std::size_t len = 0; len < golden.size(); ++len) {
      response_header t;
      wire::wire_reader tr(wire::bytes_view(golden.data(), len));
      EXPECT_FALSE(t.decode(tr, hv)) << len;
    }
  }
  response_header d;
  EXPECT_FALSE(decodes(v1, 2, d));
  EXPECT_FALSE(decodes(v1, -1, d));
}

TEST(PeekRequestApi, ReadsFirstEightBytes) {
  const bytes frame = {
      0x00, 0x12,              // api_key 18
      0x00, 0x04,              // api_version 4 (newer than we support)
      0x7f, 0x00, 0x00, 0x01,  // correlation_id
      0x00, 0x00,              // the rest of the header (client_id "")
      0x00,                    // tagged fields
  };
  std::int16_t key = 0;
  std::int16_t version = 0;
  std::int32_t correlation_id = 0;
  ASSERT_TRUE(peek_request_api(frame, key, version, correlation_id));
  EXPECT_EQ(key, 18);
  EXPECT_EQ(version, 4);
  EXPECT_EQ(correlation_id, 0x7f000001);
  EXPECT_EQ(request_header_version(static_cast<api_key>(key), version), 2);
}

TEST(PeekRequestApi, UnknownKeyStillGivesCorrelationId) {
  const bytes frame = {0x03, 0xe7, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63};  // key 999, corr 99
  std::int16_t key = 0;
  std::int16_t version = 0;
  std::int32_t correlation_id = 0;
  ASSERT_TRUE(peek_request_api(frame, key, version, correlation_id));
  EXPECT_EQ(key, 999);
  EXPECT_FALSE(find_api(key).has_value());
  EXPECT_EQ(correlation_id, 99);
}

TEST(PeekRequestApi, ShortFrameFailsAndLeavesOutputs) {
  const bytes frame = {0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07};
  for (std::size_t len = 0; len < frame.size(); ++len) {
    std::int16_t key = -5;
    std::int16_t version = -5;
    std::int32_t correlation_id = -5;
    EXPECT_FALSE(
        peek_request_api(wire::bytes_view(frame.data(), len), key, version, correlation_id));
    EXPECT_EQ(key, -5);
    EXPECT_EQ(version, -5);
    EXPECT_EQ(correlation_id, -5);
  }
}

TEST(Headers, FrameWithHeaderAndBodyInOneReader) {
  // ApiVersions v3 request: header v2 then the flexible body.
  const bytes frame = {
      0x00, 0x12,              // api_key 18
      0x00, 0x03,              // api_version 3
      0x00, 0x00, 0x00, 0x09,  // correlation_id 9
      0x00, 0x01, 'k',         // client_id "k" (classic string even in header v2)
      0x00,                    // header tagged fields
      0x02, 'n',               // client_software_name: compact "n"
      0x02, '1',               // client_software_version: compact "1"
      0x00,                    // body tagged fields
  };
  std::int16_t key = 0, version = 0;
  std::int32_t correlation_id = 0;
  ASSERT_TRUE(peek_request_api(frame, key, version, correlation_id));
  wire::wire_reader r(frame);
  request_header h;
  ASSERT_TRUE(h.decode(r, request_header_version(static_cast<api_key>(key), version)));
  api_versions_request req;
  ASSERT_TRUE(req.decode(r, h.api_version));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(h.client_id, "k");
  EXPECT_EQ(req.client_software_name, "n");
  EXPECT_EQ(req.client_software_version, "1");
  // ...and the response header for it is v0, whatever the version.
  EXPECT_EQ(response_header_version(api_key::api_versions, 3), 0);
}

// ---------------------------------------------------------------------------------------------
// ApiVersions

TEST(ApiVersions, RequestGoldenEveryVersion) {
  api_versions_request m;
  m.client_software_name = "tern";
  m.client_software_version = "0.1";
  const bytes v3 = {
      0x05, 't', 'e', 'r', 'n',  // client_software_name: compact length 4+1, "tern"
      0x04, '0', '.', '1',       // client_software_version: compact length 3+1, "0.1"
      0x00,                      // tagged fields: none
  };
  // v0–v2 have an empty body: the software name/version are not sent.
  check_all_versions(m, {{0, {}}, {1, {}}, {2, {}}, {3, v3}});
}

TEST(ApiVersions, ResponseGoldenEveryVersion) {
  api_versions_response m;
  m.error_code = 0;
  m.api_keys = {{18, 0, 3}, {3, 0, 6}};
  m.throttle_time_ms = 100;

  const bytes v0 = {
      0x00, 0x00,              // error_code 0
      0x00, 0x00, 0x00, 0x02,  // api_keys: 2 elements
      0x00, 0x12,              //   api_key 18
      0x00, 0x00,              //   min_version 0
      0x00, 0x03,              //   max_version 3
      0x00, 0x03,              //   api_key 3
      0x00, 0x00,              //   min_version 0
      0x00, 0x06,              //   max_version 6
  };
  const bytes v1 = cat({v0, {0x00, 0x00, 0x00, 0x64}});  // + throttle_time_ms 100
  const bytes v3 = {
      0x00, 0x00,              // error_code 0
      0x03,                    // api_keys: compact length 2+1
      0x00, 0x12,              //   api_key 18
      0x00, 0x00,              //   min_version 0
      0x00, 0x03,              //   max_version 3
      0x00,                    //   element tagged fields: none
      0x00, 0x03,              //   api_key 3
      0x00, 0x00,              //   min_version 0
      0x00, 0x06,              //   max_version 6
      0x00,                    //   element tagged fields: none
      0x00, 0x00, 0x00, 0x64,  // throttle_time_ms 100
      0x00,                    // tagged fields: none
  };
  check_all_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v3}});
}

TEST(ApiVersions, UnsupportedVersionReplyIsAV0Body) {
  api_versions_response m;
  m.error_code = kafka::wire(error_code::unsupported_version);
  m.api_keys = {{18, 0, 3}};
  const bytes golden = {
      0x00, 0x23,                          // error_code 35 UNSUPPORTED_VERSION
      0x00, 0x00, 0x00, 0x01,              // api_keys: 1 element
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03,  //   ApiVersions 0–3
  };
  check_codec(m, 0, golden);
}

TEST(ApiVersions, ResponseV3SkipsFeatureTags) {
  const bytes input = {
      0x00, 0x00,                          // error_code 0
      0x02,                                // api_keys: compact length 1+1
      0x00, 0x12, 0x00, 0x00, 0x00, 0x03,  //   ApiVersions 0–3
      0x01, 0x07, 0x01, 0xee,              //   element tags: 1 (tag 7, size 1, 0xee)
      0x00, 0x00, 0x00, 0x00,              // throttle_time_ms 0
      0x01,                                // tagged fields: 1
      0x01, 0x08,                          //   tag 1 (FinalizedFeaturesEpoch), size 8
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
  };
  api_versions_response m;
  wire::wire_reader r(input);
  ASSERT_TRUE(m.decode(r, 3));
  EXPECT_EQ(r.remaining(), 0u);
  ASSERT_EQ(m.api_keys.size(), 1u);
  EXPECT_EQ(m.api_keys[0].api_key, 18);
  EXPECT_EQ(m.api_keys[0].max_version, 3);
}

TEST(ApiVersions, RejectsHostileInput) {
  check_rejects_out_of_range_versions<api_versions_request>();
  check_rejects_out_of_range_versions<api_versions_response>();
  // v3 request: a compact string length of 2^32-1.
  EXPECT_FALSE(decodes<api_versions_request>(cat({{0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), 3));
  // Response: maximal classic and compact counts.
  for (std::int16_t v : {0, 1, 2})
    EXPECT_FALSE(decodes<api_versions_response>(cat({{0x00, 0x00}, hostile_count, padding}), v));
  EXPECT_FALSE(decodes<api_versions_response>(
      cat({{0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}, padding}), 3));
  // Null api_keys (-1 classic, 0 compact) is not allowed.
  EXPECT_FALSE(
      decodes<api_versions_response>(bytes{0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 1));
  EXPECT_FALSE(decodes<api_versions_response>(bytes{0x00, 0x00, 0x00, 0, 0, 0, 0, 0x00}, 3));
}

// check_codec at each listed version: for the APIs whose flexible versions are checked in
// test_messages_meta_flex.cpp (which also checks that the two files cover every version).
template <typename M>
void check_listed_versions(const M& m, const std::map<std::int16_t, bytes>& golden) {
  for (const auto& [version, frame] : golden) check_codec(m, version, frame);
}

// ---------------------------------------------------------------------------------------------
// Metadata

TEST(Metadata, RequestGoldenEveryVersion) {
  metadata_request m;
  m.topics = std::vector<metadata_request::topic>{{"a"}, {"bc"}};
  m.allow_auto_topic_creation = false;

  const bytes v0 = {
      0x00, 0x00, 0x00, 0x02,  // topics: 2 elements
      0x00, 0x01, 'a',         //   name "a"
      0x00, 0x02, 'b',  'c',   //   name "bc"
  };
  const bytes v4 = cat({v0, {0x00}});  // + allow_auto_topic_creation false
  const bytes v8 = cat({v4, {0x00, 0x00}});  // + include_cluster/topic_authorized_operations
  // v9–v12: test_messages_meta_flex.cpp.
  check_listed_versions(m, {{0, v0}, {1, v0}, {2, v0}, {3, v0}, {4, v4}, {5, v4}, {6, v4}, {7, v4},
                            {8, v8}});
}

TEST(Metadata, RequestAllTopics) {
  metadata_request all;  // topics = nullopt
  all.allow_auto_topic_creation = true;
  // v0: "all topics" is the empty array.
  check_codec(all, 0, {0x00, 0x00, 0x00, 0x00});
  // v1–v3: null array; v4+: null array then allow_auto_topic_creation true.
  for (std::int16_t v : {1, 2, 3}) check_codec(all, v, {0xff, 0xff, 0xff, 0xff});
  for (std::int16_t v : {4, 5, 6}) check_codec(all, v, {0xff, 0xff, 0xff, 0xff, 0x01});

  metadata_request d;
  ASSERT_TRUE(decodes(bytes{0x00, 0x00, 0x00, 0x00}, 0, d));
  EXPECT_FALSE(d.topics.has_value());        // v0 empty = all topics
  EXPECT_TRUE(d.allow_auto_topic_creation);  // implied before v4
  ASSERT_TRUE(decodes(bytes{0x00, 0x00, 0x00, 0x00}, 1, d));
  ASSERT_TRUE(d.topics.has_value());  // v1 empty = no topics
  EXPECT_TRUE(d.topics->empty());
  ASSERT_TRUE(decodes(bytes{0xff, 0xff, 0xff, 0xff}, 2, d));
  EXPECT_FALSE(d.topics.has_value());
  // Null is not a v0 value.
  EXPECT_FALSE(decodes<metadata_request>(bytes{0xff, 0xff, 0xff, 0xff}, 0));

  // v1+ can ask for no topics at all (brokers only).
  metadata_request none;
  none.topics.emplace();
  check_codec(none, 1, {0x00, 0x00, 0x00, 0x00});
}

namespace {

metadata_response sample_metadata_response() {
  metadata_response m;
  m.throttle_time_ms = 7;
  m.brokers = {{1, "h", 9092, "r"}};
  m.cluster_id = "c";
  m.controller_id = 1;
  metadata_response::partition p;
  p.error_code = 5;
  p.partition_index = 2;
  p.leader_id = 1;
  p.replica_nodes = {1, 2};
  p.isr_nodes = {1};
  p.offline_replicas = {2};
  m.topics = {{0, "t", true, {p}}};
  return m;
}

}  // namespace

TEST(Metadata, ResponseGoldenEveryVersion) {
  const bytes throttle = {0x00, 0x00, 0x00, 0x07};  // throttle_time_ms 7 (v3+)
  const bytes brokers_v0 = {
      0x00, 0x00, 0x00, 0x01,  // brokers: 1 element
      0x00, 0x00, 0x00, 0x01,  //   node_id 1
      0x00, 0x01, 'h',         //   host "h"
      0x00, 0x00, 0x23, 0x84,  //   port 9092
  };
  const bytes rack = {0x00, 0x01, 'r'};                  //   rack "r" (v1+)
  const bytes cluster_id = {0x00, 0x01, 'c'};            // cluster_id "c" (v2+)
  const bytes controller_id = {0x00, 0x00, 0x00, 0x01};  // controller_id 1 (v1+)
  const bytes topic_head = {
      0x00, 0x00, 0x00, 0x01,  // topics: 1 element
      0x00, 0x00,              //   error_code 0
      0x00, 0x01, 't',         //   name "t"
  };
  const bytes is_internal = {0x01};  //   is_internal true (v1+)
  const bytes partition_v0 = {
      0x00, 0x00, 0x00, 0x01,  //   partitions: 1 element
      0x00, 0x05,              //     error_code 5
      0x00, 0x00, 0x00, 0x02,  //     partition_index 2
      0x00, 0x00, 0x00, 0x01,  //     leader_id 1
      0x00, 0x00, 0x00, 0x02,  //     replica_nodes: 2 elements
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00, 0x00, 0x00, 0x02,  //       2
      0x00, 0x00, 0x00, 0x01,  //     isr_nodes: 1 element
      0x00, 0x00, 0x00, 0x01,  //       1
  };
  const bytes offline = {
      0x00, 0x00, 0x00, 0x01,  //     offline_replicas: 1 element (v5+)
      0x00, 0x00, 0x00, 0x02,  //       2
  };

  const bytes v0 = cat({brokers_v0, topic_head, partition_v0});
  const bytes v1 = cat({brokers_v0, rack, controller_id, topic_head, is_internal, partition_v0});
  const bytes v2 =
      cat({brokers_v0, rack, cluster_id, controller_id, topic_head, is_internal, partition_v0});
  const bytes v3 = cat({throttle, v2});
  const bytes v5 = cat({throttle, brokers_v0, rack, cluster_id, controller_id, topic_head,
                        is_internal, partition_v0, offline});
  // v7: leader_epoch (-1 by default) after leader_id; v8: authorized operations (INT32_MIN by
  // default) after each topic's partitions and at the end.
  bytes partition_v7 = partition_v0;
  partition_v7.insert(partition_v7.begin() + 14, {0xff, 0xff, 0xff, 0xff});
  const bytes v7 = cat({throttle, brokers_v0, rack, cluster_id, controller_id, topic_head,
                        is_internal, partition_v7, offline});
  const bytes v8 = cat({throttle, brokers_v0, rack, cluster_id, controller_id, topic_head,
                        is_internal, partition_v7, offline, {0x80, 0x00, 0x00, 0x00},
                        {0x80, 0x00, 0x00, 0x00}});
  // v9–v12: test_messages_meta_flex.cpp.
  check_listed_versions(sample_metadata_response(), {{0, v0}, {1, v1}, {2, v2}, {3, v3}, {4, v3},
                                                     {5, v5}, {6, v5}, {7, v7}, {8, v8}});
}

TEST(Metadata, ResponseNullsAndDefaults) {
  metadata_response m;
  m.brokers = {{0, "", 0, std::nullopt}};
  m.cluster_id = std::nullopt;
  const bytes golden = {
      0x00, 0x00, 0x00, 0x01,  // brokers: 1 element
      0x00, 0x00, 0x00, 0x00,  //   node_id 0
      0x00, 0x00,              //   host ""
      0x00, 0x00, 0x00, 0x00,  //   port 0
      0xff, 0xff,              //   rack null
      0xff, 0xff,              // cluster_id null
      0xff, 0xff, 0xff, 0xff,  // controller_id -1
      0x00, 0x00, 0x00, 0x00,  // topics: 0 elements
  };
  check_codec(m, 2, golden);

  // Fields a version lacks decode to their schema defaults.
  metadata_response d;
  ASSERT_TRUE(decodes(encode(sample_metadata_response(), 0), 0, d));
  EXPECT_EQ(d.controller_id, -1);
  EXPECT_FALSE(d.cluster_id.has_value());
  EXPECT_FALSE(d.brokers.at(0).rack.has_value());
  EXPECT_FALSE(d.topics.at(0).is_internal);
  EXPECT_TRUE(d.topics.at(0).partitions.at(0).offline_replicas.empty());
  EXPECT_EQ(d.topics.at(0).partitions.at(0).replica_nodes, (std::vector<std::int32_t>{1, 2}));
}

TEST(Metadata, RejectsHostileInput) {
  check_rejects_out_of_range_versions<metadata_request>();
  check_rejects_out_of_range_versions<metadata_response>();
  for (std::int16_t v = 0; v <= 6; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<metadata_request>(cat({hostile_count, padding}), v));
    // Response: hostile broker count (after throttle_time_ms from v3).
    const bytes head = v >= 3 ? bytes{0, 0, 0, 0} : bytes{};
    EXPECT_FALSE(decodes<metadata_response>(cat({head, hostile_count, padding}), v));
    // Null brokers (-1) and an invalid count (-2).
    EXPECT_FALSE(decodes<metadata_response>(cat({head, {0xff, 0xff, 0xff, 0xff}, padding}), v));
    EXPECT_FALSE(decodes<metadata_response>(cat({head, {0xff, 0xff, 0xff, 0xfe}, padding}), v));
  }
  // A hostile count deep inside: v0 response, one topic whose partitions count is maximal.
  const bytes nested = cat({{
                                0x00, 0x00, 0x00, 0x00,  // brokers: 0
                                0x00, 0x00, 0x00, 0x01,  // topics: 1
                                0x00, 0x00,              //   error_code
                                0x00, 0x01, 't',         //   name
                            },
                            hostile_count,
                            padding});
  EXPECT_FALSE(decodes<metadata_response>(nested, 0));
  // A hostile replica_nodes count inside a partition.
  const bytes deeper = cat({{
                                0x00, 0x00, 0x00, 0x00,  // brokers: 0
                                0x00, 0x00, 0x00, 0x01,  // topics: 1
                                0x00, 0x00,              //   error_code
                                0x00, 0x01, 't',         //   name
                                0x00, 0x00, 0x00, 0x01,  //   partitions: 1
                                0x00, 0x00,              //     error_code
                                0x00, 0x00, 0x00, 0x00,  //     partition_index
                                0x00, 0x00, 0x00, 0x00,  //     leader_id
                            },
                            hostile_count,
                            padding});
  EXPECT_FALSE(decodes<metadata_response>(deeper, 0));
}

// ---------------------------------------------------------------------------------------------
// CreateTopics

TEST(CreateTopics, RequestGoldenEveryVersion) {
  create_topics_request m;
  create_topics_request::topic manual;
  manual.name = "t";
  manual.num_partitions = -1;
  manual.replication_factor = -1;
  manual.assignments = {{0, {1, 2}}};
  manual.configs = {{"k", "v"}, {"n", std::nullopt}};
  create_topics_request::topic automatic;
  automatic.name = "u";
  automatic.num_partitions = 3;
  automatic.replication_factor = 2;
  m.topics = {manual, automatic};
  m.timeout_ms = 5000;
  m.validate_only = true;

  const bytes v0 = {
      0x00, 0x00, 0x00, 0x02,  // topics: 2 elements
      0x00, 0x01, 't',         //   name "t"
      0xff, 0xff, 0xff, 0xff,  //   num_partitions -1
      0xff, 0xff,              //   replication_factor -1
      0x00, 0x00, 0x00, 0x01,  //   assignments: 1 element
      0x00, 0x00, 0x00, 0x00,  //     partition_index 0
      0x00, 0x00, 0x00, 0x02,  //     broker_ids: 2 elements
      0x00, 0x00, 0x00, 0x01,  //       1
      0x00, 0x00, 0x00, 0x02,  //       2
      0x00, 0x00, 0x00, 0x02,  //   configs: 2 elements
      0x00, 0x01, 'k',         //     name "k"
      0x00, 0x01, 'v',         //     value "v"
      0x00, 0x01, 'n',         //     name "n"
      0xff, 0xff,              //     value null
      0x00, 0x01, 'u',         //   name "u"
      0x00, 0x00, 0x00, 0x03,  //   num_partitions 3
      0x00, 0x02,              //   replication_factor 2
      0x00, 0x00, 0x00, 0x00,  //   assignments: 0 elements
      0x00, 0x00, 0x00, 0x00,  //   configs: 0 elements
      0x00, 0x00, 0x13, 0x88,  // timeout_ms 5000
  };
  const bytes v1 = cat({v0, {0x01}});  // + validate_only true
  check_listed_versions(m, {{0, v0}, {1, v1}, {2, v1}, {3, v1}, {4, v1}});  // v5–v7: meta_flex
}

TEST(CreateTopics, ResponseGoldenEveryVersion) {
  create_topics_response m;
  m.throttle_time_ms = 10;
  m.topics = {{"t", kafka::wire(error_code::topic_already_exists), "exists"},
              {"u", 0, std::nullopt}};

  const bytes v0 = {
      0x00, 0x00, 0x00, 0x02,  // topics: 2 elements
      0x00, 0x01, 't',         //   name "t"
      0x00, 0x24,              //   error_code 36 TOPIC_ALREADY_EXISTS
      0x00, 0x01, 'u',         //   name "u"
      0x00, 0x00,              //   error_code 0
  };
  const bytes v1 = {
      0x00, 0x00, 0x00, 0x02,                      // topics: 2 elements
      0x00, 0x01, 't',                             //   name "t"
      0x00, 0x24,                                  //   error_code 36
      0x00, 0x06, 'e',  'x',  'i', 's', 't', 's',  //   error_message "exists"
      0x00, 0x01, 'u',                             //   name "u"
      0x00, 0x00,                                  //   error_code 0
      0xff, 0xff,                                  //   error_message null
  };
  const bytes v2 = cat({{0x00, 0x00, 0x00, 0x0a}, v1});  // throttle_time_ms 10, then v1
  check_listed_versions(m, {{0, v0}, {1, v1}, {2, v2}, {3, v2}, {4, v2}});  // v5–v7: meta_flex
}

TEST(CreateTopics, RejectsHostileInput) {
  check_rejects_out_of_range_versions<create_topics_request>();
  check_rejects_out_of_range_versions<create_topics_response>();
  for (std::int16_t v = 0; v <= 4; ++v) {
    SCOPED_TRACE(v);
    EXPECT_FALSE(decodes<create_topics_request>(cat({hostile_count, padding}), v));
    const bytes head = v >= 2 ? bytes{0, 0, 0, 0} : bytes{};
    EXPECT_FALSE(decodes<create_topics_response>(cat({head, hostile_count, padding}), v));
  }
  // Hostile broker_ids count inside an assignment.
  const bytes nested = cat({{
                                0x00, 0x00, 0x00, 0x01,  // topics: 1
                                0x00, 0x01, 't',         //   name
                                0xff, 0xff, 0xff, 0xff,  //   num_partitions
                                0xff, 0xff,              //   replication_factor
                                0x00, 0x00, 0x00, 0x01,  //   assignments: 1
                                0x00, 0x00, 0x00, 0x00,  //     partition_index
                            },
                            hostile_count,
                            padding});
  EXPECT_FALSE(decodes<create_topics_request>(nested, 0));
  // A null topic name (non-nullable string).
  EXPECT_FALSE(
      decodes<create_topics_response>(bytes{0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00}, 0));
}

// ---------------------------------------------------------------------------------------------
// DeleteTopics

TEST(DeleteTopics, RequestGoldenEveryVersion) {
  delete_topics_request m;
  m.topic_names = {"a", "b"};
  m.timeout_ms = 1000;
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x02,  // topic_names: 2 elements
      0x00, 0x01, 'a',         //   "a"
      0x00, 0x01, 'b',         //   "b"
      0x00, 0x00, 0x03, 0xe8,  // timeout_ms 1000
  };
  check_listed_versions(m, {{0, v0}, {1, v0}});  // v1 is identical to v0; v2–v6: meta_flex
}

TEST(DeleteTopics, ResponseGoldenEveryVersion) {
  delete_topics_response m;
  m.throttle_time_ms = 5;
  m.responses = {{"a", kafka::wire(error_code::unknown_topic_or_partition)}};
  const bytes v0 = {
      0x00, 0x00, 0x00, 0x01,  // responses: 1 element
      0x00, 0x01, 'a',         //   name "a"
      0x00, 0x03,              //   error_code 3 UNKNOWN_TOPIC_OR_PARTITION
  };
  const bytes v1 = cat({{0x00, 0x00, 0x00, 0x05}, v0});  // throttle_time_ms 5, then v0
  check_listed_versions(m, {{0, v0}, {1, v1}});  // v2–v6: meta_flex
}

TEST(DeleteTopics, RejectsHostileInput) {
  check_rejects_out_of_range_versions<delete_topics_request>();
  check_rejects_out_of_range_versions<delete_topics_response>();
  for (std::int16_t v = 0; v <= 1; ++v) {
    EXPECT_FALSE(decodes<delete_topics_request>(cat({hostile_count, padding}), v));
    const bytes head = v >= 1 ? bytes{0, 0, 0, 0} : bytes{};
    EXPECT_FALSE(decodes<delete_topics_response>(cat({head, hostile_count, padding}), v));
  }
  EXPECT_FALSE(decodes<delete_topics_request>(bytes{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 0));
}

// ---------------------------------------------------------------------------------------------
// Programmer errors assert (only where assertions are compiled in).

#ifndef NDEBUG
TEST(MessagesADeathTest, EncodeOutsideVersionRangeAsserts) {
  wire::wire_writer w;
  EXPECT_DEATH(metadata_request{}.encode(w, 13), "");
  EXPECT_DEATH(api_versions_response{}.encode(w, 4), "");
  EXPECT_DEATH(create_topics_request{}.encode(w, -1), "");
  EXPECT_DEATH(delete_topics_response{}.encode(w, 7), "");
  EXPECT_DEATH(request_header{}.encode(w, 3), "");
  EXPECT_DEATH(response_header{}.encode(w, 2), "");
  metadata_request none;
  none.topics.emplace();
  EXPECT_DEATH(none.encode(w, 0), "");  // v0 cannot ask for no topics
}
#endif
