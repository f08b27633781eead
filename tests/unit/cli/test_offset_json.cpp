// kafka-delete-records' offset JSON file (hub/cli/offset_json.h): the format Kafka's tool reads,
// and a clear error (with where it is) for every way a file can be wrong.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cli/offset_json.h"

using namespace tern::cli;

namespace {

std::vector<partition_offset> parse_ok(const std::string& text) {
  std::vector<partition_offset> out;
  std::string error;
  EXPECT_TRUE(parse_offset_json(text, out, error)) << text << "\n" << error;
  return out;
}

// The error for `text`, which must not parse.
std::string parse_error(const std::string& text) {
  std::vector<partition_offset> out;
  std::string error;
  EXPECT_FALSE(parse_offset_json(text, out, error)) << text;
  EXPECT_FALSE(error.empty()) << text;
  return error;
}

}  // namespace

TEST(OffsetJson, ReadsKafkasExample) {
  auto got =
      parse_ok(R"({"partitions": [{"topic": "t", "partition": 0, "offset": 10}], "version": 1})");
  EXPECT_EQ(got, (std::vector<partition_offset>{{"t", 0, 10}}));
}

TEST(OffsetJson, ReadsSeveralEntriesInOrderWithWhitespaceAndUnknownKeys) {
  auto got = parse_ok(
      "\n\t{ \"version\" : 1 ,\r\n \"partitions\" : [\n"
      "  {\"offset\": -1, \"topic\": \"a.b-c_d\", \"partition\": 3, \"comment\": [null, true, "
      "{\"x\": 1.5e3}]},\n"
      "  {\"topic\": \"a.b-c_d\", \"partition\": 0, \"offset\": 9223372036854775807},\n"
      "  {\"topic\": \"sensors\", \"partition\": 2147483647, \"offset\": 0}\n"
      " ], \"extra\": \"ignored\"}\n");
  EXPECT_EQ(got, (std::vector<partition_offset>{
                     {"a.b-c_d", 3, -1}, {"a.b-c_d", 0, INT64_MAX}, {"sensors", INT32_MAX, 0}}));
}

TEST(OffsetJson, VersionIsOptionalAndPartitionsMayBeEmpty) {
  EXPECT_EQ(parse_ok(R"({"partitions": [{"topic": "t", "partition": 1, "offset": 2}]})"),
            (std::vector<partition_offset>{{"t", 1, 2}}));
  EXPECT_TRUE(parse_ok(R"({"partitions": [], "version": 1})").empty());
}

TEST(OffsetJson, DecodesStringEscapes) {
  auto got = parse_ok(
      R"({"partitions": [{"topic": "a\"\\\/\u0041\u00e9\ud83d\ude00", "partition": 0, "offset": 1}]})");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].topic, "a\"\\/A\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(OffsetJson, MalformedJsonSaysWhere) {
  EXPECT_EQ(parse_error(""), "line 1, column 1: the file is empty (expected a JSON object)");
  EXPECT_EQ(parse_error("  \n "), "line 2, column 2: the file is empty (expected a JSON object)");
  EXPECT_EQ(parse_error("{\"partitions\": [\n  {\"topic\": \"t\",}\n]}"),
            "line 2, column 17: expected a key (a string)");
  EXPECT_EQ(parse_error(R"({"partitions": [1 2]})"),
            "line 1, column 19: expected ',' or ']' in an array");
  EXPECT_EQ(parse_error(R"({"partitions": []} x)"),
            "line 1, column 20: unexpected text after the JSON value");
  EXPECT_EQ(parse_error(R"({"partitions": [)"), "line 1, column 17: unexpected end of the file");
  EXPECT_EQ(parse_error(R"({"partitions" [])"), "line 1, column 15: expected ':' after a key");
  EXPECT_EQ(parse_error(R"({"partitions": [], "version": 1)"),
            "line 1, column 32: expected ',' or '}' in an object");
  EXPECT_EQ(parse_error("{'partitions': []}"), "line 1, column 2: expected a key (a string)");
  EXPECT_EQ(parse_error(R"({"partitions": [tru]})"), "line 1, column 17: invalid JSON value");
  EXPECT_EQ(parse_error(R"({"partitions": [+1]})"), "line 1, column 17: unexpected character '+'");
  EXPECT_EQ(parse_error(R"({"partitions": [01]})"),
            "line 1, column 17: malformed number (no leading zeros)");
  EXPECT_EQ(parse_error(R"({"partitions": [1.]})"),
            "line 1, column 19: malformed number (a digit expected)");
  EXPECT_EQ(parse_error(R"({"partitions": [-]})"),
            "line 1, column 18: malformed number (a digit expected)");
  EXPECT_EQ(parse_error(R"({"partitions": [1e]})"),
            "line 1, column 19: malformed number (a digit expected)");
  EXPECT_EQ(parse_error(R"({"partitions": ["abc)"), "line 1, column 17: unterminated string");
  EXPECT_EQ(parse_error("{\"partitions\": [\"a\tb\"]}"),
            "line 1, column 19: a control character in a string (escape it)");
  EXPECT_EQ(parse_error(R"({"partitions": ["\x"]})"), "line 1, column 18: invalid escape '\\x'");
  EXPECT_EQ(parse_error(R"({"partitions": ["\u12G4"]})"),
            "line 1, column 22: a \\u escape needs 4 hex digits");
  EXPECT_EQ(parse_error(R"({"partitions": ["\ud83d"]})"),
            "line 1, column 18: a high surrogate without its low half");
  EXPECT_EQ(parse_error(R"({"partitions": ["\ude00"]})"),
            "line 1, column 18: a lone low surrogate in a \\u escape");
  EXPECT_EQ(parse_error(R"({"partitions": [], "partitions": []})"),
            "line 1, column 20: duplicate key \"partitions\"");
}

