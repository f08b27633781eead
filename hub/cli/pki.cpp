// `tern pki`: a small certificate authority for a hub and its devices, on Mbed TLS's own APIs.
//   init                 CA key + self-signed CA certificate (ECDSA P-256, 10 years)
//   issue-server         server key + certificate for --host names/addresses (serverAuth, 2 years)
//   issue-device NAME    device key + certificate with CN=NAME (clientAuth, 2 years)
//   issue-broker NAME    cluster node key + certificate, CN=NAME, --host names (server and client auth)
//   issue-psk NAME       a random 32-byte pre-shared key appended to psk.txt as NAME:<hex>
//   revoke NAME          devices/NAME.pem's serial added to crl.pem (a CRL we encode ourselves:
//                        Mbed TLS 2.28 parses CRLs but has no writer)
// Every file is created 0600 by open(O_CREAT|O_EXCL) (or a 0600 temporary renamed over the old
// file with --force), so a key is never readable by others, not even for a moment.
#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "cli/pki_asn1.h"

namespace tern::cli {
namespace {
namespace fs = std::filesystem;
constexpr const char* cmd = "pki";
constexpr int ca_validity_years = 10;
constexpr int leaf_validity_years = 2;
constexpr std::size_t psk_bytes = 32;
constexpr std::size_t serial_bytes = 16;
constexpr std::size_t name_bytes_max = 64;
constexpr std::size_t pem_bytes_max = 32 * 1024;  // a server certificate with names_max SANs fits
constexpr std::size_t psk_file_bytes_max = 1 << 20;

// "<Mbed TLS's description> (-0x<code>)".
std::string mbed_error(int ret) {
  std::array<char, 200> text{};
  mbedtls_strerror(ret, text.data(), text.size());
  std::array<char, 16> code{};
  std::snprintf(code.data(), code.size(), " (-0x%04x)", static_cast<unsigned>(-ret));
  return std::string(text.data()) + code.data();
}

std::string errno_text(int err) { return std::strerror(err); }

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xf];
  }
  return out;
}

// RAII owners of the Mbed TLS contexts used here.
struct random_source {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  random_source() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~random_source() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  random_source(const random_source&) = delete;
  random_source& operator=(const random_source&) = delete;
  bool seed(std::string& error) {
    static constexpr char personalization[] = "tern pki";
    int ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                    reinterpret_cast<const unsigned char*>(personalization),
                                    sizeof personalization - 1);
    if (ret != 0) error = "cannot seed the random generator: " + mbed_error(ret);
    return ret == 0;
  }
  bool fill(unsigned char* out, std::size_t size, std::string& error) {
    int ret = mbedtls_ctr_drbg_random(&drbg, out, size);
    if (ret != 0) error = "random generator failed: " + mbed_error(ret);
    return ret == 0;
  }
};

struct pk_key {
  mbedtls_pk_context ctx;
  pk_key() { mbedtls_pk_init(&ctx); }
  ~pk_key() { mbedtls_pk_free(&ctx); }
  pk_key(const pk_key&) = delete;
  pk_key& operator=(const pk_key&) = delete;
};

struct certificate {
  mbedtls_x509_crt crt;
  certificate() { mbedtls_x509_crt_init(&crt); }
  ~certificate() { mbedtls_x509_crt_free(&crt); }
  certificate(const certificate&) = delete;
  certificate& operator=(const certificate&) = delete;
};

struct revocation_list {
  mbedtls_x509_crl crl;
  revocation_list() { mbedtls_x509_crl_init(&crl); }
  ~revocation_list() { mbedtls_x509_crl_free(&crl); }
  revocation_list(const revocation_list&) = delete;
  revocation_list& operator=(const revocation_list&) = delete;
};

struct cert_writer {
  mbedtls_x509write_cert ctx;
  cert_writer() { mbedtls_x509write_crt_init(&ctx); }
  ~cert_writer() { mbedtls_x509write_crt_free(&ctx); }
  cert_writer(const cert_writer&) = delete;
  cert_writer& operator=(const cert_writer&) = delete;
};

