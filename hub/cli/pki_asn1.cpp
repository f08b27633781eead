#include "cli/pki_asn1.h"

#include <arpa/inet.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include "tern/common/check.h"

namespace tern::cli::pki_asn1 {
namespace {

bool is_dns_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Letters, digits and '-' in dot-separated labels of 1..63 bytes; "*." allowed as the first label.
bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > dns_name_bytes_max) return false;
  if (name.starts_with("*.")) name.remove_prefix(2);
  std::size_t label = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0 || label > 63) return false;
      label = 0;
    } else if (!is_dns_label_char(name[i])) {
      return false;
    } else {
      ++label;
    }
  }
  return true;
}

// Writes backwards from *p (Mbed TLS's asn1write convention); returns bytes written or < 0.
int write_tlv(unsigned char** p, unsigned char* start, unsigned char tag, const unsigned char* data,
              std::size_t size) {
  int ret = mbedtls_asn1_write_raw_buffer(p, start, data, size);
  if (ret < 0) return ret;
  int len = ret;
  if ((ret = mbedtls_asn1_write_len(p, start, size)) < 0) return ret;
  len += ret;
  if ((ret = mbedtls_asn1_write_tag(p, start, tag)) < 0) return ret;
  return len + ret;
}

// Wraps the `content_len` bytes already written before *p in SEQUENCE { }.
int close_sequence(unsigned char** p, unsigned char* start, std::size_t content_len) {
  int ret = mbedtls_asn1_write_len(p, start, content_len);
  if (ret < 0) return ret;
  int len = ret;
  if ((ret = mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) <
      0)
    return ret;
  return len + ret;
}

void take_tail(const std::vector<unsigned char>& buf, const unsigned char* p,
               std::vector<unsigned char>& der) {
  der.assign(p, buf.data() + buf.size());
}

// Backward DER writer over a buffer; the first failure sticks and every later write is a no-op.
class der_writer {
 public:
  explicit der_writer(std::size_t size) : _buf(size), _p(_buf.data() + _buf.size()) {}
  std::size_t size() const { return static_cast<std::size_t>(_buf.data() + _buf.size() - _p); }
  bool ok() const { return _ok; }
  void raw(const void* data, std::size_t n) {
    step(mbedtls_asn1_write_raw_buffer(&_p, _buf.data(), static_cast<const unsigned char*>(data),
                                       n));
  }
  // Closes a TLV around everything written since `mark` (a size() taken before its contents).
  void wrap(std::size_t mark, unsigned char tag) {
    std::size_t content = size() - mark;
    step(mbedtls_asn1_write_len(&_p, _buf.data(), content));
    step(mbedtls_asn1_write_tag(&_p, _buf.data(), tag));
  }
  void tlv(unsigned char tag, const void* data, std::size_t n) {
    std::size_t mark = size();
    raw(data, n);
    wrap(mark, tag);
  }
  void oid(std::string_view body) {
    step(mbedtls_asn1_write_oid(&_p, _buf.data(), body.data(), body.size()));
  }
  void integer(std::uint32_t v) {
    step(mbedtls_asn1_write_int(&_p, _buf.data(), static_cast<int>(v & 0x7fffffff)));
  }
  void fail() { _ok = false; }
  void take(std::vector<unsigned char>& out) const {
    out.assign(static_cast<const unsigned char*>(_p), _buf.data() + _buf.size());
  }

 private:
  void step(int ret) { _ok = _ok && ret >= 0; }
  std::vector<unsigned char> _buf;
  unsigned char* _p;
  bool _ok = true;
};

constexpr unsigned char seq_tag = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;

// "YYYYMMDDhhmmss" → UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5).
void write_time(der_writer& w, const std::string& t) {
  bool digits = t.size() == 14;
  for (char c : t) digits = digits && c >= '0' && c <= '9';
  if (!digits) return w.fail();
  bool utc = t.compare(0, 2, "20") == 0 && t[2] < '5';
  std::string text = (utc ? t.substr(2) : t) + "Z";
  w.tlv(utc ? MBEDTLS_ASN1_UTC_TIME : MBEDTLS_ASN1_GENERALIZED_TIME, text.data(), text.size());
}

void write_extension(der_writer& w, std::string_view oid, const std::vector<unsigned char>& value) {
  std::size_t mark = w.size();
  w.tlv(MBEDTLS_ASN1_OCTET_STRING, value.data(), value.size());
  w.oid(oid);
  w.wrap(mark, seq_tag);
}

}  // namespace

