#pragma once
// ACLs for `tern serve` (loading the authorizer, SIGHUP reload) and the `tern acls` command that
// edits the ACL file (format: hub/auth/acl.h).
#include <asio.hpp>
#include <functional>
#include <memory>

#include "app/config.h"
#include "auth/authorizer.h"
#include "kafka/broker.h"

namespace tern::cli {

// Builds the authorizer from authorizer.acl.file, allow.everyone.if.no.acl.found and super.users.
// No file configured: `out` stays null (no authorization) and it returns true. A file that cannot
// be read or parsed: logs the cause (file and line) and returns false — the hub must not start.
bool load_authorizer(const app::server_config& config, std::unique_ptr<auth::authorizer>& out);

// Re-reads the broker's ACL file on every SIGHUP delivered to `signals` (which the caller
// created for SIGHUP); a broken file is logged and the old rules stay.
// `also` runs after the ACL reload on each signal (serve.cpp: TLS listener files).
void reload_acls_on_signal(asio::signal_set& signals, kafka::broker& hub,
                           std::function<void()> also = {});

int run_acls(int argc, char** argv);

}  // namespace tern::cli