struct big_number {
  mbedtls_mpi value;
  big_number() { mbedtls_mpi_init(&value); }
  ~big_number() { mbedtls_mpi_free(&value); }
  big_number(const big_number&) = delete;
  big_number& operator=(const big_number&) = delete;
};

// ---- files -------------------------------------------------------------------------------------

bool make_private_dir(const fs::path& dir, std::string& error) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return true;
  if (dir.has_parent_path() && !dir.parent_path().empty())
    fs::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create directory " + dir.string() + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool check_absent(const fs::path& path, bool force, std::string& error) {
  struct stat st;
  if (force || ::lstat(path.c_str(), &st) != 0) return true;
  error = path.string() + " already exists (use --force to replace it)";
  return false;
}

bool write_all(int fd, const std::string& content) {
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) == 0;
}

// Creates `path` 0600 with `content`. Without `force` an existing file is an error (O_EXCL);
// with it, a fresh 0600 temporary is renamed over the old file.
bool write_private_file(const fs::path& path, const std::string& content, bool force,
                        std::string& error) {
  fs::path target = force ? fs::path(path.string() + ".tmp." + std::to_string(::getpid())) : path;
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = errno == EEXIST && !force
                ? path.string() + " already exists (use --force to replace it)"
                : "cannot create " + target.string() + ": " + errno_text(errno);
    return false;
  }
  bool ok = write_all(fd, content);
  int write_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (ok && force && ::rename(target.c_str(), path.c_str()) != 0) {
    write_errno = errno;
    ok = false;
  }
  if (!ok) {
    ::unlink(target.c_str());
    error = "cannot write " + path.string() + ": " + errno_text(write_errno);
  }
  return ok;
}

// ---- keys and certificates ---------------------------------------------------------------------

bool generate_key(random_source& rng, pk_key& key, std::string& error) {
  int ret = mbedtls_pk_setup(&key.ctx, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (ret == 0)
    ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.ctx),
                              mbedtls_ctr_drbg_random, &rng.drbg);
  if (ret != 0) error = "cannot generate an ECDSA P-256 key: " + mbed_error(ret);
  return ret == 0;
}

bool key_pem(pk_key& key, std::string& pem, std::string& error) {
  std::vector<unsigned char> buf(pem_bytes_max);
  int ret = mbedtls_pk_write_key_pem(&key.ctx, buf.data(), buf.size());
  if (ret != 0) {
    error = "cannot encode the private key: " + mbed_error(ret);
    return false;
  }
  pem = reinterpret_cast<const char*>(buf.data());
  mbedtls_platform_zeroize(buf.data(), buf.size());
  return true;
}

// "YYYYMMDDhhmmss" (UTC) for mbedtls_x509write_crt_set_validity.
std::string validity_time(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d%H%M%S", &tm);
  return text;
}

std::time_t add_years(std::time_t t, int years) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  tm.tm_year += years;  // 29 February becomes 1 March: timegm normalises
  return ::timegm(&tm);
}

struct cert_profile {
  std::string subject;  // Mbed TLS name string, "CN=..."
  bool is_ca = false;
  int validity_years = leaf_validity_years;
  unsigned key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
  std::vector<pki_asn1::general_name> alt_names;
  std::vector<std::string_view> ext_key_usages;
};

