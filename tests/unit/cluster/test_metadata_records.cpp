// The metadata record codec: round trips, bounds, and hostile bytes.
#include <gtest/gtest.h>

#include <random>

#include "cluster/errors.h"
#include "cluster/metadata_records.h"
#include "test_metadata_util.h"

namespace tern::cluster {
namespace {

using test::make_uuid;

record_list one_of_each() {
  create_topic_record create;
  create.name = "sensors";
  create.topic_id = make_uuid(1);
  create.configs = {{"cleanup.policy", "compact"}, {"retention.ms", "60000"}};
  create.partitions = {{{1, 2, 3}, {1, 2, 3}, 1}, {{2, 3, 1}, {2}, 2}, {{3}, {}, no_leader}};
  partition_change_record change;
  change.topic_id = make_uuid(1);
  change.partition = 1;
  change.partition_epoch = 7;
  change.leader = 3;
  change.isr = std::vector<node_id>{3, 2};
  partition_change_record replicas_only;
  replicas_only.topic_id = make_uuid(2);
  replicas_only.replicas = std::vector<node_id>{4, 5};
  register_broker_record reg = test::registration(7);
  reg.roles = role_broker | role_controller;
  reg.endpoints.push_back({"SSL", "gw-7.local", 9093});
  group_offsets_record commit;
  commit.group_id = "readers";
  commit.offsets = {{"sensors", 0, 42, 3, std::string("meta"), 1700000000123, false},
                    {"sensors", 1, 7, -1, std::nullopt, 1700000000123, false},
                    {"old", 2, -1, -1, std::nullopt, 0, true}};
  group_offsets_record clear;
  clear.group_id = "gone";
  clear.clear_group = true;
  return {reg,
          fence_broker_record{7, 12},
          unfence_broker_record{7, 13},
          begin_controlled_shutdown_record{7, -1},
          set_cluster_id_record{"MkU3OEVBNTcwNTJENDM2Qk"},
          create,
          delete_topic_record{make_uuid(9)},
          alter_topic_configs_record{make_uuid(1), {{"retention.ms", "1"}}},
          change,
          replicas_only,
          forward_link_state_record{"cloud", 41, {1, 2, 3, 0, 255}},
          forward_link_state_record{"dropped", 7, {}},
          commit,
          clear};
}

TEST(MetadataRecords, RoundTripEveryRecordType) {
  record_list in = one_of_each();
  std::vector<std::uint8_t> bytes;
  ASSERT_FALSE(encode_entry(in, bytes));
  record_list out;
  ASSERT_FALSE(decode_entry(bytes, out));
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i]) << "record " << i;
  // The encoding is canonical: encoding the decoded records gives the same bytes.
  std::vector<std::uint8_t> again;
  ASSERT_FALSE(encode_entry(out, again));
  EXPECT_EQ(again, bytes);
}

TEST(MetadataRecords, ForwardLinkStateBounds) {
  std::vector<std::uint8_t> bytes;
  record_list empty_name{forward_link_state_record{"", 0, {1}}};
  EXPECT_EQ(encode_entry(empty_name, bytes), cluster_errc::entry_too_large);
  record_list negative{forward_link_state_record{"l", -1, {1}}};
  EXPECT_EQ(encode_entry(negative, bytes), cluster_errc::entry_too_large);
  record_list huge{forward_link_state_record{"l", 0, std::vector<std::uint8_t>(link_state_size_max + 1)}};
  EXPECT_EQ(encode_entry(huge, bytes), cluster_errc::entry_too_large);
  record_list largest{forward_link_state_record{"l", 0, std::vector<std::uint8_t>(link_state_size_max, 7)}};
  ASSERT_FALSE(encode_entry(largest, bytes));
  record_list out;
  ASSERT_FALSE(decode_entry(bytes, out));
  EXPECT_EQ(out, largest);
}

TEST(MetadataRecords, EveryTruncationIsRejected) {
  std::vector<std::uint8_t> bytes;
  ASSERT_FALSE(encode_entry(one_of_each(), bytes));
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    record_list out;
    EXPECT_EQ(decode_entry({bytes.data(), n}, out), cluster_errc::malformed_entry) << n;
    EXPECT_TRUE(out.empty());
  }
}

TEST(MetadataRecords, TrailingBytesAreRejected) {
  std::vector<std::uint8_t> bytes;
  ASSERT_FALSE(encode_entry(one_of_each(), bytes));
  bytes.push_back(0);
  record_list out;
  EXPECT_EQ(decode_entry(bytes, out), cluster_errc::malformed_entry);
}

TEST(MetadataRecords, UnknownFormatTypeOrVersionRejectsTheWholeEntry) {
  record_list in = {set_cluster_id_record{"abc"}, fence_broker_record{1, 2}};
  std::vector<std::uint8_t> bytes;
  ASSERT_FALSE(encode_entry(in, bytes));
  record_list out;
  ASSERT_FALSE(decode_entry(bytes, out));
  auto bad_format = bytes;
  bad_format[0] = 2;
  EXPECT_EQ(decode_entry(bad_format, out), cluster_errc::malformed_entry);
  // Layout: format(1) count(2) then type(1) version(1) size(4) of the first record.
  auto bad_type = bytes;
  bad_type[3] = 200;
  EXPECT_EQ(decode_entry(bad_type, out), cluster_errc::malformed_entry);
  auto bad_version = bytes;
  bad_version[4] = 2;
  EXPECT_EQ(decode_entry(bad_version, out), cluster_errc::malformed_entry);
  auto bad_count = bytes;
  bad_count[2] = 3;  // claims three records, holds two
  EXPECT_EQ(decode_entry(bad_count, out), cluster_errc::malformed_entry);
  EXPECT_TRUE(out.empty());
}

