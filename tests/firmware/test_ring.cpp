// The offline ring: FIFO order, wrapping, full policies, the persistence hook and restore.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "tern_ring.h"
}

namespace {

std::string payload_at(const tern_ring_t* r, size_t at) {
  size_t len = 0;
  const uint8_t* p = tern_ring_payload(r, at, &len);
  return std::string(reinterpret_cast<const char*>(p), len);
}

std::vector<std::string> contents(const tern_ring_t* r) {
  std::vector<std::string> out;
  for (size_t at = tern_ring_first(r); at != TERN_RING_END; at = tern_ring_next(r, at)) {
    out.push_back(payload_at(r, at));
  }
  return out;
}

tern_status_t push(tern_ring_t* r, const std::string& s, uint8_t* dropped = nullptr) {
  uint8_t* dst = nullptr;
  tern_status_t st = tern_ring_push(r, s.size(), &dst, dropped);
  if (st == TERN_OK) {
    std::memcpy(dst, s.data(), s.size());
    tern_ring_commit(r, static_cast<size_t>(dst - r->storage) - TERN_RING_ENTRY_HEADER);
  }
  return st;
}

TEST(Ring, InitValidates) {
  uint8_t mem[64];
  tern_ring_t r;
  EXPECT_EQ(tern_ring_init(nullptr, mem, 64, TERN_RING_REJECT_NEW, nullptr, nullptr),
            TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_ring_init(&r, nullptr, 64, TERN_RING_REJECT_NEW, nullptr, nullptr),
            TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_ring_init(&r, mem, 15, TERN_RING_REJECT_NEW, nullptr, nullptr),
            TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_ring_init(&r, mem, 64, static_cast<tern_ring_policy_t>(7), nullptr, nullptr),
            TERN_BAD_PARAMETER);
  ASSERT_EQ(tern_ring_init(&r, mem, 64, TERN_RING_REJECT_NEW, nullptr, nullptr), TERN_OK);
  EXPECT_EQ(tern_ring_first(&r), TERN_RING_END);
  EXPECT_EQ(tern_ring_pop(&r), TERN_RING_EMPTY);
  EXPECT_EQ(tern_ring_pop(nullptr), TERN_BAD_PARAMETER);
  uint8_t* p;
  EXPECT_EQ(tern_ring_push(&r, 0, &p, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_ring_push(&r, 10, nullptr, nullptr), TERN_BAD_PARAMETER);
  EXPECT_EQ(tern_ring_push(&r, 61, &p, nullptr), TERN_RING_FULL);  // could never fit
}

TEST(Ring, FifoWrapAndFlags) {
  uint8_t mem[40];
  tern_ring_t r;
  ASSERT_EQ(tern_ring_init(&r, mem, sizeof(mem), TERN_RING_REJECT_NEW, nullptr, nullptr), TERN_OK);
  ASSERT_EQ(push(&r, "aaaaaaaaa"), TERN_OK);  // 12 bytes
  ASSERT_EQ(push(&r, "bbbbbbbbb"), TERN_OK);  // 24
  ASSERT_EQ(push(&r, "ccccccccc"), TERN_OK);  // 36
  EXPECT_EQ(push(&r, "dd"), TERN_RING_FULL);  // 4 left at the end, but head is at 0
  EXPECT_EQ(contents(&r), (std::vector<std::string>{"aaaaaaaaa", "bbbbbbbbb", "ccccccccc"}));
  tern_ring_set_flags(&r, tern_ring_first(&r), 0x5a);
  EXPECT_EQ(tern_ring_flags(&r, tern_ring_first(&r)), 0x5a);
  ASSERT_EQ(tern_ring_pop(&r), TERN_OK);
  ASSERT_EQ(push(&r, "ddddddd"), TERN_OK);  // 10 bytes: does not fit the 4 at the end: wraps
  EXPECT_EQ(r.tail, 10u);
  EXPECT_EQ(contents(&r), (std::vector<std::string>{"bbbbbbbbb", "ccccccccc", "ddddddd"}));
  EXPECT_EQ(push(&r, "e"), TERN_RING_FULL);  // would close the gap before head
  ASSERT_EQ(tern_ring_pop(&r), TERN_OK);
  ASSERT_EQ(tern_ring_pop(&r), TERN_OK);
  EXPECT_EQ(contents(&r), (std::vector<std::string>{"ddddddd"}));
  ASSERT_EQ(tern_ring_pop(&r), TERN_OK);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.head, 0u);
  EXPECT_EQ(r.tail, 0u);
}

TEST(Ring, DropOldestReportsDroppedFlags) {
  uint8_t mem[40];
  tern_ring_t r;
  ASSERT_EQ(tern_ring_init(&r, mem, sizeof(mem), TERN_RING_DROP_OLDEST, nullptr, nullptr), TERN_OK);
  ASSERT_EQ(push(&r, "111111111"), TERN_OK);
  ASSERT_EQ(push(&r, "222222222"), TERN_OK);
  ASSERT_EQ(push(&r, "333333333"), TERN_OK);
  tern_ring_set_flags(&r, tern_ring_first(&r), 0x01);
  uint8_t dropped = 0xff;
  ASSERT_EQ(push(&r, "4444444444444", &dropped), TERN_OK);
  EXPECT_EQ(dropped, 0x01);
  EXPECT_EQ(r.dropped, 2u);
  EXPECT_EQ(contents(&r), (std::vector<std::string>{"333333333", "4444444444444"}));
}

struct hook_log {
  std::vector<uint8_t> mirror;
  size_t head = 0, tail = 0;
  int calls = 0;
};

void mirror_hook(void* ctx, const tern_ring_t* r, size_t off, size_t len) {
  auto* h = static_cast<hook_log*>(ctx);
  h->calls++;
  std::memcpy(h->mirror.data() + off, r->storage + off, len);
  h->head = r->head;
  h->tail = r->tail;
}

// A model-based run: random pushes and pops against a deque, with the hook mirroring every
// change to a second buffer that is then restored as if after a reboot.
TEST(Ring, RandomOperationsMatchAModelAndRestoreFromTheMirror) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    size_t size = 16 + rng() % 300;
    std::vector<uint8_t> mem(size, 0xEE);
    hook_log log;
    log.mirror.assign(size, 0xEE);
    tern_ring_t r;
    auto policy = round % 2 ? TERN_RING_DROP_OLDEST : TERN_RING_REJECT_NEW;
    ASSERT_EQ(tern_ring_init(&r, mem.data(), size, policy, mirror_hook, &log), TERN_OK);
    std::deque<std::string> model;
    for (int op = 0; op < 400; ++op) {
      if (rng() % 3 == 0) {
        tern_status_t st = tern_ring_pop(&r);
        EXPECT_EQ(st, model.empty() ? TERN_RING_EMPTY : TERN_OK);
        if (!model.empty()) model.pop_front();
      } else {
        std::string s(1 + rng() % 40, static_cast<char>('a' + op % 26));
        uint32_t before = r.dropped;
        tern_status_t st = push(&r, s);
        if (st == TERN_OK) {
          for (uint32_t d = before; d < r.dropped; ++d) model.pop_front();
          model.push_back(s);
        } else {
          EXPECT_EQ(st, TERN_RING_FULL);
          EXPECT_TRUE(policy == TERN_RING_REJECT_NEW || s.size() + 3 >= size);
        }
      }
      ASSERT_EQ(contents(&r), std::vector<std::string>(model.begin(), model.end()));
      ASSERT_EQ(r.count, model.size());
    }
    // Restore from what the hook saw, clearing flag bit 0.
    if (!model.empty()) tern_ring_set_flags(&r, tern_ring_first(&r), 0x03);
    tern_ring_t back;
    ASSERT_EQ(tern_ring_restore(&back, log.mirror.data(), size, log.head, log.tail, 0x01, policy,
                                nullptr, nullptr),
              TERN_OK)
        << "round " << round;
    EXPECT_EQ(contents(&back), std::vector<std::string>(model.begin(), model.end()));
    if (!model.empty()) {
      EXPECT_EQ(tern_ring_flags(&back, tern_ring_first(&back)), 0x02);
    }
    EXPECT_GT(log.calls, 0);
  }
}