// Sets the extensions of `profile` on `w` (the subject and issuer keys already set).
int set_extensions(mbedtls_x509write_cert* w, const cert_profile& profile) {
  int ret =
      mbedtls_x509write_crt_set_basic_constraints(w, profile.is_ca ? 1 : 0, profile.is_ca ? 0 : -1);
  if (ret == 0) ret = mbedtls_x509write_crt_set_key_usage(w, profile.key_usage);
  if (ret == 0) ret = mbedtls_x509write_crt_set_subject_key_identifier(w);
  if (ret == 0) ret = mbedtls_x509write_crt_set_authority_key_identifier(w);
  std::vector<unsigned char> der;
  if (ret == 0 && !profile.alt_names.empty()) {
    if (!pki_asn1::encode_subject_alt_name(profile.alt_names, der))
      return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    ret = mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                              der.data(), der.size());
  }
  if (ret == 0 && !profile.ext_key_usages.empty()) {
    if (!pki_asn1::encode_ext_key_usage(profile.ext_key_usages, der))
      return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    ret = mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
                                              der.data(), der.size());
  }
  return ret;
}

// Signs a certificate for `subject_key` with `issuer_key`; `pem` receives it.
bool sign_certificate(random_source& rng, pk_key& subject_key, pk_key& issuer_key,
                      const std::string& issuer_name, const cert_profile& profile, std::string& pem,
                      std::string& error) {
  std::array<unsigned char, serial_bytes> serial_raw{};
  if (!rng.fill(serial_raw.data(), serial_raw.size(), error)) return false;
  // A 16-octet positive INTEGER (RFC 5280 §4.1.2.2 allows up to 20), never zero and never
  // shortened by a leading zero octet: 126 random bits.
  serial_raw[0] = static_cast<unsigned char>((serial_raw[0] & 0x3f) | 0x40);
  big_number serial;
  cert_writer w;
  std::time_t now = std::time(nullptr);
  std::time_t not_before = now - 3600;  // tolerate devices whose clock runs a little late
  int ret = mbedtls_mpi_read_binary(&serial.value, serial_raw.data(), serial_raw.size());
  mbedtls_x509write_crt_set_version(&w.ctx, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w.ctx, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w.ctx, &subject_key.ctx);
  mbedtls_x509write_crt_set_issuer_key(&w.ctx, &issuer_key.ctx);
  if (ret == 0) ret = mbedtls_x509write_crt_set_serial(&w.ctx, &serial.value);
  if (ret == 0)
    ret = mbedtls_x509write_crt_set_validity(
        &w.ctx, validity_time(not_before).c_str(),
        validity_time(add_years(now, profile.validity_years)).c_str());
  if (ret == 0) ret = mbedtls_x509write_crt_set_subject_name(&w.ctx, profile.subject.c_str());
  if (ret == 0) ret = mbedtls_x509write_crt_set_issuer_name(&w.ctx, issuer_name.c_str());
  if (ret == 0) ret = set_extensions(&w.ctx, profile);
  std::vector<unsigned char> buf(pem_bytes_max);
  if (ret == 0)
    ret = mbedtls_x509write_crt_pem(&w.ctx, buf.data(), buf.size(), mbedtls_ctr_drbg_random,
                                    &rng.drbg);
  if (ret != 0) {
    error = "cannot create the certificate for " + profile.subject + ": " + mbed_error(ret);
    return false;
  }
  pem = reinterpret_cast<const char*>(buf.data());
  return true;
}

struct pki_paths {
  fs::path dir;
  fs::path ca_key() const { return dir / "ca.key"; }
  fs::path ca_cert() const { return dir / "ca.pem"; }
  fs::path server_key() const { return dir / "server.key"; }
  fs::path server_cert() const { return dir / "server.pem"; }
  fs::path devices() const { return dir / "devices"; }
  fs::path brokers() const { return dir / "brokers"; }
  fs::path psk_file() const { return dir / "psk.txt"; }
  fs::path crl() const { return dir / "crl.pem"; }
};

struct loaded_ca {
  pk_key key;
  certificate cert;
  std::string name;      // the CA's subject as a Mbed TLS name string (the issuer of new certs)
  std::string cert_pem;  // re-encoded, for server.pem's chain
};

