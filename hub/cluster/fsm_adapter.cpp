#include "cluster/fsm_adapter.h"

#include "tern/common/check.h"
#include <cstdint>
#include <cstring>
#include <vector>

// raft.h's ABI static asserts take sizeof of an anonymous struct, which C++ rejects. The structs
// themselves are plain C: drop those asserts (C builds of libraft check them) and keep the rest.
#undef __cpp_static_assert
#define _Static_assert(cond, msg) static_assert(true, msg)
extern "C" {
#include <raft.h>
}
#undef _Static_assert

namespace tern::cluster {
namespace {

fsm_adapter& adapter_of(raft_fsm* fsm) { return *static_cast<fsm_adapter*>(fsm->data); }

int fsm_apply(raft_fsm* fsm, const raft_buffer* buf, void** result) {
  fsm_adapter& self = adapter_of(fsm);
  TERN_ASSERT(self.bound() != nullptr);  // bind() before the raft instance starts
  const raft_index index = raft_last_applied(self.bound()) + 1;
  self.machine().apply({static_cast<const std::uint8_t*>(buf->base), buf->len}, index);
  *result = nullptr;
  return 0;
}

int fsm_snapshot(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
  std::vector<std::uint8_t> bytes = adapter_of(fsm).machine().snapshot();
  // libraft frees these with raft_free (we set no snapshot_finalize).
  auto* out = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  if (!out) return RAFT_NOMEM;
  out->len = bytes.size();
  out->base = raft_malloc(bytes.empty() ? 1 : bytes.size());
  if (!out->base) {
    raft_free(out);
    return RAFT_NOMEM;
  }
  if (!bytes.empty()) std::memcpy(out->base, bytes.data(), bytes.size());
  *bufs = out;
  *n_bufs = 1;
  return 0;
}

int fsm_restore(raft_fsm* fsm, raft_buffer* buf) {
  std::error_code ec = adapter_of(fsm).machine().restore(
      {static_cast<const std::uint8_t*>(buf->base), buf->len});
  if (ec) return RAFT_MALFORMED;
  // On success the FSM owns the snapshot data (libraft's contract, as in its own test FSM).
  raft_free(buf->base);
  return 0;
}

}  // namespace

fsm_adapter::fsm_adapter(state_machine& machine)
    : _machine(machine), _fsm(std::make_unique<raft_fsm>()) {
  std::memset(_fsm.get(), 0, sizeof(raft_fsm));
  _fsm->version = 1;
  _fsm->data = this;
  _fsm->apply = fsm_apply;
  _fsm->snapshot = fsm_snapshot;
  _fsm->restore = fsm_restore;
}

fsm_adapter::~fsm_adapter() = default;

}  // namespace tern::cluster
