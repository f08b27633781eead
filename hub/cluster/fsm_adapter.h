#pragma once
// Drives a state_machine from libraft's legacy API: a `struct raft_fsm` whose apply, snapshot
// and restore callbacks forward to the machine. Used by the quorum (raft_init) and by the tests
// that run the image on raft/fixture.h. raft.h stays out of this header: it does not compile as
// C++ (its static asserts define types inside sizeof), so only fsm_adapter.cpp includes it,
// behind a shim.
//
// Why bind(): the legacy apply callback carries no log index, and the image needs one (broker
// epochs are entry indexes). During apply, libraft has not yet advanced last_applied, so the
// entry's index is raft_last_applied(r) + 1 (true also after a snapshot restore, which sets
// last_applied to the snapshot's index).
//
// Threads: every callback runs on the thread that drives the raft instance. Errors: apply never
// fails (the machine skips what it cannot apply); snapshot fails only with RAFT_NOMEM; restore of
// bytes the machine rejects returns RAFT_MALFORMED (the machine is unchanged, and the buffer stays
// libraft's). Lifetimes: fsm() is valid for the adapter's lifetime; the adapter must outlive the
// raft instance it was given to, and the machine must outlive the adapter.
#include <memory>

#include "cluster/state_machine.h"

struct raft;
struct raft_fsm;

namespace tern::cluster {

class fsm_adapter {
 public:
  explicit fsm_adapter(state_machine& machine);
  ~fsm_adapter();
  fsm_adapter(const fsm_adapter&) = delete;
  fsm_adapter& operator=(const fsm_adapter&) = delete;

  // The struct to hand to raft_init / raft_fixture_grow.
  raft_fsm* fsm() { return _fsm.get(); }
  // The raft instance this fsm was given to; must be called before its first apply.
  void bind(raft* r) { _raft = r; }

  state_machine& machine() { return _machine; }
  raft* bound() const { return _raft; }

 private:
  state_machine& _machine;
  raft* _raft = nullptr;
  std::unique_ptr<raft_fsm> _fsm;
};

}  // namespace tern::cluster