bool load_ca(const pki_paths& paths, loaded_ca& ca, std::string& error) {
  const std::string key_path = paths.ca_key().string(), cert_path = paths.ca_cert().string();
  for (const auto& path : {key_path, cert_path}) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
      return error = "no CA in " + paths.dir.string() + " (" + path + ": " + errno_text(errno) +
                     "); run `tern pki init` first",
             false;
  }
  int ret = mbedtls_pk_parse_keyfile(&ca.key.ctx, key_path.c_str(), nullptr);
  if (ret != 0) return error = "cannot read CA key " + key_path + ": " + mbed_error(ret), false;
  ret = mbedtls_x509_crt_parse_file(&ca.cert.crt, cert_path.c_str());
  if (ret != 0)
    return error = "cannot read CA certificate " + cert_path + ": " + mbed_error(ret), false;
  if (!ca.cert.crt.ca_istrue) return error = cert_path + " is not a CA certificate", false;
  if ((ret = mbedtls_pk_check_pair(&ca.cert.crt.pk, &ca.key.ctx)) != 0)
    return error = key_path + " is not the private key of " + cert_path, false;
  std::array<char, 512> name{};
  if ((ret = mbedtls_x509_dn_gets(name.data(), name.size(), &ca.cert.crt.subject)) < 0)
    return error = "cannot read the subject of " + cert_path + ": " + mbed_error(ret), false;
  ca.name = name.data();
  std::vector<unsigned char> buf(pem_bytes_max);
  std::size_t olen = 0;
  ret = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                 ca.cert.crt.raw.p, ca.cert.crt.raw.len, buf.data(), buf.size(),
                                 &olen);
  if (ret != 0) return error = "cannot re-encode " + cert_path + ": " + mbed_error(ret), false;
  ca.cert_pem = reinterpret_cast<const char*>(buf.data());
  return true;
}

// Device and PSK names become file names and "NAME:" prefixes: letters, digits, '.', '_', '-'.
bool valid_name(const std::string& name, std::string& error) {
  bool ok = !name.empty() && name.size() <= name_bytes_max && name[0] != '.' && name[0] != '-';
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  if (!ok)
    error = "invalid name '" + name + "': use 1-" + std::to_string(name_bytes_max) +
            " letters, digits, '.', '_' or '-' (not starting with '.' or '-')";
  return ok;
}

// ---- subcommands -------------------------------------------------------------------------------

int init(const pki_paths& paths, bool force) {
  std::string error;
  if (!make_private_dir(paths.dir, error) || !check_absent(paths.ca_key(), force, error) ||
      !check_absent(paths.ca_cert(), force, error))
    return fail(cmd, error);
  random_source rng;
  pk_key key;
  std::array<unsigned char, 8> tag{};
  std::string key_text, cert_text;
  if (!rng.seed(error) || !generate_key(rng, key, error) ||
      !rng.fill(tag.data(), tag.size(), error))
    return fail(cmd, error);
  cert_profile profile;
  profile.subject = "CN=Tern CA " + to_hex(tag.data(), tag.size());
  profile.is_ca = true;
  profile.validity_years = ca_validity_years;
  profile.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
  if (!sign_certificate(rng, key, key, profile.subject, profile, cert_text, error) ||
      !key_pem(key, key_text, error) ||
      !write_private_file(paths.ca_key(), key_text, force, error) ||
      !write_private_file(paths.ca_cert(), cert_text, force, error))
    return fail(cmd, error);
  std::cout << "Created CA '" << profile.subject.substr(3) << "': " << paths.ca_key().string()
            << " (private key, keep it offline), " << paths.ca_cert().string() << "\n";
  return 0;
}

