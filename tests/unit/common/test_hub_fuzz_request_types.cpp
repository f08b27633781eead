// tests/fuzz/request_types.h lists the request type of every API so that fuzz_request can
// reach every decoder; an API added to the advertised table but not to that list would go
// unfuzzed without a word. This fails first (fuzz_request also refuses to start).
#include <gtest/gtest.h>

#include <set>

#include "../../fuzz/request_types.h"

using namespace tern;

TEST(HubFuzzRequestTypes, CoverEveryAdvertisedApiAndVersion) {
  EXPECT_EQ(hub_fuzz::coverage_gaps(), "");
  EXPECT_EQ(hub_fuzz::coverage_gaps(hub_fuzz::response_types{}), "");
  std::size_t versions = 0;
  for (const auto& api : kafka::supported_apis()) versions += api.max_version - api.min_version + 1;
  EXPECT_EQ(hub_fuzz::request_versions().size(), versions);
  // fuzz_request picks a (key, version) with one byte.
  EXPECT_LE(versions, 256u);
}

TEST(HubFuzzRequestTypes, DispatchFindsTheTypeOfEachKey) {
  std::set<int> seen;
  for (const auto& api : kafka::supported_apis()) {
    kafka::api_key found{};
    ASSERT_TRUE(hub_fuzz::with_request_type(api.key, [&]<typename T>() { found = T::key; }));
    EXPECT_EQ(found, api.key);
    seen.insert(static_cast<int>(api.key));
  }
  EXPECT_EQ(seen.size(), kafka::supported_apis().size());
  // A key nobody advertises has no type.
  EXPECT_FALSE(hub_fuzz::with_request_type(static_cast<kafka::api_key>(999), []<typename T>() {}));
}

namespace {
// Fetch's codec as if it took only its first version.
struct narrow_fetch : kafka::fetch_request {
  static constexpr std::int16_t max_version = kafka::fetch_request::min_version;
};
}  // namespace

// The check itself must be able to fail: a list without Produce, or with a type whose codec
// takes fewer versions than the table advertises, is reported.
TEST(HubFuzzRequestTypes, GapsAreReported) {
  const auto gaps = hub_fuzz::coverage_gaps(hub_fuzz::type_list<kafka::fetch_request>{});
  EXPECT_NE(gaps.find("api key 0 has no type"), std::string::npos) << gaps;
  EXPECT_EQ(gaps.find("api key 1 "), std::string::npos) << gaps;  // Fetch is in the list

  const auto narrow = hub_fuzz::coverage_gaps(hub_fuzz::type_list<narrow_fetch>{});
  EXPECT_NE(narrow.find("api key 1: the table advertises"), std::string::npos) << narrow;
}
