#pragma once
// A fake Kafka cluster behind a tern_transport_t, for the session's unit tests.
//
// It decodes the firmware's requests with common/ (the hub's codec, not the firmware's), keeps
// per-partition logs, validates every RecordBatch (CRC32C included), deduplicates idempotent
// producers by sequence like a broker, and injects faults: brokers down, lost responses, closed
// connections, per-partition errors, leader moves, mangled responses. Time is virtual: every
// empty recv() advances the clock by 5 ms, so timeouts and backoffs run instantly.
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fw_test_util.h"
#include "tern/common/record_batch.h"
#include "tern/kafka/messages/api_versions.h"
#include "tern/kafka/messages/header.h"
#include "tern/kafka/messages/init_producer_id.h"
#include "tern/kafka/messages/metadata.h"
#include "tern/kafka/messages/produce.h"

extern "C" {
#include "tern_transport.h"
}

namespace fwtest {

struct stored_record {
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct fake_partition {
  std::int32_t leader = 1;
  std::vector<stored_record> log;
  std::vector<std::size_t> batch_sizes;  // records per stored batch
};

struct fake_broker {
  std::int32_t id;
  std::string host;
  std::uint16_t port;
  bool up = true;
};

struct producer_state {
  std::int32_t next_seq = 0;
  std::int32_t last_first = -1;
  std::int32_t last_last = -1;
  std::int64_t last_offset = -1;
};

class fake_cluster {
 public:
  std::vector<fake_broker> brokers{
      {1, "broker-1", 9001}, {2, "broker-2", 9002}, {3, "broker-3", 9003}};
  std::map<std::string, std::vector<fake_partition>> topics;
  // Behaviour
  bool advertise_init_producer_id = true;
  std::int16_t produce_max_version = 7;
  std::int16_t metadata_max_version = 6;
  bool duplicate_as_error = true;  // DUPLICATE_SEQUENCE_NUMBER, else NONE with the old offset
  std::int64_t next_producer_id = 1000;
  std::int32_t throttle_ms = 0;
  // Faults (each counter applies to the next N matching requests)
  int drop_produce_responses = 0;  // processed, but the response never comes (silence)
  int close_before_produce = 0;    // connection closed before the request is processed
  int close_after_produce = 0;     // processed, then the connection closes (no response)
  std::map<std::pair<std::string, std::int32_t>, std::deque<std::int16_t>> produce_errors;
  std::deque<std::int16_t> init_producer_id_errors;
  std::function<void(std::int16_t api_key, bytes& frame)> mangle;  // edit a response frame
  // Observations
  int connects = 0;
  std::map<std::int16_t, int> requests;  // by API key
  std::vector<std::vector<std::tuple<std::string, std::int32_t, std::size_t>>> produce_log;
  std::vector<std::int16_t> produce_acks;
  // Clock
  std::uint32_t now = 1000;

  void create_topic(const std::string& name, int partitions, std::int32_t leader = 1) {
    topics[name].assign(partitions, fake_partition{});
    for (auto& p : topics[name]) p.leader = leader;
  }
  void set_all_brokers(bool up) {
    for (auto& b : brokers) b.up = up;
  }
  fake_broker* broker(std::int32_t id) {
    for (auto& b : brokers)
      if (b.id == id) return &b;
    return nullptr;
  }

  tern_transport_t transport() {
    tern_transport_t t{};
    t.connect = &fake_cluster::t_connect;
    t.send = &fake_cluster::t_send;
    t.recv = &fake_cluster::t_recv;
    t.close = &fake_cluster::t_close;
    t.ctx = this;
    return t;
  }
  tern_clock_t clock() {
    tern_clock_t c{};
    c.now_ms = [](void* ctx) { return static_cast<fake_cluster*>(ctx)->now; };
    c.sleep_ms = [](void* ctx, std::uint32_t ms) { static_cast<fake_cluster*>(ctx)->now += ms; };
    c.ctx = this;
    return c;
  }

 private:
  std::int32_t _conn = -1;  // broker id of the open connection
  bool _silent = false;     // a dropped response: the connection never answers again
  bytes _in;
  bytes _out;

