#include "cli/offset_json.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <utility>

namespace tern::cli {
namespace {

// A parsed JSON value. Numbers keep their text: the format's fields are integers, which are
// converted (and range-checked) where they are read, with the field's name in the error.
struct json_value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  std::string text;               // a string's value, a number's text
  std::vector<json_value> items;  // array elements; object values
  std::vector<std::string> keys;  // object keys, parallel to items
  std::size_t position = 0;       // where the value starts, for error messages

  const json_value* member(std::string_view key) const {
    for (std::size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &items[i];
    return nullptr;
  }
};

const char* kind_name(json_value::kind k) {
  switch (k) {
    case json_value::kind::null:
      return "null";
    case json_value::kind::boolean:
      return "a boolean";
    case json_value::kind::number:
      return "a number";
    case json_value::kind::string:
      return "a string";
    case json_value::kind::array:
      return "an array";
    case json_value::kind::object:
      return "an object";
  }
  return "a value";
}

// Recursive descent over the whole text; the first error stops it (later calls see `failed`).
class json_reader {
 public:
  explicit json_reader(std::string_view text) : _text(text) {}

  bool read_document(json_value& out, std::string& error) {
    skip_space();
    if (_pos == _text.size())
      return fail_at(_pos, "the file is empty (expected a JSON object)", error);
    if (!read_value(out, 0, error)) return false;
    skip_space();
    if (_pos != _text.size()) return fail_at(_pos, "unexpected text after the JSON value", error);
    return true;
  }

