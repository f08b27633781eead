#include "cluster/quorum.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <random>

#include "app/log.h"
#include "cluster/errors.h"
#include "cluster/raft_codec.h"
#include "cluster/raft_shim.h"
#include "cluster/raft_storage.h"
#include "cluster/raft_transport.h"
#include "tern/common/check.h"

namespace tern::cluster {
namespace {

constexpr std::uint8_t app_message_kind = 0x40;  // frame bodies 1..6 are Raft messages

std::uint64_t raft_id_of(std::int32_t node_id) { return static_cast<std::uint64_t>(node_id) + 1; }
std::int32_t node_of(std::uint64_t raft_id) { return static_cast<std::int32_t>(raft_id) - 1; }

std::error_code error_of_status(int status, bool stopping) {
  switch (status) {
    case 0: return {};
    case TERN_RAFT_ENOTLEADER:
    case TERN_RAFT_ELEADERSHIPLOST:
      return stopping ? cluster_errc::shutting_down : cluster_errc::not_leader;
    case TERN_RAFT_ESHUTDOWN:
    case TERN_RAFT_ECANCELED: return cluster_errc::shutting_down;
    case TERN_RAFT_ETOOBIG: return cluster_errc::entry_too_large;
    default: return cluster_errc::io_error;
  }
}

}  // namespace

struct quorum::impl {
  impl(asio::io_context& io_context, quorum_options o, state_machine& m)
      : io(io_context), options(std::move(o)), machine(m), tick_timer(io_context),
        rng(std::random_device{}()) {}

  asio::io_context& io;
  quorum_options options;
  state_machine& machine;
  raft_storage storage;
  raft_storage_worker worker;
  std::unique_ptr<raft_transport> transport;
  tern_raft* raft = nullptr;
  asio::steady_timer tick_timer;
  unsigned tick_ms = 100;
  std::mt19937 rng;
  // Posted handlers hold a weak_ptr: they do nothing once the quorum is gone.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
  std::map<std::uint64_t, tern_raft_op*> ops;  // outstanding raft_io requests by sequence
  std::uint64_t next_op = 1;
  std::uint64_t next_index = 1;  // where the next append goes
  bool running = false;
  bool starting = false;
  bool stopping = false;
  bool failed = false;
  bool last_is_leader = false;
  std::int32_t last_leader = -1;
  std::vector<std::string> addresses;  // raft address per voter (kept alive for raft)
  std::function<void(std::int32_t, std::span<const std::uint8_t>)> message_handler;
  std::function<void(bool, std::int32_t)> leader_listener;

  // ---- helpers ----
  template <typename F>
  void post(F f) {
    asio::post(io, [w = std::weak_ptr<bool>(alive), f = std::move(f)]() mutable {
      if (w.lock()) f();
    });
  }

  std::uint64_t add_op(tern_raft_op* op) {
    std::uint64_t seq = next_op++;
    ops[seq] = op;
    return seq;
  }

  void complete(std::uint64_t seq, int status) {
    auto it = ops.find(seq);
    if (it == ops.end()) return;  // completed with CANCELED by close
    tern_raft_op* op = it->second;
    ops.erase(it);
    tern_raft_op_done(op, status);
    after_raft();
  }

