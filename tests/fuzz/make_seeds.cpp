// Writes a seed corpus for every hub fuzz target:
//   make_seeds <out dir> [<vector>.hex...] [<server.properties>...]
// Seeds are valid inputs made with the codecs themselves (a seed only needs to be valid, not to
// be checked against Kafka: the golden tests do that), so that versions and codecs added later
// get seeds without anyone writing bytes by hand. Each tests/compat/vectors file (hex, #
// comments; a request is a whole frame with its size prefix, a response only the body) becomes
// one more fuzz_request or fuzz_response seed, for the populated messages the empty ones below
// lack; each server.properties file a fuzz_config seed.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "auth/scram.h"
#include "request_types.h"
#include "tern/common/compression.h"
#include "tern/common/record_batch.h"
#include "tern/common/wire.h"
#include "tern/kafka/messages/header.h"

namespace {
using namespace tern;
using bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

fs::path out_dir;
int written = 0;

void seed(const std::string& target, const std::string& name, std::uint8_t selector, const bytes& body) {
  fs::create_directories(out_dir / target);
  std::ofstream f(out_dir / target / name, std::ios::binary);
  f.put(static_cast<char>(selector));
  f.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
  if (!f) {
    std::fprintf(stderr, "make_seeds: cannot write %s/%s\n", target.c_str(), name.c_str());
    std::exit(1);
  }
  ++written;
}

bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

// fuzz_request: byte 0 indexes request_versions(); the frame after key and version follows.
std::uint8_t version_index(kafka::api_key key, std::int16_t version) {
  const auto all = hub_fuzz::request_versions();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].first == key && all[i].second == version) return static_cast<std::uint8_t>(i);
  return 0xff;
}

void request_seeds() {
  const auto all = hub_fuzz::request_versions();
  if (all.size() > 256) {
    std::fprintf(stderr, "make_seeds: %zu (key, version) pairs no longer fit fuzz_request's index byte\n",
                 all.size());
    std::exit(1);
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    const kafka::api_key key = all[i].first;
    const std::int16_t version = all[i].second;
    wire::wire_writer w;
    kafka::request_header h;
    h.api_key = static_cast<std::int16_t>(key);
    h.api_version = version;
    h.correlation_id = static_cast<std::int32_t>(i + 1);
    h.client_id = "seed";
    h.encode(w, kafka::request_header_version(key, version));
    // A default-constructed message is not always encodable (a null a version forbids): the
    // body is what zero bytes decode to (empty strings and arrays), re-encoded, else the zeros.
    const bytes zeros(64, 0);
    hub_fuzz::with_request_type(key, [&]<typename T>() {
      T m;
      wire::wire_reader r(zeros);
      if (m.decode(r, version)) m.encode(w, version);
      else w.raw(zeros);
    });
    bytes frame = w.contiguous();
    seed("fuzz_request", "api" + std::to_string(static_cast<int>(key)) + "v" + std::to_string(version),
         static_cast<std::uint8_t>(i), bytes(frame.begin() + 4, frame.end()));
  }
}

// fuzz_response: byte 0 as fuzz_request's; the response header and body follow.
void response_seeds() {
  const auto all = hub_fuzz::request_versions();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const kafka::api_key key = all[i].first;
    const std::int16_t version = all[i].second;
    wire::wire_writer w;
    kafka::response_header h;
    h.correlation_id = static_cast<std::int32_t>(i + 1);
    h.encode(w, kafka::response_header_version(key, version));
    const bytes zeros(64, 0);
    hub_fuzz::with_request_type(key, [&]<typename T>() {
      T m;
      wire::wire_reader r(zeros);
      if (m.decode(r, version)) m.encode(w, version);
      else w.raw(zeros);
    }, hub_fuzz::response_types{});
    seed("fuzz_response", "api" + std::to_string(static_cast<int>(key)) + "v" + std::to_string(version),
         static_cast<std::uint8_t>(i), w.contiguous());
  }
}

