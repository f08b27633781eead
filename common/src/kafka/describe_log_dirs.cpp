#include "tern/kafka/messages/describe_log_dirs.h"

#include "codec_util.h"
#include "flex_codec.h"
#include "tern/common/check.h"

namespace tern::kafka {
namespace {
constexpr std::int16_t first_flexible = 2;
// Smallest encodings (flexible: 1-byte lengths and tag sections; classic: 2/4-byte lengths).
std::size_t request_topic_min_bytes(bool flex) { return flex ? 1 + 1 + 1 : 2 + 4; }
std::size_t topic_min_bytes(bool flex) { return flex ? 1 + 1 + 1 : 2 + 4; }
std::size_t result_min_bytes(bool flex) { return flex ? 2 + 1 + 1 + 1 : 2 + 2 + 4; }
constexpr std::size_t partition_fixed_bytes = 4 + 8 + 8 + 1;
}  // namespace

void describe_log_dirs_request::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_log_dirs_request>(version));
  codec::flex_writer out{w, version >= first_flexible};
  out.nullable_array(topics, [&](const topic& t) {
    out.string(t.name);
    out.array(t.partitions, [&](std::int32_t p) { w.i32(p); });
    out.tags();
  });
  out.tags();
}

bool describe_log_dirs_request::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  const bool flex = version >= first_flexible;
  codec::flex_reader in{r, flex};
  in.nullable_array(request_topic_min_bytes(flex), topics, [&](topic& t) {
    t.name = in.string();
    in.array(4, t.partitions, [&](std::int32_t& p) { p = r.i32(); });
    in.tags();
  });
  in.tags();
  return r.ok();
}

void describe_log_dirs_response::encode(wire::wire_writer& w, std::int16_t version) const {
  TERN_ASSERT(codec::in_range<describe_log_dirs_response>(version));
  codec::flex_writer out{w, version >= first_flexible};
  w.i32(throttle_time_ms);
  if (version >= 3) w.i16(error_code);
  out.array(results, [&](const result& res) {
    w.i16(res.error_code);
    out.string(res.log_dir);
    out.array(res.topics, [&](const topic& t) {
      out.string(t.name);
      out.array(t.partitions, [&](const partition& p) {
        w.i32(p.partition_index);
        w.i64(p.partition_size);
        w.i64(p.offset_lag);
        w.boolean(p.is_future_key);
        out.tags();
      });
      out.tags();
    });
    if (version >= 4) {
      w.i64(res.total_bytes);
      w.i64(res.usable_bytes);
    }
    out.tags();
  });
  out.tags();
}

bool describe_log_dirs_response::decode(wire::wire_reader& r, std::int16_t version) {
  if (!codec::begin_decode(*this, r, version)) return false;
  const bool flex = version >= first_flexible;
  codec::flex_reader in{r, flex};
  throttle_time_ms = r.i32();
  if (version >= 3) error_code = r.i16();
  in.array(result_min_bytes(flex), results, [&](result& res) {
    res.error_code = r.i16();
    res.log_dir = in.string();
    in.array(topic_min_bytes(flex), res.topics, [&](topic& t) {
      t.name = in.string();
      in.array(partition_fixed_bytes + (flex ? 1 : 0), t.partitions, [&](partition& p) {
        p.partition_index = r.i32();
        p.partition_size = r.i64();
        p.offset_lag = r.i64();
        p.is_future_key = r.boolean();
        in.tags();
      });
      in.tags();
    });
    if (version >= 4) {
      res.total_bytes = r.i64();
      res.usable_bytes = r.i64();
    }
    in.tags();
  });
  in.tags();
  return r.ok();
}

}  // namespace tern::kafka