TEST(MetadataRecords, NonCanonicalFlagsAreRejected) {
  partition_change_record change;
  change.topic_id = make_uuid(3);
  change.leader = 1;
  std::vector<std::uint8_t> bytes;
  ASSERT_FALSE(encode_entry(record_list{change}, bytes));
  // header(3) + record header(6) + uuid(16) + partition(4) + epoch(4) = the leader flag.
  const std::size_t flag_at = 3 + 6 + 16 + 4 + 4;
  ASSERT_EQ(bytes[flag_at], 1);
  bytes[flag_at] = 2;
  record_list out;
  EXPECT_EQ(decode_entry(bytes, out), cluster_errc::malformed_entry);
}

TEST(MetadataRecords, EncodeRefusesWhatDecodeWouldRefuse) {
  std::vector<std::uint8_t> bytes;
  EXPECT_EQ(encode_entry(record_list{}, bytes), cluster_errc::entry_too_large);
  create_topic_record long_name;
  long_name.name = std::string(topic_name_size_max + 1, 'a');
  long_name.partitions = {{{1}, {1}, 1}};
  EXPECT_EQ(encode_entry(record_list{long_name}, bytes), cluster_errc::entry_too_large);
  EXPECT_TRUE(bytes.empty());
  partition_change_record wide;
  wide.replicas = std::vector<node_id>(replicas_max + 1, 1);
  EXPECT_EQ(encode_entry(record_list{wide}, bytes), cluster_errc::entry_too_large);
  register_broker_record many = test::registration(1);
  many.endpoints.resize(endpoints_max + 1);
  EXPECT_EQ(encode_entry(record_list{many}, bytes), cluster_errc::entry_too_large);
  // At the bounds exactly: fine.
  create_topic_record max_name = long_name;
  max_name.name.pop_back();
  EXPECT_FALSE(encode_entry(record_list{max_name}, bytes));
}

TEST(MetadataRecords, HostileCountsCostNothing) {
  // A create_topic claiming 2^31-1 configs in a tiny body.
  wire::wire_writer w;
  w.i8(1);
  w.i16(1);
  w.i8(static_cast<std::int8_t>(record_type::create_topic));
  w.i8(1);
  std::size_t size_at = w.reserve_i32();
  std::size_t start = w.owned_size();
  w.string("t");
  w.uuid(make_uuid(1));
  w.i32(INT32_MAX);
  w.patch_u32(size_at, static_cast<std::uint32_t>(w.owned_size() - start));
  record_list out;
  EXPECT_EQ(decode_entry(w.contiguous(), out), cluster_errc::malformed_entry);
}

TEST(MetadataRecords, RandomGarbageNeverCrashes) {
  std::mt19937 rng(42);
  std::vector<std::uint8_t> valid;
  ASSERT_FALSE(encode_entry(one_of_each(), valid));
  int decoded = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::uint8_t> bytes;
    if (round % 2 == 0) {
      bytes.resize(rng() % 64);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      if (!bytes.empty()) bytes[0] = 1;  // get past the format byte
    } else {
      bytes = valid;  // flip a few bytes of a valid entry
      for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    }
    record_list out;
    if (!decode_entry(bytes, out)) {
      ++decoded;
      // Whatever decoded re-encodes to the same bytes (one encoding per value).
      std::vector<std::uint8_t> again;
      ASSERT_FALSE(encode_entry(out, again));
      EXPECT_EQ(again, bytes);
    } else {
      EXPECT_TRUE(out.empty());
    }
  }
  EXPECT_GT(decoded, 0);  // some flips land in values, not structure
}

}  // namespace
}  // namespace tern::cluster

namespace tern::cluster {
namespace {

TEST(MetadataRecords, GroupOffsetsRecordLayoutAndBounds) {
  group_offsets_record commit;
  commit.group_id = "g";
  commit.offsets = {{"t", 1, 42, 3, std::nullopt, 5, false}};
  std::vector<std::uint8_t> bytes;
  ASSERT_FALSE(encode_entry(record_list{commit}, bytes));
  // Its own type code, 11 (10 is kept for the forwarding checkpoints record).
  EXPECT_EQ(bytes[3], 11);
  // header(3) + record header(6) + group "g"(2+1) + clear flag(1) + count(4) + topic "t"(2+1) +
  // partition(4) + offset(8) + epoch(4) + metadata flag(1) + time(8) = the deleted flag, last.
  const std::size_t deleted_at = 3 + 6 + 3 + 1 + 4 + 3 + 4 + 8 + 4 + 1 + 8;
  ASSERT_EQ(bytes.size(), deleted_at + 1);
  EXPECT_EQ(bytes[deleted_at], 0);
  record_list out;
  bytes[deleted_at] = 2;  // a flag is exactly 0 or 1
  EXPECT_EQ(decode_entry(bytes, out), cluster_errc::malformed_entry);
  bytes[deleted_at] = 1;
  ASSERT_FALSE(decode_entry(bytes, out));
  EXPECT_TRUE(std::get<group_offsets_record>(out[0]).offsets[0].deleted);
  // A topic name over Kafka's limit is refused when encoding.
  commit.offsets[0].topic = std::string(topic_name_size_max + 1, 't');
  EXPECT_EQ(encode_entry(record_list{commit}, bytes), cluster_errc::entry_too_large);
  // An unknown type (10: a newer Tern's record) rejects the whole entry.
  ASSERT_FALSE(encode_entry(record_list{group_offsets_record{"g", true, {}}}, bytes));
  bytes[3] = 10;
  EXPECT_EQ(decode_entry(bytes, out), cluster_errc::malformed_entry);
}

}  // namespace
}  // namespace tern::cluster
