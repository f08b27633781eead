// The strong id types (common/ids.h): what they allow, and — checked at compile time here, and by
// actually compiling swapped calls in tests/compile_fail — what they refuse.
#include <gtest/gtest.h>

#include <sstream>
#include <unordered_set>

#include "tern/common/ids.h"

namespace {

using tern::ids::leader_epoch;
using tern::ids::log_id;
using tern::ids::node_id;
using tern::ids::offset;
using tern::ids::partition_index;

// No implicit conversion either way, between any two of them or with their integers.
template <class From, class To>
constexpr bool converts = std::is_convertible_v<From, To>;
static_assert(!converts<partition_index, offset> && !converts<offset, partition_index>);
static_assert(!converts<node_id, leader_epoch> && !converts<leader_epoch, node_id>);
static_assert(!converts<partition_index, log_id> && !converts<log_id, partition_index>);
static_assert(!converts<std::int64_t, offset> && !converts<offset, std::int64_t>);
static_assert(!converts<std::int32_t, partition_index> && !converts<partition_index, std::int32_t>);
static_assert(!std::is_constructible_v<offset, partition_index>);
static_assert(!std::is_constructible_v<log_id, partition_index>);
static_assert(!std::is_constructible_v<offset, double>);
// Comparisons among the same type only.
template <class A, class B>
concept comparable = requires(A a, B b) { a < b; a == b; };
static_assert(comparable<offset, offset> && comparable<node_id, node_id>);
static_assert(!comparable<offset, partition_index> && !comparable<node_id, leader_epoch>);
static_assert(!comparable<offset, std::int64_t> && !comparable<log_id, std::uint32_t>);
// Only the arithmetic that means something.
template <class A, class B>
concept addable = requires(A a, B b) { a + b; };
template <class A, class B>
concept subtractable = requires(A a, B b) { a - b; };
static_assert(addable<offset, std::int64_t> && !addable<offset, offset>);
static_assert(!addable<offset, partition_index> && !addable<partition_index, std::int32_t>);
static_assert(!addable<node_id, std::int32_t> && !addable<log_id, std::uint32_t>);
static_assert(!addable<leader_epoch, std::int32_t>);
static_assert(std::is_same_v<decltype(offset{5} - offset{2}), std::int64_t>);
static_assert(std::is_same_v<decltype(offset{5} - 2), offset>);
static_assert(!subtractable<partition_index, partition_index> && !subtractable<log_id, log_id>);
// Zero cost: the integer's size, trivially copyable, usable in constant expressions.
static_assert(sizeof(partition_index) == 4 && sizeof(node_id) == 4 && sizeof(leader_epoch) == 4);
static_assert(std::is_trivially_copyable_v<offset> && std::is_standard_layout_v<offset>);
static_assert((offset{10} + 5).value() == 15);

TEST(Ids, OffsetArithmeticMovesByRecordCounts) {
  offset base{100};
  EXPECT_EQ(base + 3, offset{103});
  EXPECT_EQ(base - 1, offset{99});
  EXPECT_EQ(offset{103} - base, 3);
  EXPECT_EQ(base - offset{103}, -3);
  offset cursor = base;
  cursor += 10;
  EXPECT_EQ(cursor, offset{110});
  ++cursor;
  EXPECT_EQ(cursor.value(), 111);
  cursor -= 11;
  EXPECT_EQ(cursor, base);
}

TEST(Ids, OrderingIsTheIntegers) {
  EXPECT_LT(offset{-1}, offset{0});
  EXPECT_LT(tern::ids::no_offset, offset{0});
  EXPECT_GT(leader_epoch{3}, tern::ids::no_leader_epoch);
  EXPECT_LE(partition_index{2}, partition_index{2});
  EXPECT_NE(node_id{1}, node_id{2});
  EXPECT_LT(log_id{1}, log_id{0xffffffffu});
  EXPECT_EQ(std::max(offset{4}, offset{9}), offset{9});
}

TEST(Ids, NextEpochIsOneMore) {
  EXPECT_EQ(next(tern::ids::no_leader_epoch), leader_epoch{0});
  EXPECT_EQ(next(leader_epoch{41}), leader_epoch{42});
}

TEST(Ids, DefaultIsZeroAndValueRoundTrips) {
  EXPECT_EQ(offset{}.value(), 0);
  EXPECT_EQ(log_id{}.value(), 0u);
  EXPECT_EQ(offset{INT64_MAX}.value(), INT64_MAX);
  EXPECT_EQ(node_id{-1}, tern::ids::no_node);
}

TEST(Ids, PrintsTheIntegerAndHashesLikeIt) {
  std::ostringstream os;
  os << offset{42} << ' ' << partition_index{-3} << ' ' << log_id{7} << ' ' << leader_epoch{5};
  EXPECT_EQ(os.str(), "42 -3 7 5");
  EXPECT_EQ(std::hash<offset>{}(offset{42}), std::hash<std::int64_t>{}(42));
  std::unordered_set<log_id> logs{log_id{1}, log_id{2}, log_id{1}};
  EXPECT_EQ(logs.size(), 2u);
}

}  // namespace
