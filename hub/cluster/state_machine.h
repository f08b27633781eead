#pragma once
// What the metadata quorum replicates into: a deterministic state machine fed the committed
// entries of the Raft log, in log order, on every voter. The quorum (cluster/quorum.h) owns the
// Raft instance and calls this; the metadata image (cluster/metadata_image.h) implements it.
//
// Threads: every call runs on the io_context thread that runs the quorum.
// Determinism: apply() must depend only on the entry bytes and the state before it (no clock, no
// randomness, no local configuration): every voter must reach the same state.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

namespace tern::cluster {

class state_machine {
 public:
  virtual ~state_machine() = default;
  // Applies one committed entry (the bytes a leader proposed), `index` its Raft log index
  // (strictly increasing across calls, with gaps where Raft has its own entries). An entry that
  // does not decode is skipped by the machine (and logged): a newer Tern's record must not stop an
  // older voter. Never fails.
  virtual void apply(std::span<const std::uint8_t> entry, std::uint64_t index) = 0;
  // The whole state as bytes, for a Raft snapshot (restore() must accept exactly this).
  virtual std::vector<std::uint8_t> snapshot() const = 0;
  // Replaces the whole state with a snapshot's. Errors: cluster_errc::malformed_entry (the state
  // is then unchanged).
  virtual std::error_code restore(std::span<const std::uint8_t> snapshot) = 0;
};

}  // namespace tern::cluster
