#pragma once
// Helpers shared by the metadata, placement, controller-rule and fixture tests: build an image by
// applying encoded entries, the way the quorum does.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cluster/controller_rules.h"
#include "cluster/metadata_image.h"
#include "cluster/metadata_records.h"

namespace tern::cluster::test {

inline uuid16 make_uuid(std::uint8_t seed) {
  uuid16 id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(seed + i * 7 + 1);
  return id;
}

inline std::vector<std::uint8_t> encode(const record_list& records) {
  std::vector<std::uint8_t> out;
  auto ec = encode_entry(records, out);
  EXPECT_FALSE(ec) << ec.message();
  return out;
}

// Applies records as one entry at the image's next index.
inline void apply_entry(metadata_image& image, const record_list& records) {
  ASSERT_FALSE(records.empty());
  image.apply(encode(records), image.last_applied_index() + 1);
}

inline register_broker_record registration(node_id node, std::uint8_t dir_seed = 0) {
  register_broker_record r;
  r.node = node;
  r.incarnation_id = make_uuid(static_cast<std::uint8_t>(100 + node));
  r.dir_id = make_uuid(static_cast<std::uint8_t>(200 + node + dir_seed));
  r.endpoints = {{"PLAINTEXT", "10.0.0." + std::to_string(node), 9092}};
  return r;
}

// Registers and unfences brokers `nodes` (one entry each step).
inline void add_live_brokers(metadata_image& image, const std::vector<node_id>& nodes) {
  for (node_id n : nodes) {
    apply_entry(image, {registration(n)});
    apply_entry(image, {unfence_broker_record{n, image.broker(n)->broker_epoch}});
  }
}

// Runs a decision that must succeed and applies its records (if any).
template <typename Decide>
void decide_and_apply(metadata_image& image, Decide decide) {
  record_list out;
  auto ec = decide(image, out);
  ASSERT_FALSE(ec) << ec.message();
  if (!out.empty()) apply_entry(image, out);
}

// Creates a topic with an explicit assignment; returns its id.
inline uuid16 create_topic(metadata_image& image, const std::string& name,
                           const replica_assignment& assignment, std::uint8_t id_seed,
                           config_map configs = {}) {
  create_topic_request req;
  req.name = name;
  req.assignment = assignment;
  req.configs = std::move(configs);
  record_list out;
  auto ec = decide_create_topic(image, req, {}, make_uuid(id_seed), out);
  EXPECT_FALSE(ec) << ec.message();
  if (!ec) apply_entry(image, out);
  return make_uuid(id_seed);
}

}  // namespace tern::cluster::test