  // "line L, column C: message" for a byte position (columns count bytes, from 1).
  std::string where(std::size_t position) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < position && i < _text.size(); ++i) {
      if (_text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
  }

 private:
  bool fail_at(std::size_t position, const std::string& message, std::string& error) const {
    error = where(position) + ": " + message;
    return false;
  }

  void skip_space() {
    while (_pos < _text.size() && (_text[_pos] == ' ' || _text[_pos] == '\t' ||
                                   _text[_pos] == '\n' || _text[_pos] == '\r'))
      ++_pos;
  }

  bool expect_word(std::string_view word, std::string& error) {
    if (_text.substr(_pos, word.size()) != word) return fail_at(_pos, "invalid JSON value", error);
    _pos += word.size();
    return true;
  }

  bool read_value(json_value& out, int depth, std::string& error) {
    if (depth > offset_json_depth_max)
      return fail_at(
          _pos, "nested deeper than " + std::to_string(offset_json_depth_max) + " levels", error);
    out.position = _pos;
    if (_pos == _text.size()) return fail_at(_pos, "unexpected end of the file", error);
    const char c = _text[_pos];
    switch (c) {
      case '{':
        return read_object(out, depth, error);
      case '[':
        return read_array(out, depth, error);
      case '"':
        out.type = json_value::kind::string;
        return read_string(out.text, error);
      case 't':
        out.type = json_value::kind::boolean;
        out.boolean = true;
        return expect_word("true", error);
      case 'f':
        out.type = json_value::kind::boolean;
        return expect_word("false", error);
      case 'n':
        out.type = json_value::kind::null;
        return expect_word("null", error);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return read_number(out, error);
        return fail_at(_pos, std::string("unexpected character '") + c + "'", error);
    }
  }

  bool read_object(json_value& out, int depth, std::string& error) {
    out.type = json_value::kind::object;
    ++_pos;  // '{'
    skip_space();
    if (_pos < _text.size() && _text[_pos] == '}') return ++_pos, true;
    for (;;) {
      skip_space();
      if (_pos == _text.size() || _text[_pos] != '"')
        return fail_at(_pos, "expected a key (a string)", error);
      const std::size_t key_position = _pos;
      std::string key;
      if (!read_string(key, error)) return false;
      if (out.member(key)) return fail_at(key_position, "duplicate key \"" + key + "\"", error);
      skip_space();
      if (_pos == _text.size() || _text[_pos] != ':')
        return fail_at(_pos, "expected ':' after a key", error);
      ++_pos;
      skip_space();
      json_value value;
      if (!read_value(value, depth + 1, error)) return false;
      out.keys.push_back(std::move(key));
      out.items.push_back(std::move(value));
      skip_space();
      if (_pos < _text.size() && _text[_pos] == ',') {
        ++_pos;
        continue;
      }
      if (_pos < _text.size() && _text[_pos] == '}') return ++_pos, true;
      return fail_at(_pos, "expected ',' or '}' in an object", error);
    }
  }

  bool read_array(json_value& out, int depth, std::string& error) {
    out.type = json_value::kind::array;
    ++_pos;  // '['
    skip_space();
    if (_pos < _text.size() && _text[_pos] == ']') return ++_pos, true;
    for (;;) {
      skip_space();
      json_value value;
      if (!read_value(value, depth + 1, error)) return false;
      out.items.push_back(std::move(value));
      skip_space();
      if (_pos < _text.size() && _text[_pos] == ',') {
        ++_pos;
        continue;
      }
      if (_pos < _text.size() && _text[_pos] == ']') return ++_pos, true;
      return fail_at(_pos, "expected ',' or ']' in an array", error);
    }
  }

  bool read_hex4(std::uint32_t& out, std::string& error) {
    if (_text.size() - _pos < 4) return fail_at(_pos, "a \\u escape needs 4 hex digits", error);
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = _text[_pos + i];
      out <<= 4;
      if (h >= '0' && h <= '9')
        out |= static_cast<std::uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f')
        out |= static_cast<std::uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        out |= static_cast<std::uint32_t>(h - 'A' + 10);
      else
        return fail_at(_pos + i, "a \\u escape needs 4 hex digits", error);
    }
    _pos += 4;
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool read_escape(std::string& out, std::string& error) {
    const std::size_t at = _pos - 1;  // the backslash
    if (_pos == _text.size()) return fail_at(at, "unterminated string", error);
    const char e = _text[_pos++];
    switch (e) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return fail_at(at, std::string("invalid escape '\\") + e + "'", error);
    }
    std::uint32_t cp = 0;
    if (!read_hex4(cp, error)) return false;
    if (cp >= 0xdc00 && cp <= 0xdfff)
      return fail_at(at, "a lone low surrogate in a \\u escape", error);
    if (cp >= 0xd800 && cp <= 0xdbff) {  // a high surrogate: its low half must follow
      std::uint32_t low = 0;
      if (_text.substr(_pos, 2) != "\\u")
        return fail_at(at, "a high surrogate without its low half", error);
      _pos += 2;
      if (!read_hex4(low, error)) return false;
      if (low < 0xdc00 || low > 0xdfff)
        return fail_at(at, "a high surrogate without its low half", error);
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    append_utf8(out, cp);
    return true;
  }

  bool read_string(std::string& out, std::string& error) {
    const std::size_t start = _pos;
    ++_pos;  // '"'
    out.clear();
    while (_pos < _text.size()) {
      const char c = _text[_pos++];
      if (c == '"') return true;
      if (c == '\\') {
        if (!read_escape(out, error)) return false;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        return fail_at(_pos - 1, "a control character in a string (escape it)", error);
      } else {
        out += c;
      }
    }
    return fail_at(start, "unterminated string", error);
  }

  bool read_digits(std::string& error) {
    const std::size_t start = _pos;
    while (_pos < _text.size() && _text[_pos] >= '0' && _text[_pos] <= '9') ++_pos;
    if (_pos == start) return fail_at(_pos, "malformed number (a digit expected)", error);
    return true;
  }

  // RFC 8259's number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool read_number(json_value& out, std::string& error) {
    out.type = json_value::kind::number;
    const std::size_t start = _pos;
    if (_text[_pos] == '-') ++_pos;
    if (_pos < _text.size() && _text[_pos] == '0') {
      ++_pos;
      if (_pos < _text.size() && _text[_pos] >= '0' && _text[_pos] <= '9')
        return fail_at(start, "malformed number (no leading zeros)", error);
    } else if (!read_digits(error)) {
      return false;
    }
    if (_pos < _text.size() && _text[_pos] == '.') {
      ++_pos;
      if (!read_digits(error)) return false;
    }
    if (_pos < _text.size() && (_text[_pos] == 'e' || _text[_pos] == 'E')) {
      ++_pos;
      if (_pos < _text.size() && (_text[_pos] == '+' || _text[_pos] == '-')) ++_pos;
      if (!read_digits(error)) return false;
    }
    out.text.assign(_text.substr(start, _pos - start));
    return true;
  }

