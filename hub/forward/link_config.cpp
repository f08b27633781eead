#include "forward/link_config.h"

#include <regex.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <string>

namespace tern::forward {

struct topic_filter::compiled {
  regex_t re{};
  bool ok = false;  // regcomp succeeded: only then is there something to free
  compiled() = default;
  compiled(const compiled&) = delete;
  compiled& operator=(const compiled&) = delete;
  ~compiled() {
    if (ok) regfree(&re);
  }
};

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits on commas outside brackets and braces, so `a{1,3}` and `[,;]` stay one pattern.
std::vector<std::string> split_patterns(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      current += c;
      current += text[++i];
      continue;
    }
    if (c == '[' || c == '{') ++depth;
    if ((c == ']' || c == '}') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      if (auto t = trim(current); !t.empty()) out.emplace_back(t);
      current.clear();
      continue;
    }
    current += c;
  }
  if (auto t = trim(current); !t.empty()) out.emplace_back(t);
  return out;
}

template <typename Int>
bool parse_int(std::string_view text, Int& out, Int min, Int max) {
  Int v{};
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max) return false;
  out = v;
  return true;
}

// glibc's regcomp builds automata whose size multiplies with stacked repetitions ("a++++…",
// "(a{99}){99}"): a typo in server.properties could take gigabytes before the hub starts (found
// by fuzz_config). A topic filter needs neither, so such patterns are refused with a reason, and
// so are bounds above 32 and patterns longer than a topic name may be.
constexpr std::size_t pattern_max_chars = 249;
constexpr int repeat_bound_max = 32;

bool pattern_is_tame(std::string_view p, std::string& why) {
  if (p.size() > pattern_max_chars) {
    why = "longer than " + std::to_string(pattern_max_chars) + " characters";
    return false;
  }
  bool after_repeat = false;  // the previous token was a repetition operator
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;  // an escaped character is a literal
      after_repeat = false;
      continue;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      if (after_repeat) {
        why = "stacks repetition operators";
        return false;
      }
      if (c == '{') {
        auto close = p.find('}', i);
        if (close == std::string_view::npos) break;  // regcomp says what is wrong
        for (std::size_t j = i + 1; j < close;) {
          if (!std::isdigit(static_cast<unsigned char>(p[j]))) {
            ++j;
            continue;
          }
          int n = 0;
          while (j < close && std::isdigit(static_cast<unsigned char>(p[j])) && n <= repeat_bound_max)
            n = n * 10 + (p[j++] - '0');
          if (n > repeat_bound_max) {
            why = "repeats more than " + std::to_string(repeat_bound_max) + " times";
            return false;
          }
        }
        i = close;
      }
      after_repeat = true;
      continue;
    }
    after_repeat = false;
  }
  return true;
}

}  // namespace

bool topic_filter::parse(std::string_view comma_separated, std::string& error) {
  _patterns.clear();
  _sources.clear();
  for (auto& source : split_patterns(comma_separated)) {
    if (std::string why; !pattern_is_tame(source, why)) {
      error = "pattern '" + source + "' is refused: it " + why;
      return false;
    }
    auto c = std::make_shared<compiled>();
    std::string anchored = "^(" + source + ")$";
    if (int rc = regcomp(&c->re, anchored.c_str(), REG_EXTENDED | REG_NOSUB)) {
      char message[128];
      regerror(rc, &c->re, message, sizeof message);
      error = "pattern '" + source + "' does not compile: " + message;
      return false;
    }
    c->ok = true;
    _patterns.push_back(std::move(c));
    _sources.push_back(source);
  }
  return true;
}

int topic_filter::match_index(std::string_view topic) const {
  std::string name(topic);
  for (std::size_t i = 0; i < _patterns.size(); ++i)
    if (regexec(&_patterns[i]->re, name.c_str(), 0, nullptr, 0) == 0) return static_cast<int>(i);
  return -1;
}