  static int32_t t_connect(void* ctx, const char* host, uint16_t port) {
    auto* f = static_cast<fake_cluster*>(ctx);
    f->_conn = -1;
    f->_in.clear();
    f->_out.clear();
    f->_silent = false;
    for (auto& b : f->brokers) {
      if (b.host == host && b.port == port && b.up) {
        f->_conn = b.id;
        f->connects++;
        return 0;
      }
    }
    return -1;
  }
  static void t_close(void* ctx) {
    auto* f = static_cast<fake_cluster*>(ctx);
    f->_conn = -1;
    f->_in.clear();
    f->_out.clear();
  }
  bool alive() {
    fake_broker* b = broker(_conn);
    return _conn >= 0 && b != nullptr && b->up;
  }
  static int32_t t_send(void* ctx, const uint8_t* data, size_t len) {
    auto* f = static_cast<fake_cluster*>(ctx);
    if (!f->alive()) return -1;
    f->_in.insert(f->_in.end(), data, data + len);
    f->process();
    return static_cast<int32_t>(len);
  }
  static int32_t t_recv(void* ctx, uint8_t* buf, size_t len) {
    auto* f = static_cast<fake_cluster*>(ctx);
    if (!f->alive()) return -1;
    if (f->_out.empty()) {
      f->now += 5;
      return 0;
    }
    size_t n = std::min(len, f->_out.size());
    std::memcpy(buf, f->_out.data(), n);
    f->_out.erase(f->_out.begin(), f->_out.begin() + static_cast<std::ptrdiff_t>(n));
    return static_cast<int32_t>(n);
  }

  void process() {
    while (_in.size() >= 4 && _conn >= 0) {
      std::uint32_t size = (std::uint32_t(_in[0]) << 24) | (std::uint32_t(_in[1]) << 16) |
                           (std::uint32_t(_in[2]) << 8) | _in[3];
      if (_in.size() < 4 + size) return;
      bytes frame(_in.begin() + 4, _in.begin() + 4 + size);
      _in.erase(_in.begin(), _in.begin() + 4 + size);
      handle(frame);
    }
  }

  void reply(std::int16_t key, std::int32_t corr, const bytes& body) {
    bytes frame = response_frame(corr, body);
    if (mangle) mangle(key, frame);
    if (!_silent) _out.insert(_out.end(), frame.begin(), frame.end());
  }

  void handle(const bytes& frame) {
    tern::wire::wire_reader r(tern::wire::bytes_view(frame.data(), frame.size()));
    tern::kafka::request_header h;
    if (!h.decode(r, 1)) throw std::runtime_error("fake cluster: bad request header");
    requests[h.api_key]++;
    switch (h.api_key) {
      case 18:
        return api_versions(h);
      case 3:
        return metadata(h, r);
      case 22:
        return init_producer_id(h, r);
      case 0:
        return produce(h, r);
      default:
        throw std::runtime_error("fake cluster: unexpected API " + std::to_string(h.api_key));
    }
  }

  void api_versions(const tern::kafka::request_header& h) {
    tern::kafka::api_versions_response resp;
    resp.api_keys = {
        {0, 3, produce_max_version}, {1, 4, 11}, {3, 0, metadata_max_version}, {18, 0, 3}};
    if (advertise_init_producer_id) resp.api_keys.push_back({22, 0, 1});
    reply(18, h.correlation_id,
          response_body([&](tern::wire::wire_writer& w) { resp.encode(w, h.api_version); }));
  }

  void metadata(const tern::kafka::request_header& h, tern::wire::wire_reader& r) {
    tern::kafka::metadata_request req;
    if (!req.decode(r, h.api_version)) throw std::runtime_error("fake: bad Metadata request");
    tern::kafka::metadata_response resp;
    for (auto& b : brokers) resp.brokers.push_back({b.id, b.host, b.port, std::nullopt});
    resp.cluster_id = "fake";
    resp.controller_id = brokers.front().id;
    std::vector<std::string> names;
    if (req.topics) {
      for (auto& t : *req.topics) names.push_back(t.name);
    } else {
      for (auto& [name, parts] : topics) names.push_back(name);
    }
    for (auto& name : names) {
      tern::kafka::metadata_response::topic t;
      t.name = name;
      auto it = topics.find(name);
      if (it == topics.end()) {
        t.error_code = 3;  // UNKNOWN_TOPIC_OR_PARTITION
      } else {
        for (std::size_t i = 0; i < it->second.size(); ++i) {
          std::int32_t leader = it->second[i].leader;
          t.partitions.push_back({static_cast<std::int16_t>(leader < 0 ? 5 : 0),
                                  static_cast<std::int32_t>(i),
                                  leader,
                                  {leader},
                                  {leader},
                                  {}});
        }
      }
      resp.topics.push_back(t);
    }
    reply(3, h.correlation_id,
          response_body([&](tern::wire::wire_writer& w) { resp.encode(w, h.api_version); }));
  }

