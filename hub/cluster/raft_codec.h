#pragma once
// The quorum's byte formats: Raft messages between voters (our own compact encoding, big-endian,
// one message per frame body) and the voter configuration as stored with a snapshot. Pure
// functions over buffers: no sockets, no Raft instance, no allocation through libraft.
//
// Message body: type u8 | version u8 | term u64 | the type's fields (see raft_codec.cpp). An
// AppendEntries carries count u32 then per entry term u64, type u8, length u32, bytes; an
// InstallSnapshot carries the configuration (below) and the snapshot bytes (length u32).
// Configuration: count u16 | per server: id u64, role u8, address length u16, address bytes.
//
// Threads: any; no shared state.
// Errors: decode_* return cluster_errc::malformed_entry for anything that does not decode within
// the bounds below (short input, a count or length over its limit, an unknown type, trailing
// bytes); the output is then unspecified. Encoders cannot fail.
// Lifetimes: a decoded raft_wire_message's pointers (entries' data, the snapshot bytes) point
// into the decoded buffer, and its server records into the message itself: keep both alive and
// unmoved while using msg.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "cluster/raft_shim.h"
#include "tern/common/wire.h"

namespace tern::cluster {

inline constexpr std::size_t raft_entry_size_max_bytes = 1u << 20;    // a proposed entry
inline constexpr std::size_t raft_frame_size_max_bytes = 16u << 20;   // one transport frame
inline constexpr std::size_t raft_voters_max = 64;
inline constexpr std::size_t raft_address_size_max_bytes = 255;
// What fits in one frame besides the InstallSnapshot header and configuration.
inline constexpr std::size_t raft_snapshot_size_max_bytes = raft_frame_size_max_bytes - (64u << 10);
static_assert(raft_entry_size_max_bytes < raft_frame_size_max_bytes);

struct raft_server_record {
  std::uint64_t id = 0;
  std::string address;
  int role = TERN_RAFT_VOTER;
  bool operator==(const raft_server_record&) const = default;
};

void encode_configuration(wire::wire_writer& w, std::span<const raft_server_record> servers);
std::error_code decode_configuration(wire::wire_reader& r, std::vector<raft_server_record>& out);

// Borrowed views of records as the shim's flat servers (valid while `records` lives).
std::vector<tern_raft_server> flat_servers(const std::vector<raft_server_record>& records);
std::vector<raft_server_record> server_records(const tern_raft_server* servers, unsigned n);

struct raft_wire_message {
  tern_raft_msg msg{};
  std::vector<tern_raft_entry> entries;
  std::vector<raft_server_record> servers;
  std::vector<tern_raft_server> flat;
  raft_wire_message() = default;
  raft_wire_message(const raft_wire_message&) = delete;  // msg points into the vectors
  raft_wire_message& operator=(const raft_wire_message&) = delete;
};

// Appends the message body (type byte first) to w. The server id is not encoded: the
// connection's hello names the sender.
void encode_raft_message(const tern_raft_msg& m, wire::wire_writer& w);
std::error_code decode_raft_message(std::span<const std::uint8_t> body, raft_wire_message& out);

}  // namespace tern::cluster
