/* tern_hash.c built again with TERN_CRC32C_TABLE=16 under other names, so the unit tests
 * check every CRC32C variant against the host build's 256-entry table. */
#undef TERN_CONFIG_FILE
#define TERN_CRC32C_TABLE 16
#define tern_crc32c tern_crc32c_nibble
#define tern_murmur2 tern_murmur2_nibble
#define tern_partition_for_key tern_partition_for_key_nibble
#include "../../firmware/src/tern_hash.c"
