#include <mbedtls/version.h>

#include "tls/tls.h"

#if defined(__x86_64__) || defined(__i386__)
#include <mbedtls/aesni.h>
#elif defined(__linux__) && (defined(__aarch64__) || defined(__arm__))
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace tern::tls {

bool cpu_has_aes() {
#if defined(MBEDTLS_AESNI_C) && (defined(__x86_64__) || defined(__i386__))
  return mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) != 0;
#elif defined(__linux__) && defined(__aarch64__) && defined(HWCAP_AES)
  return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#elif defined(__linux__) && defined(__arm__) && defined(HWCAP2_AES)
  return (getauxval(AT_HWCAP2) & HWCAP2_AES) != 0;
#else
  return false;
#endif
}

bool aes_is_accelerated() {
#if defined(__x86_64__) || defined(__i386__)
  return cpu_has_aes();
#elif MBEDTLS_VERSION_NUMBER >= 0x03040000
  return cpu_has_aes();  // Mbed TLS 3.4 added the ARMv8 crypto-extension AES path
#else
  return false;
#endif
}

}  // namespace tern::tls
