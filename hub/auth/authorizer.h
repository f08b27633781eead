#pragma once
// Decides whether a principal may perform an operation on a resource, with Kafka's
// AclAuthorizer semantics:
//   1. super users may do everything;
//   2. the rules that match the resource are those of its type whose pattern covers its name
//      (literal equal, literal `*`, or prefixed with a prefix of the name);
//   3. a matching deny rule for the principal (or User:*) on the operation (or All) refuses —
//      deny wins over any allow;
//   4. a matching allow rule for the principal (or User:*) on the operation, on All, or on an
//      operation that implies it allows: Read, Write, Delete and Alter imply Describe;
//      AlterConfigs implies DescribeConfigs;
//   5. otherwise, when no rule at all matches the resource, `allow_everyone_if_no_acl_found`
//      decides; else the request is refused.
//
// Threads: not synchronised; the hub uses it on the io thread only (reload() included).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/acl.h"

namespace tern::auth {

struct authorizer_options {
  bool allow_everyone_if_no_acl_found = false;
  std::vector<std::string> super_users;  // principals, e.g. "User:admin"
};

class authorizer {
 public:
  authorizer(std::vector<acl_rule> rules, authorizer_options options);

  // Reads the rules from `path` (see acl.h for the format). On error returns nullptr with
  // `error` naming the file and line.
  static std::unique_ptr<authorizer> load(const std::string& path, authorizer_options options,
                                          std::string& error);

  bool authorize(std::string_view principal, operation op, resource_type type,
                 std::string_view name) const;

  // True if the principal may perform `op` on at least one resource of `type`: a super user, an
  // allow rule for it (or for All) not cancelled by a deny on every resource (literal `*`), or no
  // rule at all for the type when allow_everyone_if_no_acl_found.
  bool authorize_any(std::string_view principal, operation op, resource_type type) const;

  // Re-reads the file given to load(). On error the current rules stay and `error` says why.
  bool reload(std::string& error);

  const std::string& path() const { return _path; }
  const std::vector<acl_rule>& rules() const { return _rules; }
  const authorizer_options& options() const { return _options; }

 private:
  bool is_super_user(std::string_view principal) const;

  std::vector<acl_rule> _rules;
  authorizer_options _options;
  std::string _path;  // empty when built from rules
};

// Splits Kafka's super.users value ("User:a;User:b"). Returns false with `error` on an entry
// that is not a valid principal.
bool parse_super_users(std::string_view text, std::vector<std::string>& out, std::string& error);

}  // namespace tern::auth
