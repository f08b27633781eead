/* tern_hash.c built again with TERN_CRC32C_TABLE=0 under other names, so the unit tests
 * check every CRC32C variant against the host build's 256-entry table. */
#undef TERN_CONFIG_FILE
#define TERN_CRC32C_TABLE 0
#define tern_crc32c tern_crc32c_bitwise
#define tern_murmur2 tern_murmur2_bitwise
#define tern_partition_for_key tern_partition_for_key_bitwise
#include "../../firmware/src/tern_hash.c"
