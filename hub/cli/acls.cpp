// `tern acls`: lists, adds and removes rules in the hub's ACL file, with kafka-acls' flags:
//   --acl-file F --list [--topic T | --group G | --cluster]
//   --acl-file F --add|--remove --allow-principal P | --deny-principal P  --operation OP
//                (--topic T | --group G | --cluster) [--resource-pattern-type literal|prefixed]
// Every flag except --acl-file and the action may repeat; --add/--remove act on every
// combination (principal × operation × resource). The file is rewritten atomically with mode
// 0600, keeping its comments; a running hub picks the change up on SIGHUP or restart.
#include "cli/acls.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/log.h"
#include "cli/cli_common.h"

namespace tern::cli {

bool load_authorizer(const app::server_config& config, std::unique_ptr<auth::authorizer>& out) {
  out.reset();
  if (config.authorizer_acl_file.empty()) return true;
  auth::authorizer_options options;
  options.allow_everyone_if_no_acl_found = config.effective_allow_everyone_if_no_acl_found();
  std::string error;
  if (!auth::parse_super_users(config.super_users, options.super_users, error)) {
    log::error("super.users: ", error);
    return false;
  }
  out = auth::authorizer::load(config.authorizer_acl_file, options, error);
  if (!out) {
    log::error("cannot load the ACLs: ", error);
    return false;
  }
  log::info("authorizer: ", out->rules().size(), " ACL rules from '", config.authorizer_acl_file,
            "', ", options.super_users.size(), " super users, allow.everyone.if.no.acl.found=",
            options.allow_everyone_if_no_acl_found ? "true" : "false");
  return true;
}

void reload_acls_on_signal(asio::signal_set& signals, kafka::broker& hub, std::function<void()> also) {
  signals.async_wait([&signals, &hub, also = std::move(also)](std::error_code ec, int) mutable {
    if (ec) return;
    std::string error;
    if (!hub.reload_acls(error)) log::error("ACL reload failed, keeping the old rules: ", error);
    if (also) also();
    reload_acls_on_signal(signals, hub, std::move(also));
  });
}

namespace {
constexpr const char* cmd = "acls";

bool read_text(const std::string& path, std::string& text, bool missing_ok, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (missing_ok && errno == ENOENT) return true;
    error = "cannot read ACL file '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::stringstream s;
  s << in.rdbuf();
  text = s.str();
  return true;
}

std::vector<std::string> strings(const cxxopts::ParseResult& opts, const char* name) {
  return opts.count(name) ? opts[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

// The resources named on the command line (type, name), with the pattern type.
struct resource_arg {
  auth::resource_type type;
  auth::pattern_type pattern;
  std::string name;
};

bool resources_from(const cxxopts::ParseResult& opts, std::vector<resource_arg>& out,
                    std::string& error) {
  auto pattern = auth::pattern_type::literal;
  if (opts.count("resource-pattern-type")) {
    auto p = auth::parse_pattern_type(opts["resource-pattern-type"].as<std::string>());
    if (!p) {
      error = "--resource-pattern-type must be literal or prefixed";
      return false;
    }
    pattern = *p;
  }
  for (const auto& t : strings(opts, "topic"))
    out.push_back({auth::resource_type::topic, pattern, t});
  for (const auto& g : strings(opts, "group"))
    out.push_back({auth::resource_type::group, pattern, g});
  if (opts.count("cluster"))
    out.push_back({auth::resource_type::cluster, auth::pattern_type::literal,
                   std::string(auth::cluster_name)});
  for (const auto& r : out) {
    if (r.name.empty() || (r.pattern == auth::pattern_type::prefixed && r.name == auth::wildcard)) {
      error = "resource names must be non-empty, and '*' is literal only";
      return false;
    }
  }
  return true;
}

bool rules_from(const cxxopts::ParseResult& opts, std::vector<auth::acl_rule>& out,
                std::string& error) {
  std::vector<resource_arg> resources;
  if (!resources_from(opts, resources, error)) return false;
  if (resources.empty()) {
    error = "give at least one of --topic, --group, --cluster";
    return false;
  }
  std::vector<std::pair<auth::permission, std::string>> principals;
  for (const auto& p : strings(opts, "allow-principal"))
    principals.emplace_back(auth::permission::allow, p);
  for (const auto& p : strings(opts, "deny-principal"))
    principals.emplace_back(auth::permission::deny, p);
  if (principals.empty()) {
    error = "give --allow-principal or --deny-principal";
    return false;
  }
  auto op_names = strings(opts, "operation");
  if (op_names.empty()) {
    error =
        "give --operation (Read, Write, Create, Delete, Alter, Describe, DescribeConfigs, "
        "AlterConfigs, IdempotentWrite, ClusterAction, All)";
    return false;
  }
  for (const auto& [perm, principal] : principals) {
    if (!auth::valid_principal(principal)) {
      error = "principal '" + principal + "' is not User:<name> or User:*";
      return false;
    }
    for (const auto& name : op_names) {
      auto op = auth::parse_operation(name);
      if (!op) {
        error = "unknown operation '" + name + "'";
        return false;
      }
      for (const auto& r : resources) {
        if (!auth::applies_to(*op, r.type)) {
          error = "operation " + std::string(auth::to_string(*op)) + " does not apply to a " +
                  std::string(auth::to_string(r.type)) + " resource";
          return false;
        }
        out.push_back({perm, principal, *op, r.type, r.pattern, r.name});
      }
    }
  }
  return true;
}

// The rule on one file line (comment stripped), if the line holds one.
std::optional<auth::acl_rule> rule_on(std::string_view line) {
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  auth::acl_rule rule;
  std::string why;
  if (line.find_first_not_of(" \t\r") == std::string_view::npos ||
      !auth::parse_rule(line, rule, why))
    return std::nullopt;
  return rule;
}

int list(const std::string& path, const cxxopts::ParseResult& opts) {
  std::vector<auth::acl_rule> rules;
  std::string error;
  if (!auth::load_rules(path, rules, error)) return fail(cmd, error);
  std::vector<resource_arg> filter;
  if (!resources_from(opts, filter, error)) return fail(cmd, error), 2;
  for (const auto& r : rules) {
    bool shown = filter.empty();
    for (const auto& f : filter)
      shown = shown || (f.type == r.type && f.name == r.name &&
                        (f.type == auth::resource_type::cluster || f.pattern == r.pattern));
    if (shown) std::cout << auth::format_rule(r) << "\n";
  }
  return 0;
}

int edit(const std::string& path, const cxxopts::ParseResult& opts, bool add) {
  std::vector<auth::acl_rule> wanted;
  std::string error;
  if (!rules_from(opts, wanted, error)) return fail(cmd, error), 2;
  std::string text;
  if (!read_text(path, text, add, error)) return fail(cmd, error);
  std::vector<auth::acl_rule> current;
  // Never edit a file the hub would refuse: the operator must fix the named line first.
  if (!auth::parse_rules(text, path, current, error)) return fail(cmd, error);
  std::size_t changed = 0;
  if (add) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    for (const auto& rule : wanted) {
      if (std::find(current.begin(), current.end(), rule) != current.end()) continue;
      current.push_back(rule);
      text += auth::format_rule(rule) + "\n";
      ++changed;
      std::cout << "added: " << auth::format_rule(rule) << "\n";
    }
  } else {
    std::string kept;
    std::string_view rest = text;
    while (!rest.empty()) {
      auto nl = rest.find('\n');
      auto line = rest.substr(0, nl == std::string_view::npos ? rest.size() : nl + 1);
      rest.remove_prefix(line.size());
      auto rule = rule_on(line);
      if (rule && std::find(wanted.begin(), wanted.end(), *rule) != wanted.end()) {
        ++changed;
        std::cout << "removed: " << auth::format_rule(*rule) << "\n";
        continue;
      }
      kept += line;
    }
    text = std::move(kept);
  }
  if (changed == 0) {
    std::cerr << "tern acls: nothing to "
              << (add ? "add: every rule is already" : "remove: no rule is") << " in '" << path
              << "'\n";
    return 0;
  }
  if (!auth::write_file_atomically(path, text, error)) return fail(cmd, error);
  return 0;
}

}  // namespace

int run_acls(int argc, char** argv) {
  cxxopts::Options options(
      "tern acls",
      "List, add and remove ACL rules in the hub's ACL file (like kafka-acls); "
      "the hub reads it at start and on SIGHUP");
  options.add_options()("acl-file", "the ACL file (the hub's authorizer.acl.file)",
                        cxxopts::value<std::string>())(
      "list", "print the rules (of the given resources)")("add", "add rules")(
      "remove", "remove rules")("allow-principal", "User:<name> or User:* to allow",
                                cxxopts::value<std::vector<std::string>>())(
      "deny-principal", "User:<name> or User:* to deny",
      cxxopts::value<std::vector<std::string>>())(
      "operation",
      "Read, Write, Create, Delete, Alter, Describe, DescribeConfigs, AlterConfigs, "
      "IdempotentWrite, ClusterAction or All",
      cxxopts::value<std::vector<std::string>>())("topic", "topic name, prefix or *",
                                                  cxxopts::value<std::vector<std::string>>())(
      "group", "group id, prefix or *", cxxopts::value<std::vector<std::string>>())(
      "cluster", "the cluster resource")("resource-pattern-type", "literal (default) or prefixed",
                                         cxxopts::value<std::string>())("h,help", "show this help");
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) {
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") return 0;
    return 2;
  }
  const auto& opts = *parsed;
  int actions = static_cast<int>(opts.count("list") + opts.count("add") + opts.count("remove"));
  if (actions != 1) return fail(cmd, "give exactly one of --list, --add, --remove"), 2;
  if (!opts.count("acl-file") || opts["acl-file"].as<std::string>().empty())
    return fail(cmd, "--acl-file is required"), 2;
  auto path = opts["acl-file"].as<std::string>();
  if (opts.count("list")) return list(path, opts);
  return edit(path, opts, opts.count("add") > 0);
}

}  // namespace tern::cli
