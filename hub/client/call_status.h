#pragma once
// What a client call that can fail returns, with a sentence for the user in an `error` out
// parameter: whether trying again later may succeed (the broker is restarting, a connection was
// lost, a leader or coordinator is moving) or not (the topic does not exist, access is denied,
// TLS or SASL settings are refused, the broker's answer is malformed). Long-running clients
// (`tern consume`) retry the first kind with a backoff and exit on the second.
#include <system_error>

namespace tern::client {

enum class call_status {
  ok,
  retriable,  // transient: retry after a backoff
  fatal,      // retrying cannot help: report and stop
};

// A connection-level error's status: retriable for what a new connection may not meet again
// (refused, reset, closed, timed out, unreachable: a broker restarting or a network blip),
// fatal for what it would (TLS trust or SASL refused, versions or answers we cannot use).
call_status status_of(std::error_code ec);

}  // namespace tern::client
