// Forwarding links: configuration parsing, the checkpoint record, and the round builder's
// determinism (the ground exactly-once stands on: a re-sent round is byte-identical).
#include <gtest/gtest.h>

#include "forward/link_config.h"
#include "forward/link_state.h"
#include "forward/round_builder.h"
#include "tern/common/murmur2.h"

namespace tern::forward {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(ForwardConfig, ParsesALinkWithEveryKey) {
  std::map<std::string, std::string> raw = {
      {"forward.cloud.bootstrap.servers", "a:9092,b:9092"},
      {"forward.cloud.security.protocol", "SASL_SSL"},
      {"forward.cloud.sasl.mechanism", "SCRAM-SHA-512"},
      {"forward.cloud.sasl.username", "site-42"},
      {"forward.cloud.sasl.password", "pw"},
      {"forward.cloud.topics", "sensors\\..*,alarms"},
      {"forward.cloud.topic.rename", "site42.${topic}"},
      {"forward.cloud.compression", "zstd"},
      {"forward.cloud.max.bandwidth.bytes.per.sec", "200000"},
      {"forward.cloud.priority", "alarms:10,sensors\\..*:1"},
      {"mirror.cloud.topics", "commands\\.site42"},
  };
  std::vector<link_config> links;
  std::string error;
  ASSERT_TRUE(parse_links(raw, links, error)) << error;
  ASSERT_EQ(links.size(), 1u);
  const auto& c = links[0];
  EXPECT_EQ(c.name, "cloud");
  EXPECT_TRUE(c.forward_topics.matches("sensors.temp"));
  EXPECT_TRUE(c.forward_topics.matches("alarms"));
  EXPECT_FALSE(c.forward_topics.matches("alarms2"));  // whole-name match
  EXPECT_FALSE(c.forward_topics.matches("xsensors.t"));
  EXPECT_EQ(c.upstream_name("alarms"), "site42.alarms");
  EXPECT_EQ(c.compression, 4);
  EXPECT_EQ(c.priority_of("alarms"), 10);
  EXPECT_EQ(c.priority_of("sensors.a"), 1);
  EXPECT_EQ(c.priority_of("other"), 0);
  EXPECT_TRUE(c.mirrors());
  EXPECT_TRUE(c.mirror_topics.matches("commands.site42"));
  EXPECT_EQ(c.mirror_local_name("commands.site42"), "commands.site42");
}

TEST(ForwardConfig, ErrorsNameTheKey) {
  auto fails = [](std::map<std::string, std::string> raw, std::string_view needle) {
    std::vector<link_config> links;
    std::string error;
    EXPECT_FALSE(parse_links(raw, links, error));
    EXPECT_NE(error.find(needle), std::string::npos) << error;
  };
  fails({{"forward.x.topics", "a"}}, "bootstrap.servers");
  fails({{"forward.x.bootstrap.servers", "h:1"}}, "neither");
  fails({{"forward.x.bootstrap.servers", "h:1"}, {"forward.x.topics", "a("}}, "forward.x.topics");
  fails({{"forward.x.bootstrap.servers", "h:1"}, {"forward.x.topics", "a"}, {"forward.x.bogus", "1"}},
        "forward.x.bogus");
  fails({{"forward.x.bootstrap.servers", "h:1"}, {"forward.x.topics", "a"}, {"forward.x.compression", "brotli"}},
        "zstd");
  fails({{"forward.x.bootstrap.servers", "h:1"}, {"forward.x.topics", "a"},
         {"forward.x.security.protocol", "SASL_SSL"}},
        "sasl.username");
  fails({{"forward.bad name.topics", "a"}}, "link name");
  fails({{"forward.x.bootstrap.servers", "h:1"}, {"forward.x.topics", "a"}, {"forward.x.topic.rename", "up"}},
        "${topic}");
}

TEST(ForwardConfig, PatternsKeepCommasInsideBraces) {
  topic_filter f;
  std::string error;
  ASSERT_TRUE(f.parse("a{1,2},b", error)) << error;
  EXPECT_EQ(f.patterns().size(), 2u);
  EXPECT_TRUE(f.matches("aa"));
  EXPECT_TRUE(f.matches("b"));
}

// Patterns whose automaton glibc's regcomp would blow up (gigabytes for "no+++…", found by
// fuzz_config) are refused with the reason before regcomp sees them; ordinary ones still work.
TEST(ForwardConfig, RefusesPatternsThatWouldExplodeRegcomp) {
  for (std::string bad : {"no" + std::string(120, '+'), std::string("a*+"), std::string("x?{2}"),
                          std::string("a{33}"), std::string("(a{99}){99}"), std::string(250, 'a')}) {
    topic_filter f;
    std::string error;
    EXPECT_FALSE(f.parse(bad, error)) << bad;
    EXPECT_NE(error.find("is refused"), std::string::npos) << error;
  }
  topic_filter f;
  std::string error;
  ASSERT_TRUE(f.parse("sensors\\..*,a{2,32},\\++,(ab)+c?", error)) << error;
  EXPECT_TRUE(f.matches("sensors.temp"));
  EXPECT_TRUE(f.matches("aaa"));
  EXPECT_TRUE(f.matches("++"));
  EXPECT_TRUE(f.matches("ababc"));
}

TEST(ForwardState, RoundTripsWithAnIntent) {
  link_state s;
  s.producer_id = 77;
  s.producer_epoch = 3;
  s.positions = {{storage::log_id{5}, 100}, {storage::log_id{6}, 0}};
  s.sequences = {{{"up", 0}, 12}, {{"up", 1}, INT32_MAX}};
  s.forwarded_records = 1000;
  s.lost_records = 2;
  round_intent in;
  in.ranges.push_back({storage::log_id{5}, "t", 0, 100, 150});
  in.partition_counts["up"] = 2;
  in.acked.push_back({"up", 1});
  in.upstream_has.push_back({{"up", 0}, storage::log_id{5}, 120});
  s.intent = in;
  auto bytes = s.encode();
  link_state d;
  ASSERT_TRUE(d.decode(bytes));
  EXPECT_EQ(d.producer_id, 77);
  EXPECT_EQ(d.producer_epoch, 3);
  EXPECT_EQ(d.positions, s.positions);
  EXPECT_EQ(d.sequences, s.sequences);
  EXPECT_EQ(d.forwarded_records, 1000u);
  EXPECT_EQ(d.lost_records, 2u);
  ASSERT_TRUE(d.intent);
  EXPECT_EQ(d.intent->ranges.size(), 1u);
  EXPECT_EQ(d.intent->ranges[0].to, 150);
  EXPECT_EQ(d.intent->acked.size(), 1u);
  ASSERT_EQ(d.intent->upstream_has.size(), 1u);
  EXPECT_EQ(d.intent->upstream_has[0].offset, 120);
  EXPECT_EQ(d.intent->upstream_has[0].log, storage::log_id{5});
  // Damaged values are refused, never read past.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    link_state x;
    EXPECT_FALSE(x.decode(std::span<const std::uint8_t>(bytes).first(cut))) << cut;
  }
  EXPECT_EQ(advance_sequence(INT32_MAX, 1), 0);
  EXPECT_EQ(advance_sequence(INT32_MAX - 1, 3), 1);
}