TEST(Ring, RestoreRejectsInconsistentStorage) {
  uint8_t mem[64];
  tern_ring_t r;
  ASSERT_EQ(tern_ring_init(&r, mem, sizeof(mem), TERN_RING_REJECT_NEW, nullptr, nullptr), TERN_OK);
  ASSERT_EQ(push(&r, "hello"), TERN_OK);
  ASSERT_EQ(push(&r, "world!"), TERN_OK);
  size_t head = r.head, tail = r.tail;
  tern_ring_t back;
  EXPECT_EQ(tern_ring_restore(&back, mem, sizeof(mem), head, tail, 0, TERN_RING_REJECT_NEW, nullptr,
                              nullptr),
            TERN_OK);
  EXPECT_EQ(back.count, 2u);
  // Tail in the middle of an entry, out of range, head past the end.
  EXPECT_EQ(tern_ring_restore(&back, mem, sizeof(mem), head, tail - 1, 0, TERN_RING_REJECT_NEW,
                              nullptr, nullptr),
            TERN_CORRUPT);
  EXPECT_EQ(back.count, 0u);
  EXPECT_EQ(tern_ring_restore(&back, mem, sizeof(mem), head, 65, 0, TERN_RING_REJECT_NEW, nullptr,
                              nullptr),
            TERN_CORRUPT);
  EXPECT_EQ(
      tern_ring_restore(&back, mem, sizeof(mem), 64, 3, 0, TERN_RING_REJECT_NEW, nullptr, nullptr),
      TERN_CORRUPT);
  // A zero length, and a length running past the end.
  uint8_t saved = mem[0];
  mem[0] = 0;
  EXPECT_EQ(tern_ring_restore(&back, mem, sizeof(mem), head, tail, 0, TERN_RING_REJECT_NEW, nullptr,
                              nullptr),
            TERN_CORRUPT);
  mem[0] = 200;
  EXPECT_EQ(tern_ring_restore(&back, mem, sizeof(mem), head, tail, 0, TERN_RING_REJECT_NEW, nullptr,
                              nullptr),
            TERN_CORRUPT);
  mem[0] = saved;
  // head == tail is an empty ring, whatever the bytes.
  EXPECT_EQ(
      tern_ring_restore(&back, mem, sizeof(mem), 5, 5, 0, TERN_RING_REJECT_NEW, nullptr, nullptr),
      TERN_OK);
  EXPECT_EQ(back.count, 0u);
}

TEST(Ring, RestoreNeverReadsOutOfBoundsOnGarbage) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    size_t size = 16 + rng() % 64;
    std::vector<uint8_t> mem(size);
    for (auto& b : mem) b = static_cast<uint8_t>(rng() % 4 == 0 ? 0xff : rng() % 24);
    tern_ring_t r;
    tern_status_t st =
        tern_ring_restore(&r, mem.data(), size, rng() % (size + 2), rng() % (size + 2), 0xff,
                          TERN_RING_REJECT_NEW, nullptr, nullptr);
    ASSERT_TRUE(st == TERN_OK || st == TERN_CORRUPT);
    if (st == TERN_OK) {
      size_t n = 0;
      for (size_t at = tern_ring_first(&r); at != TERN_RING_END; at = tern_ring_next(&r, at)) {
        size_t len;
        (void)tern_ring_payload(&r, at, &len);
        ASSERT_LE(at + 3 + len, size);
        ASSERT_LT(++n, 100u);
      }
      ASSERT_EQ(n, r.count);
    }
  }
}

}  // namespace
