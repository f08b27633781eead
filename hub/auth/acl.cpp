#include "auth/acl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tern::auth {
namespace {

struct operation_name {
  operation op;
  std::string_view name;
};

constexpr std::array<operation_name, 11> operation_names{{
    {operation::all, "All"},
    {operation::read, "Read"},
    {operation::write, "Write"},
    {operation::create, "Create"},
    {operation::delete_, "Delete"},
    {operation::alter, "Alter"},
    {operation::describe, "Describe"},
    {operation::describe_configs, "DescribeConfigs"},
    {operation::alter_configs, "AlterConfigs"},
    {operation::idempotent_write, "IdempotentWrite"},
    {operation::cluster_action, "ClusterAction"},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::string operation_list() {
  std::string out;
  for (const auto& n : operation_names) out += (out.empty() ? "" : ", ") + std::string(n.name);
  return out;
}

// RESOURCE: cluster | TYPE:NAME | TYPE:literal:NAME | TYPE:prefixed:PREFIX
bool parse_resource(std::string_view text, acl_rule& out, std::string& why) {
  if (iequals(text, "cluster") || iequals(text, "cluster:literal:kafka-cluster")) {
    out.type = resource_type::cluster;
    out.pattern = pattern_type::literal;
    out.name = std::string(cluster_name);
    return true;
  }
  auto colon = text.find(':');
  auto type = parse_resource_type(text.substr(0, colon));
  if (colon == std::string_view::npos || !type || *type == resource_type::cluster) {
    why = "resource '" + std::string(text) +
          "' is not topic:[literal:|prefixed:]NAME, group:[literal:|prefixed:]NAME or cluster";
    return false;
  }
  std::string_view rest = text.substr(colon + 1);
  pattern_type pattern = pattern_type::literal;
  if (auto second = rest.find(':'); second != std::string_view::npos) {
    if (auto p = parse_pattern_type(rest.substr(0, second))) {
      pattern = *p;
      rest = rest.substr(second + 1);
    }
  }
  if (rest.empty()) {
    why = "resource '" + std::string(text) + "' has an empty name";
    return false;
  }
  if (pattern == pattern_type::prefixed && rest == wildcard) {
    why = "resource '" + std::string(text) + "': a prefix cannot be '*' (use literal:*)";
    return false;
  }
  out.type = *type;
  out.pattern = pattern;
  out.name = std::string(rest);
  return true;
}

}  // namespace

std::string_view to_string(operation op) {
  for (const auto& n : operation_names)
    if (n.op == op) return n.name;
  return "Unknown";
}

std::string_view to_string(resource_type type) {
  switch (type) {
    case resource_type::topic:
      return "Topic";
    case resource_type::group:
      return "Group";
    case resource_type::cluster:
      return "Cluster";
  }
  return "Unknown";
}

std::string_view to_string(pattern_type pattern) {
  return pattern == pattern_type::prefixed ? "PREFIXED" : "LITERAL";
}

std::optional<operation> parse_operation(std::string_view text) {
  for (const auto& n : operation_names)
    if (iequals(text, n.name)) return n.op;
  return std::nullopt;
}

std::optional<resource_type> parse_resource_type(std::string_view text) {
  if (iequals(text, "topic")) return resource_type::topic;
  if (iequals(text, "group")) return resource_type::group;
  if (iequals(text, "cluster")) return resource_type::cluster;
  return std::nullopt;
}

std::optional<pattern_type> parse_pattern_type(std::string_view text) {
  if (iequals(text, "literal")) return pattern_type::literal;
  if (iequals(text, "prefixed")) return pattern_type::prefixed;
  return std::nullopt;
}

bool applies_to(operation op, resource_type type) {
  using o = operation;
  if (op == o::all) return true;
  switch (type) {
    case resource_type::topic:
      return op != o::idempotent_write && op != o::cluster_action;
    case resource_type::group:
      return op == o::read || op == o::describe || op == o::delete_;
    case resource_type::cluster:
      return op == o::create || op == o::alter || op == o::describe || op == o::describe_configs ||
             op == o::alter_configs || op == o::idempotent_write || op == o::cluster_action;
  }
  return false;
}

bool valid_principal(std::string_view principal) {
  constexpr std::string_view prefix = "User:";
  if (principal.size() <= prefix.size() || principal.substr(0, prefix.size()) != prefix)
    return false;
  for (char c : principal)
    if (is_space(c)) return false;
  return true;
}

std::string format_rule(const acl_rule& rule) {
  std::string out = rule.perm == permission::allow ? "allow " : "deny ";
  out += rule.principal;
  out += ' ';
  out += to_string(rule.op);
  out += ' ';
  if (rule.type == resource_type::cluster) return out + "cluster";
  out += rule.type == resource_type::topic ? "topic:" : "group:";
  out += rule.pattern == pattern_type::prefixed ? "prefixed:" : "literal:";
  return out + rule.name;
}

bool parse_rule(std::string_view line, acl_rule& out, std::string& why) {
  auto words = split_words(line);
  if (words.size() != 4) {
    why = "expected 'allow|deny PRINCIPAL OPERATION RESOURCE', got " +
          std::to_string(words.size()) + " field(s)";
    return false;
  }
  acl_rule rule;
  if (iequals(words[0], "allow"))
    rule.perm = permission::allow;
  else if (iequals(words[0], "deny"))
    rule.perm = permission::deny;
  else {
    why = "'" + std::string(words[0]) + "' is neither allow nor deny";
    return false;
  }
  if (!valid_principal(words[1])) {
    why = "principal '" + std::string(words[1]) + "' is not User:<name> or User:*";
    return false;
  }
  rule.principal = std::string(words[1]);
  auto op = parse_operation(words[2]);
  if (!op) {
    why = "unknown operation '" + std::string(words[2]) + "' (expected one of " + operation_list() +
          ")";
    return false;
  }
  rule.op = *op;
  if (!parse_resource(words[3], rule, why)) return false;
  if (!applies_to(rule.op, rule.type)) {
    why = "operation " + std::string(to_string(rule.op)) + " does not apply to a " +
          std::string(to_string(rule.type)) + " resource";
    return false;
  }
  out = std::move(rule);
  return true;
}

bool parse_rules(std::string_view text, std::string_view where, std::vector<acl_rule>& out,
                 std::string& error) {
  std::vector<acl_rule> rules;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    if (split_words(line).empty()) continue;
    acl_rule rule;
    std::string why;
    if (!parse_rule(line, rule, why)) {
      error = std::string(where) + ":" + std::to_string(line_no) + ": " + why;
      return false;
    }
    rules.push_back(std::move(rule));
  }
  out = std::move(rules);
  return true;
}

bool load_rules(const std::string& path, std::vector<acl_rule>& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read ACL file '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_rules(text.str(), path, out, error);
}

bool write_file_atomically(const std::string& path, std::string_view text, std::string& error) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string temp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(temp.data());  // creates the file with mode 0600
  if (fd < 0) {
    error = "cannot create a temporary file next to '" + path + "': " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const char* what) {
    error = std::string(what) + " '" + temp + "': " + std::strerror(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    return false;
  };
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0600) != 0) return fail("cannot chmod");
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    error = "cannot close '" + temp + "': " + std::strerror(errno);
    ::unlink(temp.c_str());
    return false;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    error = "cannot rename '" + temp + "' to '" + path + "': " + std::strerror(errno);
    ::unlink(temp.c_str());
    return false;
  }
  // The rename is durable once the directory is synced; failing that is not worth an error.
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace tern::auth