// The replicated form names logs by topic and partition: a broker whose store numbers the same
// partitions differently resumes exactly the same positions, round and marks.
TEST(ForwardState, PortableFormIsKeyedByTopicAndPartition) {
  link_state s;
  s.producer_id = 9;
  s.producer_epoch = 1;
  s.positions = {{storage::log_id{5}, 100}, {storage::log_id{6}, 7}, {storage::log_id{40}, 3}};
  s.sequences = {{{"up", 0}, 12}};
  s.forwarded_records = 55;
  round_intent in;
  in.ranges.push_back({storage::log_id{5}, "t", 0, 100, 150});
  in.partition_counts["up"] = 1;
  in.upstream_has.push_back({{"up", 0}, storage::log_id{6}, 9});
  s.intent = in;
  // This broker: t-0 = log 5, t-1 = log 6; log 40 belongs to a topic that is gone (left out).
  log_namer here = [](storage::log_id log) -> std::optional<std::pair<std::string, std::int32_t>> {
    if (log == storage::log_id{5}) return std::pair{std::string("t"), 0};
    if (log == storage::log_id{6}) return std::pair{std::string("t"), 1};
    return std::nullopt;
  };
  auto bytes = s.encode_portable(here);
  // The local decoder refuses the replicated form and the other way round.
  link_state wrong;
  EXPECT_FALSE(wrong.decode(bytes));
  std::vector<std::string> missing;
  EXPECT_FALSE(wrong.decode_portable(s.encode(), [](std::string_view, std::int32_t) { return std::nullopt; }, missing));
  // Another broker: t-0 = log 21, t-1 = log 22.
  log_finder there = [](std::string_view topic, std::int32_t partition) -> std::optional<storage::log_id> {
    if (topic != "t" || partition < 0 || partition > 1) return std::nullopt;
    return storage::log_id{static_cast<std::uint32_t>(21 + partition)};
  };
  link_state d;
  ASSERT_TRUE(d.decode_portable(bytes, there, missing));
  EXPECT_TRUE(missing.empty());
  std::map<storage::log_id, std::int64_t> expected = {{storage::log_id{21}, 100}, {storage::log_id{22}, 7}};
  EXPECT_EQ(d.positions, expected);
  EXPECT_EQ(d.sequences, s.sequences);
  EXPECT_EQ(d.producer_id, 9);
  EXPECT_EQ(d.forwarded_records, 55u);
  ASSERT_TRUE(d.intent);
  ASSERT_EQ(d.intent->ranges.size(), 1u);
  EXPECT_EQ(d.intent->ranges[0].log, storage::log_id{21});
  EXPECT_EQ(d.intent->ranges[0].topic, "t");
  EXPECT_EQ(d.intent->ranges[0].from, 100);
  EXPECT_EQ(d.intent->ranges[0].to, 150);
  ASSERT_EQ(d.intent->upstream_has.size(), 1u);
  EXPECT_EQ(d.intent->upstream_has[0].log, storage::log_id{22});
  EXPECT_EQ(d.intent->upstream_has[0].offset, 9);
  // Encoding it again there gives the same bytes: the form does not depend on the store.
  log_namer there_names = [](storage::log_id log) -> std::optional<std::pair<std::string, std::int32_t>> {
    if (log == storage::log_id{21} || log == storage::log_id{22})
      return std::pair{std::string("t"), static_cast<std::int32_t>(log.value() - 21)};
    return std::nullopt;
  };
  EXPECT_EQ(d.encode_portable(there_names), bytes);
  // A broker that has not created the topic yet: positions left out, the topic reported missing.
  link_state none;
  ASSERT_TRUE(none.decode_portable(bytes, [](std::string_view, std::int32_t) { return std::nullopt; }, missing));
  EXPECT_TRUE(none.positions.empty());
  EXPECT_EQ(missing, std::vector<std::string>{"t"});
  // Damaged values are refused, never read past.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    link_state x;
    EXPECT_FALSE(x.decode_portable(std::span<const std::uint8_t>(bytes).first(cut), there, missing)) << cut;
  }
}

