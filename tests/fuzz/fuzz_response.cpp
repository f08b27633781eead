// Every Kafka response the hub's own client side decodes (hub/client: forwarding links to an
// upstream cluster, replication followers fetching from a leader, the `tern` CLI): the peer is
// another broker, which may be buggy, hostile or a man in the middle on a plaintext link.
//
// Input: byte 0 picks one (api key, version) the hub advertises (request_versions(): the client
// speaks the versions the hub implements); the rest is the response frame (header, then body)
// decoded with the response header version the table gives and that response type's decode().
// Properties, beyond "no crash, no sanitizer report": a header or body that decodes re-encodes to
// bytes that decode again, wholly, and re-encode to the same bytes (encode(decode(x)) is a fixed
// point).
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
  const auto gaps = hub_fuzz::coverage_gaps(hub_fuzz::response_types{});
  if (!gaps.empty()) {
    std::fprintf(stderr, "response_types does not cover the advertised table: %s\n", gaps.c_str());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const kafka::api_key key = versions()[data[0] % versions().size()].first;
  const std::int16_t version = versions()[data[0] % versions().size()].second;
  wire::wire_reader reader(wire::bytes_view(data + 1, size - 1));
  kafka::response_header header;
  const std::int16_t header_version = kafka::response_header_version(key, version);
  if (!header.decode(reader, header_version)) return 0;
  FUZZ_CHECK(reader.ok(), "response_header::decode succeeded on a failed reader");
  check_fixed_point(header, header_version);

  const bool dispatched = hub_fuzz::with_request_type(key, [&]<typename T>() {
    T response;
    if (!response.decode(reader, version)) return;
    FUZZ_CHECK(reader.ok(), "a response decode() succeeded on a failed reader");
    check_fixed_point(response, version);
  }, hub_fuzz::response_types{});
  FUZZ_CHECK(dispatched, "an advertised key has no response type");
  return 0;
}
