#pragma once
// Opens the connection to a link's upstream cluster: TLS and SASL from the link's settings (the
// password file is read at each attempt, so a rotated secret is used at the next reconnect), a
// client id naming the link, and an abort flag so a stopping link never waits on the network.
//
// Errors: false with `error` (a sentence naming the broker and the cause) and `fatal` = true
// when retrying cannot help until the settings or the upstream change (TLS trust, SASL refused,
// a password file that cannot be read); false with fatal = false for connection trouble.
// Lifetimes: `abort` must outlive the client.
#include <atomic>
#include <memory>
#include <string>

#include "client/cluster_client.h"
#include "forward/link_config.h"

namespace tern::forward {

bool open_upstream(const link_config& config, const std::string& client_id, const std::atomic<bool>* abort,
                   std::unique_ptr<client::cluster_client>& out, std::string& error, bool& fatal);

}  // namespace tern::forward