TEST(ForwardOrigin, FormatsAndParses) {
  auto v = origin_value("abc_-XY", "sensors.t", 3, 12345);
  EXPECT_EQ(v, "abc_-XY/sensors.t/3/12345");
  std::string cid, topic;
  std::int32_t p = 0;
  std::int64_t o = 0;
  ASSERT_TRUE(parse_origin(v, cid, topic, p, o));
  EXPECT_EQ(cid, "abc_-XY");
  EXPECT_EQ(topic, "sensors.t");
  EXPECT_EQ(p, 3);
  EXPECT_EQ(o, 12345);
  EXPECT_FALSE(parse_origin("x/y", cid, topic, p, o));
  EXPECT_FALSE(parse_origin("a/b/c/d", cid, topic, p, o));
}

class RoundBuilderTest : public ::testing::TestWithParam<int> {};

TEST_P(RoundBuilderTest, IsDeterministicAndPartitionsLikeJava) {
  link_config c;
  c.name = "l";
  c.forward_rename = "up.${topic}";
  c.compression = static_cast<std::uint8_t>(GetParam());
  std::map<upstream_partition, std::int32_t> seqs = {{{"up.t", 1}, 40}};
  std::map<std::string, std::int32_t> counts = {{"up.t", 3}};
  std::vector<std::string> keys = {"a", "b", "c", "d", "e", "f"};
  std::vector<record_batch::record> records;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    record_batch::record r;
    r.offset = 10 + static_cast<std::int64_t>(i);
    r.timestamp = 1700000000000 + static_cast<std::int64_t>(i);
    r.key = bytes_of(keys[i]);
    r.value = bytes_of("value");
    r.headers.push_back({"h", bytes_of("x")});
    records.push_back(r);
  }
  record_batch::record keyless;
  keyless.offset = 16;
  keyless.timestamp = 5;
  keyless.value = bytes_of("nokey");
  records.push_back(keyless);
  log_range range{storage::log_id{9}, "t", 2, 10, 17};
  auto build = [&](const std::vector<upstream_partition>& skip) {
    round_builder b(c, "CID", 1234, 0, seqs, counts);
    b.add(range, records);
    std::vector<upstream_batch> out;
    EXPECT_FALSE(b.finish(skip, out));
    return out;
  };
  auto a = build({});
  auto again = build({});
  ASSERT_EQ(a.size(), again.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].bytes, again[i].bytes);  // byte-identical: the re-send is a duplicate
    EXPECT_EQ(a[i].partition.first, "up.t");
    EXPECT_EQ(a[i].base_sequence, a[i].partition.second == 1 ? 40 : 0);
    record_batch::batch_header h;
    ASSERT_FALSE(record_batch::validate(a[i].bytes, h));
    EXPECT_EQ(h.codec(), static_cast<record_batch::compression>(GetParam()));
    EXPECT_EQ(h.producer_id, 1234);
    EXPECT_EQ(h.base_sequence, a[i].base_sequence);
    std::vector<record_batch::record> decoded;
    std::vector<std::uint8_t> scratch;
    ASSERT_FALSE(record_batch::decode_records(a[i].bytes, decoded, scratch, 1 << 20));
    EXPECT_EQ(static_cast<std::int32_t>(decoded.size()), a[i].record_count);
    for (const auto& r : decoded) {
      ASSERT_EQ(r.headers.size(), r.key ? 2u : 1u);
      const auto& origin = r.headers.back();
      EXPECT_EQ(origin.key, "tern.origin");
      std::string value(origin.value->begin(), origin.value->end());
      std::string cid, topic;
      std::int32_t p = 0;
      std::int64_t o = 0;
      ASSERT_TRUE(parse_origin(value, cid, topic, p, o));
      EXPECT_EQ(topic, "t");
      EXPECT_EQ(p, 2);
      const auto& src = records[static_cast<std::size_t>(o - 10)];
      EXPECT_EQ(r.timestamp, src.timestamp);
      // Java's partitioner for keyed records; keyless ones keep the local partition (2 % 3).
      std::int32_t expect = src.key ? partition_for_key(*src.key, 3) : 2;
      EXPECT_EQ(a[i].partition.second, expect);
    }
    total += decoded.size();
  }
  EXPECT_EQ(total, records.size());
  // Acknowledged partitions are left out of a re-send.
  auto skipped = build({a[0].partition});
  EXPECT_EQ(skipped.size(), a.size() - 1);
  // Records the upstream holds already (found in its tail) are left out of their batch only.
  round_intent::upstream_mark mark{a[0].partition, storage::log_id{9}, 15};
  round_builder marked(c, "CID", 99, 0, {}, counts, {mark});
  marked.add(range, records);
  std::vector<upstream_batch> out;
  ASSERT_FALSE(marked.finish({}, out));
  std::size_t expected = 0;
  for (const auto& r : records)
    if (!(round_builder(c, "CID", 0, 0, seqs, counts).partition_for(range, r) == a[0].partition.second &&
          r.offset <= 15))
      ++expected;
  std::size_t got = 0;
  for (const auto& b : out) got += static_cast<std::size_t>(b.record_count);
  EXPECT_EQ(got, expected);
  EXPECT_LT(got, records.size());
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundBuilderTest, ::testing::Values(0, 1, 2, 3, 4));

}  // namespace
}  // namespace tern::forward
