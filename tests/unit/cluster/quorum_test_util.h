#pragma once
// Helpers for the quorum engine's tests: temp dirs, free loopback ports, running one
// io_context until a condition holds, a trivial state machine.
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio.hpp>

#include "cluster/errors.h"
#include "cluster/state_machine.h"
#include "tern/common/wire.h"

namespace tern::cluster::test {

struct temp_dir {
  std::string path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "tern-quorum-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    path = p ? p : "";
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string sub(const std::string& name) const { return path + "/" + name; }
};

// A port that was free a moment ago (the listener sets SO_REUSEADDR).
inline std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// Runs io until pred() holds or timeout_ms passes; returns pred().
inline bool run_until(asio::io_context& io, const std::function<bool()>& pred,
                      std::int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

inline void run_for(asio::io_context& io, std::int64_t ms) {
  run_until(io, [] { return false; }, ms);
}

// Appends every entry to a vector; its snapshot is the whole vector.
class vector_machine final : public state_machine {
 public:
  void apply(std::span<const std::uint8_t> entry, std::uint64_t index) override {
    EXPECT_GT(index, last_index);
    last_index = index;
    entries.emplace_back(entry.begin(), entry.end());
  }
  std::vector<std::uint8_t> snapshot() const override {
    wire::wire_writer w;
    w.u32(static_cast<std::uint32_t>(entries.size()));
    for (const auto& e : entries) w.bytes(e);
    return w.contiguous();
  }
  std::error_code restore(std::span<const std::uint8_t> bytes) override {
    wire::wire_reader r(bytes);
    std::uint32_t n = r.u32();
    if (r.failed() || n > bytes.size()) return cluster_errc::malformed_entry;
    std::vector<std::vector<std::uint8_t>> out;
    for (std::uint32_t i = 0; i < n; ++i) {
      auto b = r.bytes();
      if (r.failed()) return cluster_errc::malformed_entry;
      out.emplace_back(b.begin(), b.end());
    }
    if (r.remaining() != 0) return cluster_errc::malformed_entry;
    entries = std::move(out);
    ++restores;
    return {};
  }
  std::vector<std::vector<std::uint8_t>> entries;
  std::uint64_t last_index = 0;
  int restores = 0;
};

inline std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace tern::cluster::test