// Writes a new key + CA-signed certificate (followed by the CA's when `with_chain`).
int issue(const pki_paths& paths, const cert_profile& profile, const fs::path& key_path,
          const fs::path& cert_path, bool with_chain, bool force) {
  std::string error;
  loaded_ca ca;
  if (!load_ca(paths, ca, error) || !make_private_dir(key_path.parent_path(), error) ||
      !check_absent(key_path, force, error) || !check_absent(cert_path, force, error))
    return fail(cmd, error);
  random_source rng;
  pk_key key;
  std::string key_text, cert_text;
  if (!rng.seed(error) || !generate_key(rng, key, error) ||
      !sign_certificate(rng, key, ca.key, ca.name, profile, cert_text, error) ||
      !key_pem(key, key_text, error) || !write_private_file(key_path, key_text, force, error) ||
      !write_private_file(cert_path, cert_text + (with_chain ? ca.cert_pem : ""), force, error))
    return fail(cmd, error);
  std::cout << "Issued '" << profile.subject.substr(3) << "' signed by '" << ca.name.substr(3)
            << "': " << key_path.string() << ", " << cert_path.string() << "\n";
  return 0;
}

// The subject alternative names of --host values; false after reporting a bad one.
bool alt_names_of(const std::vector<std::string>& hosts, cert_profile& profile) {
  for (const auto& host : hosts) {
    pki_asn1::general_name name;
    std::string error;
    if (!pki_asn1::parse_host(host, name, error)) return fail(cmd, "--host " + error), false;
    profile.alt_names.push_back(name);
  }
  if (profile.alt_names.size() > pki_asn1::names_max)
    return fail(cmd, "at most " + std::to_string(pki_asn1::names_max) + " --host values"), false;
  return true;
}

int issue_server(const pki_paths& paths, const std::vector<std::string>& hosts, bool force) {
  cert_profile profile;
  if (!alt_names_of(hosts, profile)) return 2;
  if (hosts.front().size() > 64)  // ub-common-name (RFC 5280 appendix A)
    return fail(cmd, "the first --host becomes the CN and must be at most 64 bytes"), 2;
  profile.subject = "CN=" + hosts.front();
  profile.ext_key_usages = {
      std::string_view(MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH))};
  return issue(paths, profile, paths.server_key(), paths.server_cert(), true, force);
}

// A cluster node's certificate: CN=NAME (its principal User:NAME, to grant ClusterAction),
// --host names for its listeners, and both serverAuth and clientAuth, because a broker is the
// server of its listeners and the client of its peers (quorum and follower fetches, mutual TLS).
int issue_broker(const pki_paths& paths, const std::string& name, const std::vector<std::string>& hosts,
                 bool force) {
  std::string error;
  if (!valid_name(name, error)) return fail(cmd, error), 2;
  cert_profile profile;
  if (!alt_names_of(hosts, profile)) return 2;
  profile.subject = "CN=" + name;
  profile.ext_key_usages = {
      std::string_view(MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
      std::string_view(MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH))};
  return issue(paths, profile, paths.brokers() / (name + ".key"), paths.brokers() / (name + ".pem"),
               true, force);
}

int issue_device(const pki_paths& paths, const std::string& name, bool force) {
  std::string error;
  if (!valid_name(name, error)) return fail(cmd, error), 2;
  cert_profile profile;
  profile.subject = "CN=" + name;
  profile.ext_key_usages = {
      std::string_view(MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH))};
  return issue(paths, profile, paths.devices() / (name + ".key"), paths.devices() / (name + ".pem"),
               false, force);
}

// Reads the whole (locked) file behind `fd`.
bool read_fd(int fd, std::string& out) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > psk_file_bytes_max) return errno = EFBIG, false;
  }
}

