#pragma once
// Helpers shared by the client subcommands: option parsing with Kafka console tool names,
// --property key=value bags, and uniform error reporting ("tern <cmd>: <cause>", exit 1).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "client/cluster_client.h"

namespace tern::cli {

// Parses argv with cxxopts; on error prints it and returns nullopt (the caller exits 2).
std::optional<cxxopts::ParseResult> parse_options(cxxopts::Options& options, int argc, char** argv);

// "k=v" strings into a map; false + message for a malformed entry.
bool parse_properties(const std::vector<std::string>& items, std::map<std::string, std::string>& out,
                      std::string& error);

// Prints "tern <command>: <message>" to stderr and returns 1.
int fail(const char* command, const std::string& message);

// Connects to --bootstrap-server; prints the cause and returns false when it cannot.
bool connect(const char* command, const std::string& servers, client::cluster_client& client);

}  // namespace tern::cli