  void fail_stop(std::string_view what, std::error_code ec) {
    if (!failed) {
      log::error("quorum: ", what, " failed (", ec.message(), "): this voter stops taking part ",
                 "in the quorum until restarted");
    }
    failed = true;
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  bool has_majority_contact() const {
    std::size_t contacts = 1;  // itself
    for (const auto& v : options.voters) {
      if (v.node_id == options.node_id) continue;
      auto ago = transport->last_contact_ms_ago(v.node_id);
      if (ago >= 0 && ago <= options.election_timeout_ms) ++contacts;
    }
    return contacts > options.voters.size() / 2;
  }

  // Runs after every call into Raft: reports leadership changes (posted, outside Raft).
  void after_raft() {
    if (raft == nullptr || stopping) return;
    tern_raft_fire_completed(raft);
    bool leader = tern_raft_state(raft) == TERN_RAFT_LEADER;
    std::uint64_t id = tern_raft_leader(raft);
    std::int32_t leader_node = id == 0 ? -1 : node_of(id);
    if (leader == last_is_leader && leader_node == last_leader) return;
    if (leader != last_is_leader) {
      log::info("quorum: node ", options.node_id, leader ? " became leader" : " is no longer leader",
                " in term ", tern_raft_term(raft));
    }
    last_is_leader = leader;
    last_leader = leader_node;
    post([this, leader, leader_node] {
      if (leader_listener && !stopping) leader_listener(leader, leader_node);
    });
  }

  void schedule_tick() {
    tick_timer.expires_after(std::chrono::milliseconds(tick_ms));
    tick_timer.async_wait([this, w = std::weak_ptr<bool>(alive)](std::error_code ec) {
      if (ec || !w.lock() || raft == nullptr || stopping) return;
      tern_raft_tick(raft);
      after_raft();
      schedule_tick();
    });
  }

  // ---- frames from peers ----
  bool on_frame(std::int32_t from, std::span<const std::uint8_t> body) {
    if (body.empty()) return false;
    if (body[0] == app_message_kind) {
      if (body.size() - 1 > raft_entry_size_max_bytes) return false;
      if (message_handler) message_handler(from, body.subspan(1));
      return true;
    }
    raft_wire_message m;
    if (decode_raft_message(body, m)) return false;
    if (raft == nullptr || failed || stopping) return true;
    m.msg.server_id = raft_id_of(from);
    tern_raft_receive(raft, &m.msg);
    after_raft();
    return true;
  }

  // ---- raft_io hooks (called by raft_shim.c on the io thread) ----
  static impl& of(void* ctx) { return *static_cast<impl*>(ctx); }

  static int hook_bootstrap(void* ctx, const tern_raft_entry* first) {
    impl& self = of(ctx);
    bool pristine = false;
    if (self.storage.pristine(pristine)) return TERN_RAFT_EIOERR;
    if (!pristine) return TERN_RAFT_ECANTBOOTSTRAP;
    raft_log_entry e{first->term, first->type, {first->data, first->data + first->len}};
    if (self.storage.append(1, {&e, 1})) return TERN_RAFT_EIOERR;
    return 0;
  }

  static void hook_start(void* ctx, unsigned tick_ms) {
    impl& self = of(ctx);
    self.tick_ms = std::max(1u, tick_ms);
    self.schedule_tick();
  }

  // libraft (legacy) asserts on an error here, so a failure fail-stops instead; the durable
  // write precedes every send that depends on it because sends are muted once failed.
  static int hook_set_term(void* ctx, std::uint64_t term) {
    impl& self = of(ctx);
    if (auto ec = self.storage.set_term(term)) self.fail_stop("persisting the term", ec);
    return 0;
  }

  static int hook_set_vote(void* ctx, std::uint64_t id) {
    impl& self = of(ctx);
    if (auto ec = self.storage.set_vote(id)) self.fail_stop("persisting the vote", ec);
    return 0;
  }

  static void hook_send(void* ctx, const tern_raft_msg* msg, tern_raft_op* op) {
    impl& self = of(ctx);
    std::uint64_t seq = self.add_op(op);
    if (!self.failed && !self.stopping) self.send_raft(*msg);
    self.post([&self, seq] { self.complete(seq, 0); });
  }

  void send_raft(const tern_raft_msg& msg) {
    if (msg.type == TERN_RAFT_MSG_INSTALL_SNAPSHOT && msg.data_len > raft_snapshot_size_max_bytes) {
      log::error("quorum: snapshot of ", msg.data_len, " bytes is over the frame limit: not sent");
      return;
    }
    wire::wire_writer w;
    encode_raft_message(msg, w);
    transport->send(node_of(msg.server_id), w.contiguous());
  }

  static void hook_append(void* ctx, const tern_raft_entry* entries, unsigned n,
                          tern_raft_op* op) {
    impl& self = of(ctx);
    std::vector<raft_log_entry> copy;
    copy.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      copy.push_back({entries[i].term, entries[i].type,
                      {entries[i].data, entries[i].data + entries[i].len}});
    }
    std::uint64_t first = self.next_index;
    self.next_index += n;
    std::uint64_t seq = self.add_op(op);
    self.submit([&self, seq, first, copy = std::move(copy)] {
      auto ec = self.storage.append(first, copy);
      self.post([&self, seq, ec] { self.storage_done(seq, ec, "appending entries"); });
    });
  }

