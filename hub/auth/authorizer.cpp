#include "auth/authorizer.h"

namespace tern::auth {
namespace {

bool principal_matches(const acl_rule& rule, std::string_view principal) {
  return rule.principal == principal || rule.principal == "User:*";
}

bool resource_matches(const acl_rule& rule, resource_type type, std::string_view name) {
  if (rule.type != type) return false;
  if (rule.pattern == pattern_type::prefixed) return name.substr(0, rule.name.size()) == rule.name;
  return rule.name == name || rule.name == wildcard;
}

// Whether an allow rule for `granted` also allows `wanted` (Kafka's implied operations).
bool allow_implies(operation granted, operation wanted) {
  if (granted == operation::all || granted == wanted) return true;
  if (wanted == operation::describe)
    return granted == operation::read || granted == operation::write ||
           granted == operation::delete_ || granted == operation::alter;
  if (wanted == operation::describe_configs) return granted == operation::alter_configs;
  return false;
}

bool deny_covers(operation denied, operation wanted) {
  return denied == operation::all || denied == wanted;
}

}  // namespace

authorizer::authorizer(std::vector<acl_rule> rules, authorizer_options options)
    : _rules(std::move(rules)), _options(std::move(options)) {}

std::unique_ptr<authorizer> authorizer::load(const std::string& path, authorizer_options options,
                                             std::string& error) {
  std::vector<acl_rule> rules;
  if (!load_rules(path, rules, error)) return nullptr;
  auto a = std::make_unique<authorizer>(std::move(rules), std::move(options));
  a->_path = path;
  return a;
}

bool authorizer::reload(std::string& error) {
  if (_path.empty()) {
    error = "the ACLs were not read from a file";
    return false;
  }
  std::vector<acl_rule> rules;
  if (!load_rules(_path, rules, error)) return false;
  _rules = std::move(rules);
  return true;
}

bool authorizer::is_super_user(std::string_view principal) const {
  for (const auto& s : _options.super_users)
    if (s == principal || s == "User:*") return true;
  return false;
}

bool authorizer::authorize(std::string_view principal, operation op, resource_type type,
                           std::string_view name) const {
  if (is_super_user(principal)) return true;
  bool any_rule = false, allowed = false;
  for (const auto& rule : _rules) {
    if (!resource_matches(rule, type, name)) continue;
    any_rule = true;
    if (!principal_matches(rule, principal)) continue;
    if (rule.perm == permission::deny) {
      if (deny_covers(rule.op, op)) return false;
    } else if (allow_implies(rule.op, op)) {
      allowed = true;
    }
  }
  if (allowed) return true;
  return !any_rule && _options.allow_everyone_if_no_acl_found;
}

bool authorizer::authorize_any(std::string_view principal, operation op, resource_type type) const {
  if (is_super_user(principal)) return true;
  bool any_rule = false, allowed = false;
  for (const auto& rule : _rules) {
    if (rule.type != type) continue;
    any_rule = true;
    if (!principal_matches(rule, principal)) continue;
    bool everything = rule.pattern == pattern_type::literal && rule.name == wildcard;
    if (rule.perm == permission::deny) {
      if (everything && deny_covers(rule.op, op)) return false;
    } else if (allow_implies(rule.op, op)) {
      allowed = true;
    }
  }
  if (allowed) return true;
  return !any_rule && _options.allow_everyone_if_no_acl_found;
}

bool parse_super_users(std::string_view text, std::vector<std::string>& out, std::string& error) {
  std::vector<std::string> users;
  while (!text.empty()) {
    auto semi = text.find(';');
    std::string_view item = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty()) continue;
    if (!valid_principal(item)) {
      error = "super user '" + std::string(item) + "' is not User:<name>";
      return false;
    }
    users.emplace_back(item);
  }
  out = std::move(users);
  return true;
}

}  // namespace tern::auth