// A request vector is a whole frame; a response vector (tests/compat/vectors/*_response.hex)
// carries no key or version, which its name gives: <api>_v<version>_response.hex.
void vector_seed(const fs::path& path) {
  std::ifstream in(path);
  std::string line, hex;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') hex += line;
  bytes frame;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) frame.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  const std::string name = path.stem().string();
  if (name.ends_with("_response")) {
    static const std::pair<const char*, kafka::api_key> apis[] = {
        {"api_versions_v", kafka::api_key::api_versions}, {"metadata_v", kafka::api_key::metadata},
        {"produce_v", kafka::api_key::produce}, {"init_producer_id_v", kafka::api_key::init_producer_id}};
    for (const auto& [prefix, key] : apis) {
      if (!name.starts_with(prefix) || !std::isdigit(static_cast<unsigned char>(name[std::strlen(prefix)]))) continue;
      const auto version = static_cast<std::int16_t>(std::stoi(name.substr(std::strlen(prefix))));
      const std::uint8_t index = version_index(key, version);
      if (index == 0xff) return;
      wire::wire_writer w;
      kafka::response_header{.correlation_id = 7}.encode(w, kafka::response_header_version(key, version));
      w.raw(frame);
      seed("fuzz_response", name, index, w.contiguous());
    }
    return;
  }
  if (frame.size() < 12) return;
  const auto key = static_cast<kafka::api_key>((frame[4] << 8) | frame[5]);
  const auto version = static_cast<std::int16_t>((frame[6] << 8) | frame[7]);
  const std::uint8_t index = version_index(key, version);
  if (index == 0xff) return;  // a vector of a version the hub no longer advertises
  seed("fuzz_request", path.stem().string(), index, bytes(frame.begin() + 8, frame.end()));
}

bytes sample_batch(std::int64_t base_offset, bool with_headers) {
  record_batch::batch_builder b({.base_offset = base_offset, .producer_id = 7, .producer_epoch = 0,
                                 .base_sequence = 0, .partition_leader_epoch = 3});
  const bytes k = text("key"), v = text("value value value value"), hv = text("h");
  std::vector<record_batch::header> headers;
  if (with_headers) headers = {{"trace", record_batch::bytes_view(hv)}, {"empty", std::nullopt}};
  b.add(1700000000000, record_batch::bytes_view(k), record_batch::bytes_view(v), headers);
  b.add(1700000000005, std::nullopt, record_batch::bytes_view(v));
  b.add(1699999999990, record_batch::bytes_view(k), std::nullopt);
  bytes out;
  b.build(out);
  return out;
}

void record_batch_seeds() {
  const bytes plain = sample_batch(0, true);
  seed("fuzz_record_batch", "plain", 0, plain);
  seed("fuzz_record_batch", "plain-fixcrc", 1, plain);
  bytes two = plain;
  const bytes second = sample_batch(3, false);
  two.insert(two.end(), second.begin(), second.end());
  seed("fuzz_record_batch", "two", 0, two);
  record_batch::batch_header h;
  std::vector<record_batch::record> records;
  record_batch::parse_header(plain, h);
  record_batch::decode_records(plain, records);
  for (int codec = 1; codec <= 4; ++codec) {
    for (bool log_append_time : {false, true}) {
      auto hc = h;
      hc.attributes = static_cast<std::int16_t>(codec | (log_append_time ? 0x08 : 0));
      bytes out;
      if (record_batch::rebuild(hc, records, out)) continue;
      seed("fuzz_record_batch", "codec" + std::to_string(codec) + (log_append_time ? "-append" : ""), 0, out);
    }
  }
}