  // A storage job's completion on the io thread: a failure fail-stops and leaves the op pending
  // (libraft cannot take the error; close() cancels it).
  void storage_done(std::uint64_t seq, std::error_code ec, std::string_view what) {
    if (ec) {
      fail_stop(what, ec);
      return;
    }
    complete(seq, 0);
  }

  void submit(std::function<void()> run) { worker.submit({std::move(run), nullptr}); }

  static int hook_truncate(void* ctx, std::uint64_t index) {
    impl& self = of(ctx);
    if (index >= self.next_index) return 0;  // libraft truncates before every follower append
    self.next_index = index;
    self.submit([&self, index] {
      auto ec = self.storage.truncate(index);
      if (ec) self.post([&self, ec] { self.fail_stop("truncating the log", ec); });
    });
    return 0;
  }

  static void hook_snapshot_put(void* ctx, unsigned trailing, const tern_raft_snapshot_meta* meta,
                                const std::uint8_t* const* bufs, const std::size_t* lens,
                                unsigned n_bufs, tern_raft_op* op) {
    impl& self = of(ctx);
    raft_snapshot_record s;
    s.index = meta->index;
    s.term = meta->term;
    s.configuration = server_records(meta->servers, meta->n_servers);
    s.configuration_index = meta->conf_index;
    for (unsigned i = 0; i < n_bufs; ++i) s.data.insert(s.data.end(), bufs[i], bufs[i] + lens[i]);
    if (trailing == 0) self.next_index = meta->index + 1;  // an installed snapshot replaces the log
    std::uint64_t seq = self.add_op(op);
    self.submit([&self, seq, trailing, s = std::move(s)] {
      auto ec = self.storage.put_snapshot(s, trailing);
      self.post([&self, seq, ec] { self.storage_done(seq, ec, "storing a snapshot"); });
    });
  }

  static void hook_snapshot_get(void* ctx, tern_raft_op* op) {
    impl& self = of(ctx);
    std::uint64_t seq = self.add_op(op);
    self.submit([&self, seq] {
      auto s = std::make_shared<std::optional<raft_snapshot_record>>();
      auto ec = self.storage.get_snapshot(*s);
      self.post([&self, seq, ec, s] { self.snapshot_loaded(seq, ec, *s); });
    });
  }

  void snapshot_loaded(std::uint64_t seq, std::error_code ec,
                       const std::optional<raft_snapshot_record>& s) {
    auto it = ops.find(seq);
    if (it == ops.end()) return;
    tern_raft_op* op = it->second;
    ops.erase(it);
    if (ec || !s) {
      tern_raft_op_done(op, ec ? TERN_RAFT_EIOERR : 0);
    } else {
      auto flat = flat_servers(s->configuration);
      tern_raft_snapshot_meta meta{s->index, s->term, flat.data(),
                                   static_cast<unsigned>(flat.size()), s->configuration_index};
      tern_raft_op_done_snapshot(op, 0, &meta, s->data.data(), s->data.size());
    }
    after_raft();
  }

  static std::uint64_t hook_time(void* ctx) { return static_cast<std::uint64_t>(of(ctx).now_ms()); }

  static int hook_random(void* ctx, int min, int max) {
    if (max <= min) return min;
    return std::uniform_int_distribution<int>(min, max)(of(ctx).rng);
  }

  // Synchronous by contract (raft_shim.h): the worker stops (its running job finishes), then
  // every outstanding request is cancelled, then raft's close callback runs.
  static void hook_close(void* ctx, tern_raft_op* close_op) {
    impl& self = of(ctx);
    self.worker.stop();
    self.tick_timer.cancel();
    while (!self.ops.empty()) {
      auto it = self.ops.begin();
      tern_raft_op* op = it->second;
      self.ops.erase(it);
      tern_raft_op_done(op, TERN_RAFT_ECANCELED);
    }
    tern_raft_op_done(close_op, 0);
  }