int issue_psk(const pki_paths& paths, const std::string& name, bool print) {
  std::string error;
  if (!valid_name(name, error)) return fail(cmd, error), 2;
  if (!make_private_dir(paths.dir, error)) return fail(cmd, error);
  const std::string path = paths.psk_file().string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail(cmd, "cannot open " + path + ": " + errno_text(errno));
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return fail(cmd, "cannot stat " + path + ": " + errno_text(errno));
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(cmd, path + " has mode " + mode + ", readable by others: chmod 600 it first");
  }
  if (::flock(fd, LOCK_EX) != 0) return fail(cmd, "cannot lock " + path + ": " + errno_text(errno));
  std::string existing;
  if (!read_fd(fd, existing)) return fail(cmd, "cannot read " + path + ": " + errno_text(errno));
  std::size_t pos = 0;
  while (pos < existing.size()) {
    std::size_t end = existing.find('\n', pos);
    if (end == std::string::npos) end = existing.size();
    if (existing.compare(pos, name.size() + 1, name + ":") == 0)
      return fail(cmd, "PSK identity '" + name + "' already exists in " + path);
    pos = end + 1;
  }
  random_source rng;
  std::array<unsigned char, psk_bytes> psk{};
  if (!rng.seed(error) || !rng.fill(psk.data(), psk.size(), error)) return fail(cmd, error);
  std::string key_hex = to_hex(psk.data(), psk.size());
  mbedtls_platform_zeroize(psk.data(), psk.size());
  std::string line =
      (existing.empty() || existing.back() == '\n' ? "" : "\n") + name + ":" + key_hex + "\n";
  if (!write_all(fd, line)) return fail(cmd, "cannot write " + path + ": " + errno_text(errno));
  std::cout << "Added PSK identity '" << name << "' to " << path << "\n";
  if (print) std::cout << name << ":" << key_hex << "\n";
  return 0;
}

// The CRL entries already in crl.pem (none when it does not exist yet).
bool read_revoked(const fs::path& path, const loaded_ca& ca, std::vector<pki_asn1::crl_entry>& out,
                  std::string& error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return true;
  revocation_list list;
  int ret = mbedtls_x509_crl_parse_file(&list.crl, path.c_str());
  if (ret != 0) return error = "cannot read " + path.string() + ": " + mbed_error(ret), false;
  const auto& ca_name = ca.cert.crt.subject_raw;
  if (list.crl.issuer_raw.len != ca_name.len ||
      std::memcmp(list.crl.issuer_raw.p, ca_name.p, ca_name.len) != 0)
    return error = path.string() + " was not issued by this CA", false;
  for (const mbedtls_x509_crl_entry* e = &list.crl.entry; e != nullptr && e->serial.len > 0;
       e = e->next) {
    const auto& t = e->revocation_date;
    char text[32];
    std::snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02d", t.year, t.mon, t.day, t.hour,
                  t.min, t.sec);
    out.push_back({std::string(reinterpret_cast<const char*>(e->serial.p), e->serial.len), text});
  }
  return true;
}

// The CA's key identifier as x509write computes it: SHA-1 of the subjectPublicKey bits.
bool key_identifier(pk_key& key, std::string& out, std::string& error) {
  std::array<unsigned char, 160> buf{};
  unsigned char* p = buf.data() + buf.size();
  int len = mbedtls_pk_write_pubkey(&p, buf.data(), &key.ctx);
  std::array<unsigned char, 20> hash{};
  int ret = len < 0 ? len : mbedtls_sha1_ret(p, static_cast<std::size_t>(len), hash.data());
  if (ret != 0) return error = "cannot hash the CA public key: " + mbed_error(ret), false;
  out.assign(reinterpret_cast<const char*>(hash.data()), hash.size());
  return true;
}

