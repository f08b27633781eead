#include "cluster/raft_codec.h"

#include "cluster/errors.h"
#include "tern/common/check.h"

namespace tern::cluster {
namespace {

void put_u64(wire::wire_writer& w, std::uint64_t v) { w.i64(static_cast<std::int64_t>(v)); }
std::uint64_t get_u64(wire::wire_reader& r) { return static_cast<std::uint64_t>(r.i64()); }
std::uint8_t get_u8(wire::wire_reader& r) { return static_cast<std::uint8_t>(r.i8()); }
std::uint16_t get_u16(wire::wire_reader& r) { return static_cast<std::uint16_t>(r.i16()); }
void put_u8(wire::wire_writer& w, std::uint8_t v) { w.i8(static_cast<std::int8_t>(v)); }
void put_u16(wire::wire_writer& w, std::uint16_t v) { w.i16(static_cast<std::int16_t>(v)); }

std::error_code malformed() { return cluster_errc::malformed_entry; }

void encode_entries(const tern_raft_msg& m, wire::wire_writer& w) {
  w.u32(m.n_entries);
  for (unsigned i = 0; i < m.n_entries; ++i) {
    const tern_raft_entry& e = m.entries[i];
    put_u64(w, e.term);
    put_u8(w, static_cast<std::uint8_t>(e.type));
    w.u32(static_cast<std::uint32_t>(e.len));
    w.raw({e.data, e.len});
  }
}

std::error_code decode_entries(wire::wire_reader& r, raft_wire_message& out) {
  std::uint32_t n = r.u32();
  constexpr std::size_t entry_header_bytes = 13;
  if (r.failed() || n > r.remaining() / entry_header_bytes) return malformed();
  out.entries.resize(n);
  for (auto& e : out.entries) {
    e.term = get_u64(r);
    e.type = get_u8(r);
    std::uint32_t len = r.u32();
    if (r.failed() || e.type < TERN_RAFT_COMMAND || e.type > TERN_RAFT_CHANGE ||
        len > raft_entry_size_max_bytes) {
      return malformed();
    }
    auto data = r.raw(len);
    if (r.failed()) return malformed();
    e.data = data.data();
    e.len = data.size();
  }
  out.msg.entries = out.entries.data();
  out.msg.n_entries = n;
  return {};
}

void encode_snapshot(const tern_raft_msg& m, wire::wire_writer& w) {
  put_u64(w, m.snapshot.index);
  put_u64(w, m.snapshot.term);
  put_u64(w, m.snapshot.conf_index);
  auto records = server_records(m.snapshot.servers, m.snapshot.n_servers);
  encode_configuration(w, records);
  w.u32(static_cast<std::uint32_t>(m.data_len));
  w.raw({m.data, m.data_len});
}

std::error_code decode_snapshot(wire::wire_reader& r, raft_wire_message& out) {
  out.msg.snapshot.index = get_u64(r);
  out.msg.snapshot.term = get_u64(r);
  out.msg.snapshot.conf_index = get_u64(r);
  if (auto ec = decode_configuration(r, out.servers)) return ec;
  out.flat = flat_servers(out.servers);
  out.msg.snapshot.servers = out.flat.data();
  out.msg.snapshot.n_servers = static_cast<unsigned>(out.flat.size());
  std::uint32_t len = r.u32();
  if (r.failed() || len > raft_snapshot_size_max_bytes) return malformed();
  auto data = r.raw(len);
  if (r.failed()) return malformed();
  out.msg.data = data.data();
  out.msg.data_len = data.size();
  return {};
}

void encode_fields(const tern_raft_msg& m, wire::wire_writer& w) {
  switch (m.type) {
    case TERN_RAFT_MSG_REQUEST_VOTE:
      put_u64(w, m.candidate_id);
      put_u64(w, m.last_log_index);
      put_u64(w, m.last_log_term);
      put_u8(w, static_cast<std::uint8_t>((m.disrupt_leader ? 1 : 0) | (m.pre_vote ? 2 : 0)));
      break;
    case TERN_RAFT_MSG_REQUEST_VOTE_RESULT:
      put_u8(w, static_cast<std::uint8_t>((m.vote_granted ? 1 : 0) | (m.pre_vote ? 2 : 0)));
      put_u16(w, m.features);
      put_u16(w, m.capacity);
      break;
    case TERN_RAFT_MSG_APPEND_ENTRIES:
      put_u64(w, m.prev_log_index);
      put_u64(w, m.prev_log_term);
      put_u64(w, m.leader_commit);
      encode_entries(m, w);
      break;
    case TERN_RAFT_MSG_APPEND_ENTRIES_RESULT:
      put_u64(w, m.rejected);
      put_u64(w, m.last_log_index);
      put_u16(w, m.features);
      put_u16(w, m.capacity);
      break;
    case TERN_RAFT_MSG_INSTALL_SNAPSHOT:
      encode_snapshot(m, w);
      break;
    case TERN_RAFT_MSG_TIMEOUT_NOW:
      put_u64(w, m.last_log_index);
      put_u64(w, m.last_log_term);
      break;
    default:
      TERN_ASSERT(false && "unknown raft message type");
  }
}

std::error_code decode_fields(wire::wire_reader& r, raft_wire_message& out) {
  tern_raft_msg& m = out.msg;
  std::uint8_t flags = 0;
  switch (m.type) {
    case TERN_RAFT_MSG_REQUEST_VOTE:
      m.candidate_id = get_u64(r);
      m.last_log_index = get_u64(r);
      m.last_log_term = get_u64(r);
      flags = get_u8(r);
      m.disrupt_leader = (flags & 1) != 0;
      m.pre_vote = (flags & 2) != 0;
      return {};
    case TERN_RAFT_MSG_REQUEST_VOTE_RESULT:
      flags = get_u8(r);
      m.vote_granted = (flags & 1) != 0;
      m.pre_vote = (flags & 2) != 0;
      m.features = get_u16(r);
      m.capacity = get_u16(r);
      return {};
    case TERN_RAFT_MSG_APPEND_ENTRIES:
      m.prev_log_index = get_u64(r);
      m.prev_log_term = get_u64(r);
      m.leader_commit = get_u64(r);
      return decode_entries(r, out);
    case TERN_RAFT_MSG_APPEND_ENTRIES_RESULT:
      m.rejected = get_u64(r);
      m.last_log_index = get_u64(r);
      m.features = get_u16(r);
      m.capacity = get_u16(r);
      return {};
    case TERN_RAFT_MSG_INSTALL_SNAPSHOT:
      return decode_snapshot(r, out);
    case TERN_RAFT_MSG_TIMEOUT_NOW:
      m.last_log_index = get_u64(r);
      m.last_log_term = get_u64(r);
      return {};
    default:
      return malformed();
  }
}

}  // namespace

void encode_configuration(wire::wire_writer& w, std::span<const raft_server_record> servers) {
  TERN_ASSERT(servers.size() <= raft_voters_max);
  put_u16(w, static_cast<std::uint16_t>(servers.size()));
  for (const auto& s : servers) {
    TERN_ASSERT(s.address.size() <= raft_address_size_max_bytes);
    put_u64(w, s.id);
    put_u8(w, static_cast<std::uint8_t>(s.role));
    put_u16(w, static_cast<std::uint16_t>(s.address.size()));
    w.raw({reinterpret_cast<const std::uint8_t*>(s.address.data()), s.address.size()});
  }
}

std::error_code decode_configuration(wire::wire_reader& r, std::vector<raft_server_record>& out) {
  std::uint16_t n = get_u16(r);
  if (r.failed() || n > raft_voters_max) return malformed();
  out.assign(n, {});
  for (auto& s : out) {
    s.id = get_u64(r);
    s.role = get_u8(r);
    std::uint16_t len = get_u16(r);
    if (r.failed() || s.id == 0 || s.role > TERN_RAFT_SPARE ||
        len > raft_address_size_max_bytes) {
      return malformed();
    }
    auto bytes = r.raw(len);
    if (r.failed()) return malformed();
    s.address.assign(bytes.begin(), bytes.end());
    if (s.address.find('\0') != std::string::npos) return malformed();
  }
  return {};
}

std::vector<tern_raft_server> flat_servers(const std::vector<raft_server_record>& records) {
  std::vector<tern_raft_server> out;
  out.reserve(records.size());
  for (const auto& s : records) out.push_back({s.id, s.address.c_str(), s.role});
  return out;
}

std::vector<raft_server_record> server_records(const tern_raft_server* servers, unsigned n) {
  std::vector<raft_server_record> out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    out.push_back({servers[i].id, servers[i].address ? servers[i].address : "", servers[i].role});
  }
  return out;
}

void encode_raft_message(const tern_raft_msg& m, wire::wire_writer& w) {
  put_u8(w, static_cast<std::uint8_t>(m.type));
  put_u8(w, m.version);
  put_u64(w, m.term);
  encode_fields(m, w);
}

std::error_code decode_raft_message(std::span<const std::uint8_t> body, raft_wire_message& out) {
  wire::wire_reader r(body);
  out.msg = tern_raft_msg{};
  out.msg.type = get_u8(r);
  out.msg.version = get_u8(r);
  out.msg.term = get_u64(r);
  if (r.failed()) return malformed();
  if (auto ec = decode_fields(r, out)) return ec;
  if (r.failed() || r.remaining() != 0) return malformed();
  return {};
}

}  // namespace tern::cluster