bool topic_filter::matches(std::string_view topic) const { return match_index(topic) >= 0; }

int link_config::priority_of(std::string_view topic) const {
  int i = priority_patterns.match_index(topic);
  return i < 0 ? 0 : priorities[static_cast<std::size_t>(i)];
}

std::string apply_rename(std::string_view pattern, std::string_view topic) {
  static constexpr std::string_view var = "${topic}";
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i, var.size()) == var) {
      out += topic;
      i += var.size();
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

std::string link_config::upstream_name(std::string_view local_topic) const {
  return apply_rename(forward_rename, local_topic);
}
std::string link_config::mirror_local_name(std::string_view upstream_topic) const {
  return apply_rename(mirror_rename, upstream_topic);
}

bool link_config::read_password(std::string& out, std::string& error) const {
  if (sasl_password_file.empty()) {
    out = sasl_password;
    return true;
  }
  std::ifstream in(sasl_password_file);
  if (!in) {
    error = "cannot read forward." + name + ".sasl.password.file '" + sasl_password_file + "'";
    return false;
  }
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  out = line;
  return true;
}

bool is_link_key(std::string_view key) { return key.starts_with("forward.") || key.starts_with("mirror."); }

namespace {

// One key of a link; false with `error` (without the key, the caller adds it).
bool apply_forward_key(link_config& c, std::string_view k, std::string_view v, std::string& error) {
  auto expect = [&](const char* what) {
    error = "expected " + std::string(what);
    return false;
  };
  if (k == "bootstrap.servers") {
    if (v.empty()) return expect("host:port[,host:port]");
    c.bootstrap_servers = v;
  } else if (k == "security.protocol") {
    if (v != "PLAINTEXT" && v != "SSL" && v != "SASL_PLAINTEXT" && v != "SASL_SSL")
      return expect("PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
    c.security_protocol = v;
  } else if (k == "sasl.mechanism") {
    if (v != "PLAIN" && v != "SCRAM-SHA-256" && v != "SCRAM-SHA-512")
      return expect("PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    c.sasl_mechanism = v;
  } else if (k == "sasl.username") {
    c.sasl_username = v;
  } else if (k == "sasl.password") {
    c.sasl_password = v;
  } else if (k == "sasl.password.file") {
    c.sasl_password_file = v;
  } else if (k == "ssl.ca.location") {
    c.ssl_ca_location = v;
  } else if (k == "ssl.certificate.location") {
    c.ssl_certificate_location = v;
  } else if (k == "ssl.key.location") {
    c.ssl_key_location = v;
  } else if (k == "ssl.endpoint.identification.algorithm") {
    if (v != "https" && v != "none" && !v.empty()) return expect("https or none");
    c.ssl_verify_hostname = v == "https";
  } else if (k == "topics") {
    if (!c.forward_topics.parse(v, error)) return false;
  } else if (k == "topic.rename") {
    if (v.find("${topic}") == std::string_view::npos) return expect("a template containing ${topic}");
    c.forward_rename = v;
  } else if (k == "partitioner") {
    if (v == "murmur2") c.partitioner = partitioner_kind::murmur2;
    else if (v == "same") c.partitioner = partitioner_kind::same;
    else return expect("murmur2 or same");
  } else if (k == "compression" || k == "compression.type") {
    static constexpr std::string_view names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    bool found = false;
    for (std::size_t i = 0; i < std::size(names); ++i)
      if (v == names[i]) {
        c.compression = static_cast<std::uint8_t>(i);
        found = true;
      }
    if (!found) return expect("none, gzip, snappy, lz4 or zstd");
  } else if (k == "max.bandwidth.bytes.per.sec") {
    if (!parse_int<std::int64_t>(v, c.max_bandwidth_bytes_per_sec, 0, INT64_MAX / 1000))
      return expect("an integer >= 0 (0 = unlimited)");
  } else if (k == "priority") {
    std::vector<std::string> pats;
    std::string joined;
    c.priorities.clear();
    for (auto& entry : split_patterns(v)) {
      auto colon = entry.rfind(':');
      int prio = 0;
      if (colon == std::string::npos || !parse_int<int>(trim(std::string_view(entry).substr(colon + 1)), prio, -1000000, 1000000))
        return expect("regex:N entries, comma separated");
      if (!joined.empty()) joined += ',';
      joined += entry.substr(0, colon);
      c.priorities.push_back(prio);
    }
    if (!c.priority_patterns.parse(joined, error)) return false;
    if (c.priority_patterns.patterns().size() != c.priorities.size())
      return expect("one regex per priority (no commas outside brackets in a pattern)");
  } else if (k == "batch.max.bytes") {
    if (!parse_int<std::size_t>(v, c.batch_max_bytes, 1024, 64u << 20)) return expect("1024..67108864");
  } else if (k == "linger.ms") {
    if (!parse_int<std::int64_t>(v, c.linger_ms, 0, 60000)) return expect("0..60000");
  } else if (k == "request.timeout.ms") {
    if (!parse_int<std::int64_t>(v, c.request_timeout_ms, 100, 3600000)) return expect("100..3600000");
  } else if (k == "retry.backoff.ms") {
    if (!parse_int<std::int64_t>(v, c.retry_backoff_ms, 1, 600000)) return expect("1..600000");
  } else if (k == "reconnect.backoff.max.ms") {
    if (!parse_int<std::int64_t>(v, c.reconnect_backoff_max_ms, 1, 3600000)) return expect("1..3600000");
  } else {
    error = "unknown key";
    return false;
  }
  return true;
}

bool valid_link_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-')) return false;
  return true;
}

}  // namespace

bool parse_links(const std::map<std::string, std::string>& settings, std::vector<link_config>& out,
                 std::string& error) {
  std::map<std::string, link_config> links;
  for (const auto& [key, value] : settings) {
    std::string_view k = key;
    bool mirror = k.starts_with("mirror.");
    k.remove_prefix(mirror ? 7 : 8);
    auto dot = k.find('.');
    std::string_view name = k.substr(0, dot);
    if (dot == std::string_view::npos || !valid_link_name(name)) {
      error = "'" + key + "': expected " + (mirror ? "mirror" : "forward") +
              ".<link>.<setting> with a link name of letters, digits, '_' or '-'";
      return false;
    }
    std::string_view setting = k.substr(dot + 1);
    auto& c = links[std::string(name)];
    c.name = name;
    std::string why;
    bool ok = true;
    if (mirror) {
      if (setting == "topics") ok = c.mirror_topics.parse(value, why);
      else if (setting == "topic.rename") {
        ok = value.find("${topic}") != std::string::npos;
        if (ok) c.mirror_rename = value;
        else why = "expected a template containing ${topic}";
      } else {
        ok = false;
        why = "unknown key (mirror.<link>. takes topics and topic.rename; connection settings are "
              "forward.<link>.*)";
      }
    } else {
      ok = apply_forward_key(c, setting, trim(value), why);
    }
    if (!ok) {
      error = "invalid value '" + value + "' for '" + key + "': " + why;
      return false;
    }
  }
  out.clear();
  for (auto& [name, c] : links) {
    if (c.bootstrap_servers.empty()) {
      error = "link '" + name + "' needs forward." + name + ".bootstrap.servers";
      return false;
    }
    if (!c.forwards() && !c.mirrors()) {
      error = "link '" + name + "' has neither forward." + name + ".topics nor mirror." + name + ".topics";
      return false;
    }
    if (c.security_protocol.starts_with("SASL_") && c.sasl_username.empty()) {
      error = "link '" + name + "' uses " + c.security_protocol + " but has no forward." + name +
              ".sasl.username";
      return false;
    }
    out.push_back(std::move(c));
  }
  return true;
}

}  // namespace tern::forward