// Signs `fields` with the CA key and returns the CRL as PEM.
bool sign_crl(random_source& rng, loaded_ca& ca, const pki_asn1::crl_fields& fields,
              std::string& pem, std::string& error) {
  std::vector<unsigned char> tbs, der;
  if (!pki_asn1::encode_tbs_cert_list(fields, tbs)) return error = "cannot encode the CRL", false;
  std::array<unsigned char, 32> hash{};
  std::vector<unsigned char> sig(MBEDTLS_PK_SIGNATURE_MAX_SIZE);
  std::size_t sig_len = 0;
  int ret = mbedtls_sha256_ret(tbs.data(), tbs.size(), hash.data(), 0);
  if (ret == 0)
    ret = mbedtls_pk_sign(&ca.key.ctx, MBEDTLS_MD_SHA256, hash.data(), hash.size(), sig.data(),
                          &sig_len, mbedtls_ctr_drbg_random, &rng.drbg);
  if (ret != 0) return error = "cannot sign the CRL: " + mbed_error(ret), false;
  sig.resize(sig_len);
  if (!pki_asn1::encode_cert_list(tbs, fields.signature_oid, sig, der))
    return error = "cannot encode the CRL", false;
  std::vector<unsigned char> buf(der.size() * 2 + 128);
  std::size_t olen = 0;
  ret = mbedtls_pem_write_buffer("-----BEGIN X509 CRL-----\n", "-----END X509 CRL-----\n",
                                 der.data(), der.size(), buf.data(), buf.size(), &olen);
  if (ret != 0) return error = "cannot encode the CRL: " + mbed_error(ret), false;
  pem = reinterpret_cast<const char*>(buf.data());
  revocation_list check;  // what we wrote must parse
  if ((ret = mbedtls_x509_crl_parse_der(&check.crl, der.data(), der.size())) != 0)
    return error = "the CRL does not parse back: " + mbed_error(ret), false;
  return true;
}

// Adds devices/NAME.pem's serial to crl.pem (re-signing it for another year).
int revoke(const pki_paths& paths, const std::string& name) {
  std::string error;
  if (!valid_name(name, error)) return fail(cmd, error), 2;
  loaded_ca ca;
  if (!load_ca(paths, ca, error)) return fail(cmd, error);
  const fs::path cert_path = paths.devices() / (name + ".pem");
  certificate device;
  int ret = mbedtls_x509_crt_parse_file(&device.crt, cert_path.c_str());
  if (ret != 0) return fail(cmd, "cannot read " + cert_path.string() + ": " + mbed_error(ret));
  const auto& ca_name = ca.cert.crt.subject_raw;
  if (device.crt.issuer_raw.len != ca_name.len ||
      std::memcmp(device.crt.issuer_raw.p, ca_name.p, ca_name.len) != 0)
    return fail(cmd, cert_path.string() + " was not issued by this CA");
  pki_asn1::crl_fields fields;
  if (!read_revoked(paths.crl(), ca, fields.revoked, error)) return fail(cmd, error);
  if (fields.revoked.size() >= pki_asn1::crl_entries_max)
    return fail(cmd, paths.crl().string() + " is full");
  std::string serial(reinterpret_cast<const char*>(device.crt.serial.p), device.crt.serial.len);
  std::time_t now = std::time(nullptr);
  bool already = false;
  for (const auto& e : fields.revoked) already = already || e.serial == serial;
  if (!already) fields.revoked.push_back({serial, validity_time(now)});
  const char* oid = nullptr;
  std::size_t oid_len = 0;
  if ((ret = mbedtls_oid_get_oid_by_sig_alg(MBEDTLS_PK_ECDSA, MBEDTLS_MD_SHA256, &oid, &oid_len)) !=
      0)
    return fail(cmd, "no OID for ecdsa-with-SHA256: " + mbed_error(ret));
  fields.signature_oid.assign(oid, oid_len);
  fields.issuer_name_der.assign(reinterpret_cast<const char*>(ca_name.p), ca_name.len);
  fields.this_update = validity_time(now);
  fields.next_update = validity_time(add_years(now, 1));
  fields.crl_number = static_cast<std::uint32_t>(now);  // increases with every re-signing
  random_source rng;
  std::string pem;
  if (!key_identifier(ca.key, fields.authority_key_id, error) || !rng.seed(error) ||
      !sign_crl(rng, ca, fields, pem, error) || !write_private_file(paths.crl(), pem, true, error))
    return fail(cmd, error);
  std::cout << (already ? "Already revoked: '" : "Revoked '") << name << "'; "
            << paths.crl().string() << " lists " << fields.revoked.size()
            << " certificate(s), valid until " << fields.next_update.substr(0, 8) << "\n";
  return 0;
}

}  // namespace

