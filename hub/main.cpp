// tern: one binary for the hub (`tern serve`) and its Kafka-console-like client commands.
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/commands.h"

namespace {
void print_usage() {
  std::cout << "usage: tern <command> [options]\n\n"
               "commands:\n"
               "  serve     run the hub (Kafka wire protocol on LMDB)\n"
               "  topics    create, list, describe, alter (configs, partitions) and delete topics\n"
               "  produce   write lines from stdin to a topic\n"
               "  consume   print records of a topic (alone or as a member of a consumer group)\n"
               "  groups    list, describe, reset the offsets of and delete consumer groups\n"
               "  delete-records  delete a topic's records below an offset (frees space)\n"
               "  cluster   show the metadata quorum and the brokers (tern cluster status)\n"
               "  bench     measure produce and consume throughput against a hub\n"
               "  acls      list, add and remove ACL rules in the hub's ACL file\n"
               "  pki       create a CA, server and device certificates and PSKs (tern pki --help)\n"
               "  passwd    add or replace a SASL/PLAIN user (password from stdin)\n"
               "  forward   show the forwarding links' status (tern forward status)\n\n"
               "`tern <command> --help` shows a command's options. `tern --version` prints the version.\n";
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage();
    return 2;
  }
  std::string_view command = argv[1];
  if (command == "--version" || command == "version") {
    std::cout << "tern " << TERN_VERSION << "\n";
    return 0;
  }
  if (command == "-h" || command == "--help" || command == "help") {
    print_usage();
    return 0;
  }
  int sub_argc = argc - 1;
  char** sub_argv = argv + 1;
  if (command == "serve") return tern::cli::run_serve(sub_argc, sub_argv);
  if (command == "topics") return tern::cli::run_topics(sub_argc, sub_argv);
  if (command == "produce") return tern::cli::run_produce(sub_argc, sub_argv);
  if (command == "consume") return tern::cli::run_consume(sub_argc, sub_argv);
  if (command == "groups") return tern::cli::run_groups(sub_argc, sub_argv);
  if (command == "cluster") return tern::cli::run_cluster(sub_argc, sub_argv);
  if (command == "bench") return tern::cli::run_bench(sub_argc, sub_argv);
  if (command == "acls") return tern::cli::run_acls(sub_argc, sub_argv);
  if (command == "pki") return tern::cli::run_pki(sub_argc, sub_argv);
  if (command == "passwd") return tern::cli::run_passwd(sub_argc, sub_argv);
  if (command == "forward") return tern::cli::run_forward(sub_argc, sub_argv);
  if (command == "delete-records") return tern::cli::run_delete_records(sub_argc, sub_argv);
  std::cerr << "tern: unknown command '" << command << "' (try tern --help)\n";
  return 2;
}
