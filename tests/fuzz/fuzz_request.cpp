// Every Kafka request the hub accepts, as the broker reads it (hub/kafka/broker.cpp on_frame):
// the first 8 bytes give api key, version and correlation id (peek_request_api), the api's
// table entry gives the request header version, the header is decoded, then the body with the
// request type's decode() for that version.
//
// Input: byte 0 picks one (api key, version) the hub advertises (request_versions(), so versions
// added to the table later are fuzzed without a change here); the frame is that key and version
// followed by the rest of the input (correlation id, client id, tags, body).
//
// Properties, beyond "no crash, no sanitizer report": a header or body that decodes re-encodes
// to bytes that decode again, wholly, and re-encode to the same bytes (encode(decode(x)) is a
// fixed point). Comparing with the input itself would be wrong: decoders accept non-canonical
// forms (unknown tagged fields, which they skip; trailing bytes, which the broker ignores).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_check.h"
#include "request_types.h"
#include "tern/common/wire.h"
#include "tern/kafka/api_key.h"
#include "tern/kafka/messages/header.h"

namespace {
using namespace tern;

template <typename M>
std::vector<std::uint8_t> encoded(const M& m, std::int16_t version) {
  wire::wire_writer w;
  m.encode(w, version);
  return w.contiguous();
}

// decode → encode → decode → encode: the two encodings must be equal.
template <typename M>
void check_fixed_point(const M& decoded, std::int16_t version) {
  const auto first = encoded(decoded, version);
  M again;
  wire::wire_reader r(first);
  FUZZ_CHECK(again.decode(r, version), "a re-encoded message does not decode");
  FUZZ_CHECK(r.ok() && r.remaining() == 0, "a re-encoded message decodes with bytes left over");
  FUZZ_CHECK(encoded(again, version) == first, "encode(decode(x)) is not a fixed point");
}

const std::vector<std::pair<kafka::api_key, std::int16_t>>& versions() {
  static const auto all = hub_fuzz::request_versions();
  return all;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto gaps = hub_fuzz::coverage_gaps();
  if (!gaps.empty()) {
    std::fprintf(stderr, "request_types.h does not cover the advertised table: %s\n", gaps.c_str());
    std::abort();
  }
  FUZZ_CHECK(!versions().empty(), "the hub advertises no API");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const kafka::api_key key = versions()[data[0] % versions().size()].first;
  const std::int16_t version = versions()[data[0] % versions().size()].second;
  std::vector<std::uint8_t> frame;
  frame.reserve(size + 3);
  const auto k = static_cast<std::uint16_t>(key), v = static_cast<std::uint16_t>(version);
  frame.insert(frame.end(), {std::uint8_t(k >> 8), std::uint8_t(k), std::uint8_t(v >> 8), std::uint8_t(v)});
  frame.insert(frame.end(), data + 1, data + size);

  std::int16_t peeked_key = 0, peeked_version = 0;
  std::int32_t correlation_id = 0;
  if (!kafka::peek_request_api(frame, peeked_key, peeked_version, correlation_id)) return 0;
  FUZZ_CHECK(peeked_key == static_cast<std::int16_t>(key) && peeked_version == version,
             "peek_request_api misreads the key or version");
  auto api = kafka::find_api(peeked_key);
  FUZZ_CHECK(api && api->key == key, "find_api does not find an advertised key");

  wire::wire_reader reader(frame);
  kafka::request_header header;
  const std::int16_t header_version = kafka::request_header_version(key, version);
  if (!header.decode(reader, header_version)) return 0;
  FUZZ_CHECK(reader.ok(), "request_header::decode succeeded on a failed reader");
  FUZZ_CHECK(header.api_key == peeked_key && header.api_version == version &&
                 header.correlation_id == correlation_id,
             "the header disagrees with peek_request_api");
  check_fixed_point(header, header_version);

  const bool dispatched = hub_fuzz::with_request_type(key, [&]<typename T>() {
    T request;
    if (!request.decode(reader, version)) return;
    FUZZ_CHECK(reader.ok(), "a request decode() succeeded on a failed reader");
    check_fixed_point(request, version);
  });
  FUZZ_CHECK(dispatched, "an advertised key has no request type");
  return 0;
}
