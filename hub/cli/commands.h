#pragma once
// The `tern` subcommands. Each takes the arguments after its name (argv[0] is the command name)
// and returns the process exit code: 0 success, 1 runtime failure (message on stderr naming the
// cause), 2 usage error.
namespace tern::cli {
int run_serve(int argc, char** argv);
int run_topics(int argc, char** argv);
int run_produce(int argc, char** argv);
int run_consume(int argc, char** argv);
int run_groups(int argc, char** argv);
int run_cluster(int argc, char** argv);
int run_bench(int argc, char** argv);
int run_acls(int argc, char** argv);
int run_pki(int argc, char** argv);
int run_passwd(int argc, char** argv);
int run_forward(int argc, char** argv);
int run_delete_records(int argc, char** argv);
}  // namespace tern::cli