  std::string_view _text;
  std::size_t _pos = 0;
};

// An integer field of an entry in [min, max]; false + error naming `field` otherwise.
bool read_integer(const json_value& entry, const char* key, const std::string& field,
                  std::int64_t min, std::int64_t max, const char* rule, std::int64_t& out,
                  std::string& error) {
  const json_value* v = entry.member(key);
  if (!v) {
    error = field + ": missing";
    return false;
  }
  if (v->type != json_value::kind::number) {
    error = field + ": must be " + rule + ", not " + kind_name(v->type);
    return false;
  }
  const auto* first = v->text.data();
  const auto* last = first + v->text.size();
  auto [end, ec] = std::from_chars(first, last, out);
  if (ec != std::errc() || end != last || out < min || out > max) {
    error = field + ": must be " + rule + ", not " + v->text;
    return false;
  }
  return true;
}

}  // namespace

bool parse_offset_json(std::string_view text, std::vector<partition_offset>& out,
                       std::string& error) {
  out.clear();
  if (text.size() > offset_json_bytes_max) {
    error = "larger than " + std::to_string(offset_json_bytes_max) + " bytes";
    return false;
  }
  json_reader reader(text);
  json_value root;
  if (!reader.read_document(root, error)) return false;
  if (root.type != json_value::kind::object) {
    error = std::string("the top level must be an object, not ") + kind_name(root.type);
    return false;
  }
  if (const json_value* version = root.member("version")) {
    if (version->type != json_value::kind::number || version->text != "1") {
      error = "\"version\": only version 1 is supported, not " +
              (version->type == json_value::kind::number ? version->text
                                                         : std::string(kind_name(version->type)));
      return false;
    }
  }
  const json_value* partitions = root.member("partitions");
  if (!partitions) {
    error =
        "\"partitions\" is missing (the format is {\"partitions\": [{\"topic\": ..., "
        "\"partition\": ..., "
        "\"offset\": ...}], \"version\": 1})";
    return false;
  }
  if (partitions->type != json_value::kind::array) {
    error = std::string("\"partitions\" must be an array, not ") + kind_name(partitions->type);
    return false;
  }
  std::set<std::pair<std::string, std::int32_t>> seen;
  for (std::size_t i = 0; i < partitions->items.size(); ++i) {
    const json_value& entry = partitions->items[i];
    const std::string at = "partitions[" + std::to_string(i) + "]";
    if (entry.type != json_value::kind::object) {
      error = at + ": must be an object, not " + kind_name(entry.type);
      return false;
    }
    partition_offset po;
    const json_value* topic = entry.member("topic");
    if (!topic) {
      error = at + ".topic: missing";
      return false;
    }
    if (topic->type != json_value::kind::string || topic->text.empty()) {
      error = at + ".topic: must be a non-empty string";
      return false;
    }
    po.topic = topic->text;
    std::int64_t partition = 0;
    if (!read_integer(entry, "partition", at + ".partition", 0, INT32_MAX, "an integer >= 0",
                      partition, error))
      return false;
    po.partition = static_cast<std::int32_t>(partition);
    if (!read_integer(entry, "offset", at + ".offset", -1, INT64_MAX,
                      "an integer >= -1 (-1 = the high watermark)", po.offset, error))
      return false;
    if (!seen.emplace(po.topic, po.partition).second) {
      error = at + ": " + po.topic + "-" + std::to_string(po.partition) + " is listed twice";
      return false;
    }
    out.push_back(std::move(po));
  }
  return true;
}

bool parse_offset_json_file(const std::string& path, std::vector<partition_offset>& out,
                            std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  char buffer[65536];
  errno = 0;
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > offset_json_bytes_max) {
      error = path + ": larger than " + std::to_string(offset_json_bytes_max) + " bytes";
      return false;
    }
  }
  if (in.bad()) {  // e.g. a directory: errno says so (EISDIR)
    error = path + ": " + (errno != 0 ? std::strerror(errno) : "read error");
    return false;
  }
  if (!parse_offset_json(text, out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

}  // namespace tern::cli
