/* Firmware configuration for the fuzz build: defaults, but internal assertions trap. */
#ifndef TERN_FUZZ_CONFIG_H
#define TERN_FUZZ_CONFIG_H
#define TERN_ASSERT(condition) ((condition) ? (void)0 : __builtin_trap())
#endif
