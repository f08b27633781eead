#pragma once
// The metadata quorum engine every controller voter runs: Raft (libraft 0.22.1, cowsql/raft) on
// our Asio loop, its log in LMDB (raft_storage.h), TCP between voters (raft_transport.h). It
// feeds committed entries, in log order, to a state_machine (state_machine.h).
//
// Design
// - libraft is driven through its legacy `struct raft_io` interface, not the io-less
//   raft_step() core. Why: in 0.22.1 the legacy layer is the one production users (dqlite,
//   cowsql) run; it keeps the in-memory log cache, applies committed entries to the FSM, takes
//   snapshots by threshold/trailing, and fails pending proposals on leadership loss. With
//   raft_step() all of that (and the entry cache AppendEntries are built from) would be ours to
//   write. The raft_io callbacks map one-to-one onto Asio: a timer ticks every heartbeat, sends
//   go to the transport, appends to a storage worker whose completions are posted back.
//   raft.h does not compile as C++, so raft_shim.c (C) owns the struct raft (raft_shim.h).
// - Pre-vote is on. libraft's leader steps down when an election timeout passes without a
//   majority answering (timeout.c, checkContactQuorum); on top of that, propose() refuses with
//   no_quorum when this leader has not heard from a majority within election_timeout_ms
//   (monotonic clock), so a partitioned leader never acknowledges in the window before it steps
//   down. Entries are only reported persisted after their fsync'd commit, and term and vote are
//   committed before libraft sends anything that depends on them.
// - Raft server ids are node_id + 1 (Kafka node ids start at 0; Raft's 0 means "none").
// - Storage failure is fail-stop: libraft (legacy) cannot take an I/O error from set_term,
//   append or snapshot_put (it asserts), so on one this node logs, stops sending anything and
//   refuses proposals with io_error; it no longer counts toward any majority. Restart it.
// - Snapshots travel in one InstallSnapshot frame: a state machine snapshot over
//   raft_snapshot_size_max_bytes (~16 MiB) is not taken (logged) and cannot be sent.
//
// Threads: every call, callback, and state_machine call runs on the io_context's thread; the
// one exception is the storage worker thread (LMDB writes only). Never call stop() from inside
// a state_machine call.
// Errors: start() returns io_error (storage: damaged, alien or unwritable dir, logged),
// std::errc::invalid_argument (options: node not a voter, bad ids, host/port), the bind error,
// or malformed_entry (a stored snapshot the state machine refuses). propose()'s done gets
// not_leader (another voter leads: ask it), no_quorum (no leader known, or this leader lost
// contact with a majority), shutting_down, entry_too_large (> raft_entry_size_max_bytes), or
// io_error (fail-stopped). Getters never fail.
// Lifetimes: callbacks may be called until stop() returns, never after; the span handed to the
// message handler is valid during the call only. A quorum is started at most once.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include "cluster/raft_transport.h"
#include "cluster/state_machine.h"

namespace tern::cluster {

struct quorum_voter {
  std::int32_t node_id = 0;
  std::string host;
  std::uint16_t port = 0;
};

struct quorum_options {
  std::int32_t node_id = 0;              // must be one of voters
  std::vector<quorum_voter> voters;      // the same list on every node (controller.quorum.voters)
  std::string dir;                       // LMDB env for term/vote/log/snapshot
  std::string quorum_id;                 // e.g. a hash of the voter list; hello must match
  std::int64_t election_timeout_ms = 1000;
  std::int64_t heartbeat_interval_ms = 100;
  std::uint32_t snapshot_threshold = 1024;   // entries between snapshots
  std::uint32_t snapshot_trailing = 128;
  std::string listen_host;                   // default: this voter's host; port 0 allowed in tests
  std::uint64_t map_size_bytes = 256ull << 20;  // the LMDB map of dir
  raft_transport_security security;             // TLS between voters (raft_transport.h)
};

struct voter_status {
  std::int32_t node_id = 0;
  bool is_leader = false;
  bool connected = false;              // as seen from this node (itself: true)
  std::uint64_t match_index = 0;       // leader's view (0 when this node is not leader / unknown)
  std::int64_t last_contact_ms_ago = -1;  // -1 unknown (itself: 0)
};

class quorum {
 public:
  quorum(asio::io_context& io, quorum_options options, state_machine& machine);
  ~quorum();  // stops if running
  quorum(const quorum&) = delete;
  quorum& operator=(const quorum&) = delete;

  // Opens storage, bootstraps the voter configuration on a pristine dir (every voter bootstraps
  // the same list), restores the latest snapshot and replays nothing else (libraft applies
  // committed entries as the commit index becomes known), binds the listener, starts Raft.
  std::error_code start();
  std::uint16_t bound_port() const;
  // Closes connections, stops Raft and the worker. Pending proposals get shutting_down.
  void stop();

  // Proposes an entry; `done` runs on the io thread once the entry is committed AND applied to
  // the local state machine (error empty), or with not_leader / no_quorum / shutting_down /
  // entry_too_large / io_error. If leadership is lost before commit, done gets not_leader (the
  // entry may still commit later: callers must make entries idempotent or re-check the state).
  // `done` never runs inside propose().
  void propose(std::vector<std::uint8_t> entry, std::function<void(std::error_code)> done);
  bool is_leader() const;
  std::int32_t leader_id() const;  // -1 when unknown
  std::uint64_t current_term() const;
  std::uint64_t commit_index() const;
  std::uint64_t last_applied() const;
  std::vector<voter_status> status() const;

  // Application messages (<= raft_entry_size_max_bytes, 1 MiB) to another voter; dropped if not
  // connected / queue full / too large.
  void send_message(std::int32_t to_node, std::vector<std::uint8_t> payload);
  void set_message_handler(std::function<void(std::int32_t from, std::span<const std::uint8_t>)> h);
  // Called on the io thread whenever leadership or the known leader changes (posted, never from
  // inside Raft).
  void set_leader_listener(std::function<void(bool is_leader, std::int32_t leader_id)> l);

  struct impl;

 private:
  std::unique_ptr<impl> _impl;
};

}  // namespace tern::cluster