  void init_producer_id(const tern::kafka::request_header& h, tern::wire::wire_reader& r) {
    tern::kafka::init_producer_id_request req;
    if (!req.decode(r, h.api_version)) throw std::runtime_error("fake: bad InitProducerId");
    if (req.transactional_id) throw std::runtime_error("fake: transactional id sent");
    tern::kafka::init_producer_id_response resp;
    if (!init_producer_id_errors.empty()) {
      resp.error_code = init_producer_id_errors.front();
      init_producer_id_errors.pop_front();
    } else {
      resp.producer_id = next_producer_id++;
      resp.producer_epoch = 0;
    }
    reply(22, h.correlation_id,
          response_body([&](tern::wire::wire_writer& w) { resp.encode(w, h.api_version); }));
  }

  std::int16_t append(const std::string& topic, std::int32_t index, tern::wire::bytes_view records,
                      std::int64_t& base_offset) {
    namespace rb = tern::record_batch;
    fake_partition& part = topics[topic][static_cast<std::size_t>(index)];
    std::vector<rb::bytes_view> batches;
    if (rb::split(records, batches) || batches.size() != 1) return 2;  // CORRUPT_MESSAGE
    rb::batch_header hdr;
    if (rb::validate(batches[0], hdr)) return 2;
    std::vector<rb::record> recs;
    if (rb::decode_records(batches[0], recs)) return 2;
    if (hdr.producer_id >= 0) {
      auto key = std::make_tuple(hdr.producer_id, topic, index);
      producer_state& ps = pstate[key];
      std::int32_t first = hdr.base_sequence;
      std::int32_t last = first + hdr.record_count - 1;
      if (first == ps.last_first && last == ps.last_last) {
        base_offset = ps.last_offset;
        return duplicate_as_error ? 46 : 0;
      }
      if (first != ps.next_seq) return 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
      ps.next_seq = last + 1;
      ps.last_first = first;
      ps.last_last = last;
      ps.last_offset = static_cast<std::int64_t>(part.log.size());
    }
    base_offset = static_cast<std::int64_t>(part.log.size());
    for (auto& rec : recs) {
      stored_record s;
      s.offset = static_cast<std::int64_t>(part.log.size());
      s.timestamp = rec.timestamp;
      if (rec.key) s.key = std::string(rec.key->begin(), rec.key->end());
      if (rec.value) s.value = std::string(rec.value->begin(), rec.value->end());
      for (auto& hd : rec.headers) {
        s.headers.emplace_back(hd.key, hd.value ? std::optional<std::string>(std::string(
                                                      hd.value->begin(), hd.value->end()))
                                                : std::nullopt);
      }
      part.log.push_back(s);
    }
    part.batch_sizes.push_back(recs.size());
    return 0;
  }

  void produce(const tern::kafka::request_header& h, tern::wire::wire_reader& r) {
    tern::kafka::produce_request req;
    if (!req.decode(r, h.api_version)) throw std::runtime_error("fake: bad Produce request");
    if (close_before_produce > 0) {
      close_before_produce--;
      _conn = -1;
      return;
    }
    produce_acks.push_back(req.acks);
    tern::kafka::produce_response resp;
    resp.throttle_time_ms = throttle_ms;
    produce_log.emplace_back();
    for (auto& t : req.topic_data) {
      tern::kafka::produce_response::topic rt;
      rt.name = t.name;
      for (auto& p : t.partition_data) {
        tern::kafka::produce_response::partition rp;
        rp.index = p.index;
        produce_log.back().emplace_back(t.name, p.index, 0);
        auto it = topics.find(t.name);
        auto inject = produce_errors.find({t.name, p.index});
        if (it == topics.end() || p.index < 0 ||
            static_cast<std::size_t>(p.index) >= it->second.size()) {
          rp.error_code = 3;
        } else if (it->second[static_cast<std::size_t>(p.index)].leader != _conn) {
          rp.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
        } else if (inject != produce_errors.end() && !inject->second.empty()) {
          rp.error_code = inject->second.front();
          inject->second.pop_front();
        } else if (!p.records) {
          rp.error_code = 2;
        } else {
          std::int64_t base = -1;
          rp.error_code = append(t.name, p.index, *p.records, base);
          rp.base_offset = rp.error_code == 0 || rp.error_code == 46 ? base : -1;
          if (rp.error_code == 0) {
            std::get<2>(produce_log.back().back()) =
                it->second[static_cast<std::size_t>(p.index)].batch_sizes.back();
          }
        }
        rt.partition_responses.push_back(rp);
      }
      resp.responses.push_back(rt);
    }
    if (req.acks == 0) return;
    if (close_after_produce > 0) {
      close_after_produce--;
      _conn = -1;
      return;
    }
    if (drop_produce_responses > 0) {
      drop_produce_responses--;
      _silent = true;
    }
    reply(0, h.correlation_id,
          response_body([&](tern::wire::wire_writer& w) { resp.encode(w, h.api_version); }));
  }

  std::map<std::tuple<std::int64_t, std::string, std::int32_t>, producer_state> pstate;
};

}  // namespace fwtest