  static void hook_apply(void* ctx, const std::uint8_t* data, std::size_t len, std::uint64_t index) {
    of(ctx).machine.apply({data, len}, index);
  }

  static int hook_take_snapshot(void* ctx, void** data, std::size_t* len) {
    impl& self = of(ctx);
    std::vector<std::uint8_t> bytes = self.machine.snapshot();
    if (bytes.size() > raft_snapshot_size_max_bytes) {
      log::error("quorum: state machine snapshot of ", bytes.size(), " bytes over the limit");
      return TERN_RAFT_ETOOBIG;
    }
    void* copy = tern_raft_alloc(bytes.size());
    if (copy == nullptr) return TERN_RAFT_ENOMEM;
    if (!bytes.empty()) std::memcpy(copy, bytes.data(), bytes.size());
    *data = copy;
    *len = bytes.size();
    return 0;
  }

  static int hook_restore(void* ctx, const std::uint8_t* data, std::size_t len) {
    impl& self = of(ctx);
    auto ec = self.machine.restore({data, len});
    if (!ec) return 0;
    log::error("quorum: the state machine refused a snapshot: ", ec.message());
    if (self.starting) return TERN_RAFT_ECORRUPT;
    // An installed snapshot that does not restore: libraft would assert on an error.
    self.fail_stop("restoring a snapshot", ec);
    return 0;
  }

  tern_raft_hooks hooks() {
    tern_raft_hooks h{};
    h.ctx = this;
    h.bootstrap = hook_bootstrap;
    h.start = hook_start;
    h.set_term = hook_set_term;
    h.set_vote = hook_set_vote;
    h.send = hook_send;
    h.append = hook_append;
    h.truncate = hook_truncate;
    h.snapshot_put = hook_snapshot_put;
    h.snapshot_get = hook_snapshot_get;
    h.time_ms = hook_time;
    h.random = hook_random;
    h.close = hook_close;
    h.apply = hook_apply;
    h.take_snapshot = hook_take_snapshot;
    h.restore = hook_restore;
    return h;
  }

