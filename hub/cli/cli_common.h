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

// Adds --command-config to a client command's options.
void add_command_config(cxxopts::Options& options);

// Reads a Kafka client properties file (key=value lines, # comments) into TLS settings.
// Keys: security.protocol (PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL), ssl.ca.location,
// ssl.certificate.location, ssl.key.location, ssl.key.password,
// ssl.endpoint.identification.algorithm (https|none), ssl.cipher.suites, ssl.psk.identity +
// ssl.psk.key (hex: PSK instead of certificates), sasl.mechanism or librdkafka's
// sasl.mechanisms (PLAIN, the default, SCRAM-SHA-256 or SCRAM-SHA-512), sasl.username,
// sasl.password.
// false + `error` naming the key (or line) at fault; an unknown key is an error.
bool load_command_config(const std::string& path, client::tls_settings& out, std::string& error);

// connect() with the TLS settings of --command-config, when given.
bool connect(const char* command, const cxxopts::ParseResult& opts, client::cluster_client& client);

}  // namespace tern::cli