void decompress_seeds() {
  const bytes sentence = text("the quick brown fox jumps over the lazy dog; the quick brown fox again");
  const bytes zeros(256 << 10, 0);  // a small bomb: 256 KiB from a few hundred bytes
  for (int codec = 1; codec <= 4; ++codec) {
    const auto c = static_cast<record_batch::compression>(codec);
    for (const auto* in : {&sentence, &zeros}) {
      bytes out;
      compression::compress(c, *in, out);
      const std::uint8_t small_limit_bits = in == &zeros ? (10 << 3) : (15 << 3);
      seed("fuzz_decompress", "codec" + std::to_string(codec) + (in == &zeros ? "-zeros" : ""),
           static_cast<std::uint8_t>(codec | small_limit_bits), out);
    }
  }
  bytes xerial;
  compression::compress(record_batch::compression::snappy, sentence, xerial, {.snappy_xerial = true});
  seed("fuzz_decompress", "snappy-xerial", 2 | (15 << 3), xerial);
  seed("fuzz_decompress", "not-a-codec", 5, sentence);
}

void sasl_seeds() {
  seed("fuzz_sasl", "plain", 0, text(std::string_view("\0alice\0secret", 13)));
  seed("fuzz_sasl", "plain-authzid", 0, text(std::string_view("alice\0alice\0secret", 18)));
  const std::string proof = auth::scram::base64_encode(bytes(32, 0x42));
  seed("fuzz_sasl", "scram", 1,
       text(auth::scram::format_client_first("al=ice,", "cnonce") + std::string(1, '\0') +
            "c=biws,r=cnoncefuzzservernonce,p=" + proof));
  seed("fuzz_sasl", "scram-authzid", 1, text("n,a=bob,n=bob,r=x,ext=1"));
  seed("fuzz_sasl", "server-first", 2, text(auth::scram::format_server_first("cnoncesnonce", bytes(16, 7), 4096)));
  seed("fuzz_sasl", "base64", 3, text(proof));
}

void config_seeds(const std::vector<fs::path>& properties) {
  for (const auto& p : properties) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    seed("fuzz_config", "properties-" + p.parent_path().filename().string(), 0, text(s.str()));
  }
  seed("fuzz_config", "properties-links", 0,
       text("node.id=1\nlisteners=PLAINTEXT://127.0.0.1:9092\nlog.dirs=/tmp/t\n"
            "forward.up.bootstrap.servers=a:9092,b:9092\nforward.up.topics=sensors.*\n"
            "forward.up.topic.rename=edge.${topic}\nforward.up.compression.type=zstd\n"
            "mirror.down.bootstrap.servers=c:9092\nmirror.down.topics=commands\n"
            "key\\\n  continued = value : x\n! comment\n"));
  seed("fuzz_config", "acl", 1,
       text("# rules\nallow User:sensor-1 Write topic:prefixed:sensors.   # trailing comment\n"
            "allow User:ops All cluster\ndeny User:* Read group:g\nallow User:dash describeconfigs topic:metrics\n"));
  seed("fuzz_config", "passwords", 2,
       text("alice:pbkdf2-sha256:100000:0011223344556677:" + std::string(64, 'a') + "\n"
            "bob:scram-sha-256:4096:00112233445566778899:" + std::string(64, 'b') + ":" + std::string(64, 'c') + "\n"
            "carol:scram-sha-512:4096:0011223344556677:" + std::string(128, 'd') + ":" + std::string(128, 'e') + "\n"));
  seed("fuzz_config", "psk", 3, text("# identities\nsensor-1:00112233445566778899aabbccddeeff\nid:with:colons : abcd\n"));
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_seeds <out dir> [<*_request.hex>...] [<server.properties>...]\n");
    return 2;
  }
  out_dir = argv[1];
  request_seeds();
  response_seeds();
  std::vector<fs::path> properties;
  for (int i = 2; i < argc; ++i) {
    fs::path p = argv[i];
    if (p.extension() == ".hex") vector_seed(p);
    else properties.push_back(p);
  }
  record_batch_seeds();
  decompress_seeds();
  sasl_seeds();
  config_seeds(properties);
  std::printf("make_seeds: %d seeds in %s\n", written, out_dir.c_str());
  return 0;
}