  std::error_code validate() const;
  std::error_code start();
  std::error_code start_raft(const raft_persistent_state& state);
  void stop();
};

std::error_code quorum::impl::validate() const {
  bool found = false;
  std::vector<std::int32_t> ids;
  for (const auto& v : options.voters) {
    if (v.node_id < 0 || v.host.empty() || v.port == 0 ||
        v.host.size() > raft_address_size_max_bytes - 6) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    if (std::find(ids.begin(), ids.end(), v.node_id) != ids.end()) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    ids.push_back(v.node_id);
    found = found || v.node_id == options.node_id;
  }
  if (!found || options.voters.size() > raft_voters_max || options.dir.empty() ||
      options.quorum_id.size() > raft_quorum_id_size_max_bytes ||
      options.heartbeat_interval_ms <= 0 ||
      options.election_timeout_ms <= options.heartbeat_interval_ms) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  return {};
}

std::error_code quorum::impl::start() {
  TERN_ASSERT(!running && raft == nullptr && "a quorum starts once");
  if (auto ec = validate()) return ec;
  if (auto ec = storage.open(options.dir, options.map_size_bytes)) return ec;
  raft_transport_options t;
  t.node_id = options.node_id;
  t.quorum_id = options.quorum_id;
  t.security = options.security;
  std::string self_address;
  std::vector<tern_raft_server> servers;
  for (const auto& v : options.voters) {
    addresses.push_back(v.host + ":" + std::to_string(v.port));
    if (v.node_id == options.node_id) {
      t.listen_host = options.listen_host.empty() ? v.host : options.listen_host;
      t.listen_port = v.port;
      self_address = addresses.back();
    } else {
      t.peers.push_back({v.node_id, v.host, v.port});
    }
  }
  for (std::size_t i = 0; i < options.voters.size(); ++i) {
    servers.push_back({raft_id_of(options.voters[i].node_id), addresses[i].c_str(), TERN_RAFT_VOTER});
  }
  transport = std::make_unique<raft_transport>(
      io, std::move(t), [this](std::int32_t from, std::span<const std::uint8_t> body) {
        return on_frame(from, body);
      });
  char errmsg[256] = {0};
  tern_raft_hooks h = hooks();
  raft = tern_raft_create(&h, raft_id_of(options.node_id), self_address.c_str(), errmsg,
                          sizeof errmsg);
  if (raft == nullptr) {
    log::error("quorum: ", errmsg);
    storage.close();
    return cluster_errc::io_error;
  }
  tern_raft_configure(raft, static_cast<unsigned>(options.election_timeout_ms),
                      static_cast<unsigned>(options.heartbeat_interval_ms),
                      options.snapshot_threshold, options.snapshot_trailing, 0xffff);
  worker.start();
  running = true;  // from here stop() cleans up
  bool pristine = false;
  if (auto ec = storage.pristine(pristine)) return ec;
  if (pristine) {
    int rv = tern_raft_bootstrap(raft, servers.data(), static_cast<unsigned>(servers.size()));
    if (rv != 0) {
      log::error("quorum: bootstrap: ", tern_raft_strerror(rv));
      return cluster_errc::io_error;
    }
    log::info("quorum: bootstrapped ", servers.size(), " voters in ", options.dir);
  }
  raft_persistent_state state;
  if (auto ec = storage.load(state)) return ec;
  if (auto ec = transport->start()) {
    log::error("quorum: cannot listen: ", ec.message());
    return ec;
  }
  return start_raft(state);
}

std::error_code quorum::impl::start_raft(const raft_persistent_state& state) {
  std::vector<tern_raft_entry> entries;
  entries.reserve(state.entries.size());
  for (const auto& e : state.entries) {
    entries.push_back({e.term, e.type, e.payload.data(), e.payload.size()});
  }
  tern_raft_loaded loaded{};
  loaded.term = state.term;
  loaded.voted_for = state.voted_for;
  std::vector<tern_raft_server> flat;
  if (state.snapshot) {
    flat = flat_servers(state.snapshot->configuration);
    loaded.has_snapshot = true;
    loaded.snapshot = {state.snapshot->index, state.snapshot->term, flat.data(),
                       static_cast<unsigned>(flat.size()), state.snapshot->configuration_index};
    loaded.snapshot_data = state.snapshot->data.data();
    loaded.snapshot_len = state.snapshot->data.size();
  }
  loaded.start_index = state.start_index;
  loaded.entries = entries.data();
  loaded.n_entries = static_cast<unsigned>(entries.size());
  next_index = state.start_index + entries.size();
  starting = true;
  int rv = tern_raft_start(raft, &loaded);
  starting = false;
  if (rv != 0) {
    log::error("quorum: raft start: ", tern_raft_strerror(rv), ": ", tern_raft_errmsg(raft));
    return rv == TERN_RAFT_ECORRUPT ? cluster_errc::malformed_entry : cluster_errc::io_error;
  }
  log::info("quorum: node ", options.node_id, " started (term ", state.term, ", log ",
            state.start_index, "..", next_index - 1, ")");
  after_raft();
  return {};
}

void quorum::impl::stop() {
  if (!running) return;
  running = false;
  stopping = true;
  tick_timer.cancel();
  if (raft != nullptr) {
    tern_raft_close(raft);  // proposals fail (shutting_down), every raft_io request completes
    raft = nullptr;
  }
  worker.stop();
  if (transport) transport->stop();
  storage.close();
  message_handler = nullptr;
  leader_listener = nullptr;
}

// ---- quorum ----

quorum::quorum(asio::io_context& io, quorum_options options, state_machine& machine)
    : _impl(std::make_unique<impl>(io, std::move(options), machine)) {}

quorum::~quorum() { stop(); }

std::error_code quorum::start() {
  auto ec = _impl->start();
  if (ec) _impl->stop();
  return ec;
}

std::uint16_t quorum::bound_port() const {
  return _impl->transport ? _impl->transport->bound_port() : 0;
}

void quorum::stop() { _impl->stop(); }

namespace {
struct proposal {
  quorum::impl* owner;
  std::weak_ptr<bool> alive;
  std::function<void(std::error_code)> done;
};
}  // namespace

void quorum::propose(std::vector<std::uint8_t> entry, std::function<void(std::error_code)> done) {
  impl& s = *_impl;
  auto fail = [&s, &done](std::error_code ec) {
    asio::post(s.io, [done = std::move(done), ec] { done(ec); });
  };
  if (!s.running || s.stopping || s.raft == nullptr) return fail(cluster_errc::shutting_down);
  if (entry.size() > raft_entry_size_max_bytes) return fail(cluster_errc::entry_too_large);
  if (s.failed) return fail(cluster_errc::io_error);
  if (tern_raft_state(s.raft) != TERN_RAFT_LEADER) {
    return fail(leader_id() >= 0 ? cluster_errc::not_leader : cluster_errc::no_quorum);
  }
  if (!s.has_majority_contact()) return fail(cluster_errc::no_quorum);
  auto* p = new proposal{&s, s.alive, std::move(done)};
  int rv = tern_raft_propose(s.raft, entry.data(), entry.size(), p, [](void* user, int status) {
    std::unique_ptr<proposal> owned(static_cast<proposal*>(user));
    bool stopping = !owned->alive.lock() || owned->owner->stopping;
    std::error_code ec = error_of_status(status, stopping);
    asio::post(owned->owner->io, [done = std::move(owned->done), ec] { done(ec); });
  });
  if (rv != 0) {
    std::unique_ptr<proposal> owned(p);
    done = std::move(owned->done);
    fail(error_of_status(rv, s.stopping));
    return;
  }
  s.after_raft();
}

bool quorum::is_leader() const {
  return _impl->raft != nullptr && tern_raft_state(_impl->raft) == TERN_RAFT_LEADER;
}

std::int32_t quorum::leader_id() const {
  if (_impl->raft == nullptr) return -1;
  std::uint64_t id = tern_raft_leader(_impl->raft);
  return id == 0 ? -1 : node_of(id);
}

std::uint64_t quorum::current_term() const {
  return _impl->raft ? tern_raft_term(_impl->raft) : 0;
}

std::uint64_t quorum::commit_index() const {
  return _impl->raft ? tern_raft_commit_index(_impl->raft) : 0;
}

std::uint64_t quorum::last_applied() const {
  return _impl->raft ? tern_raft_last_applied(_impl->raft) : 0;
}

std::vector<voter_status> quorum::status() const {
  const impl& s = *_impl;
  std::vector<voter_status> out;
  std::int32_t leader = leader_id();
  for (const auto& v : s.options.voters) {
    voter_status st;
    st.node_id = v.node_id;
    st.is_leader = v.node_id == leader;
    bool self = v.node_id == s.options.node_id;
    st.connected = self || (s.transport && s.transport->connected(v.node_id));
    st.last_contact_ms_ago = self ? 0 : (s.transport ? s.transport->last_contact_ms_ago(v.node_id) : -1);
    st.match_index = s.raft ? tern_raft_match_index(s.raft, raft_id_of(v.node_id)) : 0;
    out.push_back(st);
  }
  return out;
}

void quorum::send_message(std::int32_t to_node, std::vector<std::uint8_t> payload) {
  impl& s = *_impl;
  if (!s.transport || s.stopping || payload.size() > raft_entry_size_max_bytes) return;
  payload.insert(payload.begin(), app_message_kind);
  s.transport->send(to_node, std::move(payload));
}

void quorum::set_message_handler(
    std::function<void(std::int32_t from, std::span<const std::uint8_t>)> h) {
  _impl->message_handler = std::move(h);
}

void quorum::set_leader_listener(std::function<void(bool is_leader, std::int32_t leader_id)> l) {
  _impl->leader_listener = std::move(l);
}

}  // namespace tern::cluster