bool encode_tbs_cert_list(const crl_fields& f, std::vector<unsigned char>& der) {
  if (f.revoked.size() > crl_entries_max || f.authority_key_id.empty() ||
      f.authority_key_id.size() > 64)
    return false;
  der_writer w(f.revoked.size() * 64 + f.issuer_name_der.size() + 512);
  std::size_t tbs = w.size();
  {  // crlExtensions [0] EXPLICIT Extensions
    std::size_t exts = w.size();
    der_writer number(16), aki(96);
    number.integer(f.crl_number);
    std::vector<unsigned char> value;
    number.take(value);
    write_extension(w, std::string_view(MBEDTLS_OID_ID_CE "\x14", 3), value);  // cRLNumber
    aki.tlv(MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0, f.authority_key_id.data(),
            f.authority_key_id.size());
    aki.wrap(0, seq_tag);
    aki.take(value);
    write_extension(w, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, value);
    w.wrap(exts, seq_tag);
    w.wrap(exts, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0);
  }
  if (!f.revoked.empty()) {
    std::size_t list = w.size();
    for (auto it = f.revoked.rbegin(); it != f.revoked.rend(); ++it) {
      if (it->serial.empty() || it->serial.size() > serial_bytes_max) return false;
      std::size_t entry = w.size();
      write_time(w, it->revocation_time);
      w.tlv(MBEDTLS_ASN1_INTEGER, it->serial.data(), it->serial.size());
      w.wrap(entry, seq_tag);
    }
    w.wrap(list, seq_tag);
  }
  write_time(w, f.next_update);
  write_time(w, f.this_update);
  w.raw(f.issuer_name_der.data(), f.issuer_name_der.size());
  std::size_t alg = w.size();
  w.oid(f.signature_oid);
  w.wrap(alg, seq_tag);  // ecdsa-with-SHA256 takes no parameters (RFC 5758 §3.2)
  w.integer(1);          // v2
  w.wrap(tbs, seq_tag);
  w.take(der);
  return w.ok();
}

bool encode_cert_list(const std::vector<unsigned char>& tbs, std::string_view signature_oid,
                      const std::vector<unsigned char>& signature,
                      std::vector<unsigned char>& der) {
  der_writer w(tbs.size() + signature.size() + 64);
  std::size_t bits = w.size();
  w.raw(signature.data(), signature.size());
  unsigned char unused_bits = 0;
  w.raw(&unused_bits, 1);
  w.wrap(bits, MBEDTLS_ASN1_BIT_STRING);
  std::size_t alg = w.size();
  w.oid(signature_oid);
  w.wrap(alg, seq_tag);
  w.raw(tbs.data(), tbs.size());
  w.wrap(0, seq_tag);
  w.take(der);
  return w.ok();
}

bool parse_host(std::string_view text, general_name& out, std::string& error) {
  std::string host(text);
  unsigned char addr[16];
  if (inet_pton(AF_INET, host.c_str(), addr) == 1) {
    out = {general_name::kind::ip, std::string(reinterpret_cast<char*>(addr), 4)};
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), addr) == 1) {
    out = {general_name::kind::ip, std::string(reinterpret_cast<char*>(addr), 16)};
    return true;
  }
  if (!is_dns_name(host)) {
    error = "'" + host + "' is neither an IP address nor a DNS name";
    return false;
  }
  out = {general_name::kind::dns, host};
  return true;
}

bool encode_subject_alt_name(const std::vector<general_name>& names,
                             std::vector<unsigned char>& der) {
  if (names.empty() || names.size() > names_max) return false;
  // Each GeneralName costs at most 1 tag + 3 length bytes + its value; the SEQUENCE 1 + 4.
  std::vector<unsigned char> buf(names_max * (4 + dns_name_bytes_max) + 5);
  unsigned char* start = buf.data();
  unsigned char* p = start + buf.size();
  std::size_t len = 0;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    bool ip = it->type == general_name::kind::ip;
    if (ip ? (it->value.size() != 4 && it->value.size() != 16)
           : (it->value.empty() || it->value.size() > dns_name_bytes_max))
      return false;
    unsigned char tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | (ip ? 7 : 2);
    int ret = write_tlv(&p, start, tag, reinterpret_cast<const unsigned char*>(it->value.data()),
                        it->value.size());
    TERN_ASSERT(ret > 0);  // the buffer is sized for names_max maximal names
    len += static_cast<std::size_t>(ret);
  }
  int ret = close_sequence(&p, start, len);
  TERN_ASSERT(ret > 0);
  take_tail(buf, p, der);
  return ret > 0;
}

bool encode_ext_key_usage(const std::vector<std::string_view>& oids,
                          std::vector<unsigned char>& der) {
  if (oids.empty() || oids.size() > oids_max) return false;
  std::vector<unsigned char> buf(oids_max * (2 + oid_bytes_max) + 5);
  unsigned char* start = buf.data();
  unsigned char* p = start + buf.size();
  std::size_t len = 0;
  for (auto it = oids.rbegin(); it != oids.rend(); ++it) {
    if (it->empty() || it->size() > oid_bytes_max) return false;
    int ret = mbedtls_asn1_write_oid(&p, start, it->data(), it->size());
    TERN_ASSERT(ret > 0);
    len += static_cast<std::size_t>(ret);
  }
  int ret = close_sequence(&p, start, len);
  TERN_ASSERT(ret > 0);
  take_tail(buf, p, der);
  return ret > 0;
}

}  // namespace tern::cli::pki_asn1