TEST(OffsetJson, DeepNestingIsRefusedNotRecursedInto) {
  std::string deep = R"({"partitions": [], "x": )" + std::string(100000, '[');
  EXPECT_NE(parse_error(deep).find("nested deeper than 32 levels"), std::string::npos);
}

TEST(OffsetJson, WrongShapeNamesTheField) {
  EXPECT_EQ(parse_error("[]"), "the top level must be an object, not an array");
  EXPECT_EQ(
      parse_error(R"({"version": 1})"),
      R"("partitions" is missing (the format is {"partitions": [{"topic": ..., "partition": ..., )"
      R"("offset": ...}], "version": 1}))");
  EXPECT_EQ(parse_error(R"({"partitions": {}})"), "\"partitions\" must be an array, not an object");
  EXPECT_EQ(parse_error(R"({"partitions": [], "version": 2})"),
            "\"version\": only version 1 is supported, not 2");
  EXPECT_EQ(parse_error(R"({"partitions": [], "version": "1"})"),
            "\"version\": only version 1 is supported, not a string");
  EXPECT_EQ(parse_error(R"({"partitions": [7]})"),
            "partitions[0]: must be an object, not a number");
  EXPECT_EQ(parse_error(R"({"partitions": [{"partition": 0, "offset": 1}]})"),
            "partitions[0].topic: missing");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "", "partition": 0, "offset": 1}]})"),
            "partitions[0].topic: must be a non-empty string");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": 5, "partition": 0, "offset": 1}]})"),
            "partitions[0].topic: must be a non-empty string");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "offset": 1}]})"),
            "partitions[0].partition: missing");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": "0", "offset": 1}]})"),
            "partitions[0].partition: must be an integer >= 0, not a string");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": -1, "offset": 1}]})"),
            "partitions[0].partition: must be an integer >= 0, not -1");
  EXPECT_EQ(
      parse_error(R"({"partitions": [{"topic": "t", "partition": 2147483648, "offset": 1}]})"),
      "partitions[0].partition: must be an integer >= 0, not 2147483648");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": 1.0, "offset": 1}]})"),
            "partitions[0].partition: must be an integer >= 0, not 1.0");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": 0}]})"),
            "partitions[0].offset: missing");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": 0, "offset": -2}]})"),
            "partitions[0].offset: must be an integer >= -1 (-1 = the high watermark), not -2");
  EXPECT_EQ(
      parse_error(
          R"({"partitions": [{"topic": "t", "partition": 0, "offset": 9223372036854775808}]})"),
      "partitions[0].offset: must be an integer >= -1 (-1 = the high watermark), not "
      "9223372036854775808");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": 0, "offset": 1e3}]})"),
            "partitions[0].offset: must be an integer >= -1 (-1 = the high watermark), not 1e3");
  EXPECT_EQ(parse_error(R"({"partitions": [{"topic": "t", "partition": 0, "offset": null}]})"),
            "partitions[0].offset: must be an integer >= -1 (-1 = the high watermark), not null");
  EXPECT_EQ(
      parse_error(
          R"({"partitions": [{"topic": "t", "partition": 0, "offset": 1},)"
          R"( {"topic": "u", "partition": 0, "offset": 1}, {"topic": "t", "partition": 0, "offset": 5}]})"),
      "partitions[2]: t-0 is listed twice");
}

TEST(OffsetJson, FileErrorsNameThePath) {
  std::vector<partition_offset> out;
  std::string error;
  EXPECT_FALSE(parse_offset_json_file("/nonexistent/offsets.json", out, error));
  EXPECT_EQ(error, "/nonexistent/offsets.json: No such file or directory");
  EXPECT_FALSE(parse_offset_json_file("/", out, error));
  EXPECT_EQ(error, "/: Is a directory");

  const std::string path = testing::TempDir() + "offset_json_test.json";
  {
    std::ofstream f(path);
    f << "{\"partitions\": [{\"topic\": \"t\", \"partition\": 0, \"offset\": 10}],\n \"version\": "
         "3}\n";
  }
  EXPECT_FALSE(parse_offset_json_file(path, out, error));
  EXPECT_EQ(error, path + ": \"version\": only version 1 is supported, not 3");
  {
    std::ofstream f(path);
    f << "{\"partitions\": [{\"topic\": \"t\", \"partition\": 4, \"offset\": 10}], \"version\": "
         "1}\n";
  }
  ASSERT_TRUE(parse_offset_json_file(path, out, error)) << error;
  EXPECT_EQ(out, (std::vector<partition_offset>{{"t", 4, 10}}));
  std::remove(path.c_str());
}
