#include "tern/kafka/messages/create_partitions.h"

#include <cstddef>

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {

using request = create_partitions_request;
using response = create_partitions_response;

// Smallest wire size of each element (compact layout), for the array count checks.
constexpr std::size_t topic_min_bytes = 1 + 4 + 1;       // name, count, null assignments
constexpr std::size_t assignment_min_bytes = 1;          // empty broker id array
constexpr std::size_t broker_id_bytes = 4;
constexpr std::size_t result_min_bytes = 1 + 2 + 1;      // name, error code, null message

bool flexible(std::int16_t version) { return version >= request::first_flexible_version; }

}  // namespace

void create_partitions_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<request>(version));
  codec::flex_writer out{w, flexible(version)};
  out.array(topics, [&](const topic& t) {
    out.string(t.name);
    w.i32(t.count);
    out.nullable_array(t.assignments, [&](const assignment& a) {
      out.array(a.broker_ids, [&](std::int32_t id) { w.i32(id); });
      out.tags();
    });
    out.tags();
  });
  w.i32(timeout_ms);
  w.boolean(validate_only);
  out.tags();
}

bool create_partitions_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  in.array(topic_min_bytes, topics, [&](topic& t) {
    t.name = in.string();
    t.count = r.i32();
    in.nullable_array(assignment_min_bytes, t.assignments, [&](assignment& a) {
      in.array(broker_id_bytes, a.broker_ids, [&](std::int32_t& id) { id = r.i32(); });
      in.tags();
    });
    in.tags();
  });
  timeout_ms = r.i32();
  validate_only = r.boolean();
  in.tags();
  return r.ok();
}

void create_partitions_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<response>(version));
  codec::flex_writer out{w, flexible(version)};
  w.i32(throttle_time_ms);
  out.array(results, [&](const result& res) {
    out.string(res.name);
    w.i16(res.error_code);
    out.nullable_string(res.error_message);
    out.tags();
  });
  out.tags();
}

bool create_partitions_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  codec::flex_reader in{r, flexible(version)};
  throttle_time_ms = r.i32();
  in.array(result_min_bytes, results, [&](result& res) {
    res.name = in.string();
    res.error_code = r.i16();
    res.error_message = in.nullable_string();
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