int run_pki(int argc, char** argv) {
  cxxopts::Options options(
      "tern pki",
      "A certificate authority for a hub and its devices (ECDSA P-256, files created 0600).\n\n"
      "  init                 create the CA: ca.key + ca.pem (10 years)\n"
      "  issue-server         server.key + server.pem (followed by the CA) for --host (2 years)\n"
      "  issue-device NAME    devices/NAME.key + devices/NAME.pem, CN=NAME, client auth (2 years)\n"
      "  issue-broker NAME    brokers/NAME.key + brokers/NAME.pem (followed by the CA), CN=NAME,\n"
      "                       for --host, server and client auth: a cluster node (2 years)\n"
      "  issue-psk NAME       append NAME:<64 hex> (a random 32-byte key) to psk.txt\n"
      "  revoke NAME          add devices/NAME.pem to crl.pem (signed by the CA, valid 1 year;\n"
      "                       revoking again re-signs it)\n");
  options.custom_help("init|issue-server|issue-device NAME|issue-broker NAME|issue-psk NAME|revoke NAME [options]");
  options.positional_help("");
  options.add_options()("dir", "directory of the CA and issued files",
                        cxxopts::value<std::string>()->default_value("./tern-pki"))(
      "host", "issue-server, issue-broker: DNS name or IP address (repeatable; issue-server: first is the CN)",
      cxxopts::value<std::vector<std::string>>()->default_value("localhost,127.0.0.1"))(
      "force", "replace existing keys and certificates")(
      "print", "issue-psk: also print NAME:<key hex> on stdout")("h,help", "show this help")(
      "action", "subcommand", cxxopts::value<std::string>())("name", "device or PSK identity",
                                                             cxxopts::value<std::string>());
  options.parse_positional({"action", "name"});
  bool help = false;
  for (int i = 1; i < argc; ++i)
    help = help || std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0;
  auto parsed = parse_options(options, argc, argv);
  if (!parsed) return help ? 0 : 2;
  const auto& opts = *parsed;
  if (!opts.count("action"))
    return fail(cmd, "give a subcommand: init, issue-server, issue-device, issue-broker, issue-psk or revoke"), 2;
  const std::string action = opts["action"].as<std::string>();
  const bool needs_name = action == "issue-device" || action == "issue-broker" ||
                          action == "issue-psk" || action == "revoke";
  if (needs_name != (opts.count("name") > 0))
    return fail(cmd, needs_name ? action + " needs a NAME" : action + " takes no NAME"), 2;
  if (opts.count("host") && action != "issue-server" && action != "issue-broker")
    return fail(cmd, "--host is for issue-server and issue-broker"), 2;
  if (opts.count("force") && (action == "issue-psk" || action == "revoke"))
    return fail(cmd, "--force is for init, issue-server, issue-device and issue-broker"), 2;
  if (opts.count("print") && action != "issue-psk") return fail(cmd, "--print is for issue-psk"), 2;
  pki_paths paths{opts["dir"].as<std::string>()};
  const bool force = opts.count("force") > 0;
  if (action == "init") return init(paths, force);
  if (action == "issue-server")
    return issue_server(paths, opts["host"].as<std::vector<std::string>>(), force);
  if (action == "issue-device") return issue_device(paths, opts["name"].as<std::string>(), force);
  if (action == "issue-broker")
    return issue_broker(paths, opts["name"].as<std::string>(), opts["host"].as<std::vector<std::string>>(), force);
  if (action == "revoke") return revoke(paths, opts["name"].as<std::string>());
  if (action == "issue-psk")
    return issue_psk(paths, opts["name"].as<std::string>(), opts.count("print") > 0);
  return fail(cmd, "unknown subcommand '" + action +
                       "' (init, issue-server, issue-device, issue-broker, issue-psk, revoke)"),
         2;
}

}  // namespace tern::cli
