#pragma once
// DER encoders for the X.509 v3 extensions that Mbed TLS 2.28's x509write cannot produce itself:
// subjectAltName (RFC 5280 §4.2.1.6) and extendedKeyUsage (§4.2.1.12). `tern pki` hands the
// result to mbedtls_x509write_crt_set_extension. Pure functions: no I/O, no global state.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::cli::pki_asn1 {

// One GeneralName: dNSName [2] IA5String or iPAddress [7] OCTET STRING (4 or 16 bytes).
struct general_name {
  enum class kind { dns, ip };
  kind type = kind::dns;
  std::string value;  // the DNS name, or the address in network byte order (4 or 16 bytes)
};

// Limits that bound the encoder's buffer; a caller that exceeds them gets false.
inline constexpr std::size_t names_max = 64;
inline constexpr std::size_t dns_name_bytes_max = 253;
inline constexpr std::size_t oids_max = 8;
inline constexpr std::size_t oid_bytes_max = 32;

// Parses a --host value: an IPv4 or IPv6 literal becomes an iPAddress, a DNS name (letters,
// digits, '-', '.', a leading "*." wildcard; 1..253 bytes) a dNSName.
// @return false (and `error` set) when the text is neither.
bool parse_host(std::string_view text, general_name& out, std::string& error);

// SubjectAltName ::= GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName.
// @param[in] names 1..names_max entries, each valid as produced by parse_host.
// @param[out] der the extension value (without the extnValue OCTET STRING wrapper).
// @return false when `names` is empty or exceeds a limit.
bool encode_subject_alt_name(const std::vector<general_name>& names,
                             std::vector<unsigned char>& der);

// ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OBJECT IDENTIFIER).
// @param[in] oids 1..oids_max DER-encoded OID bodies (e.g. MBEDTLS_OID_SERVER_AUTH).
// @param[out] der the extension value.
// @return false when `oids` is empty or exceeds a limit.
bool encode_ext_key_usage(const std::vector<std::string_view>& oids,
                          std::vector<unsigned char>& der);

// A certificate revocation list (RFC 5280 §5), which Mbed TLS 2.28 can parse but not write.
struct crl_entry {
  std::string serial;           // the certificate's serialNumber INTEGER content octets
  std::string revocation_time;  // "YYYYMMDDhhmmss" UTC
};
struct crl_fields {
  std::string issuer_name_der;  // the CA certificate's subject Name (full DER TLV)
  std::string signature_oid;    // DER OID body of the signature algorithm
  std::string this_update;      // "YYYYMMDDhhmmss" UTC
  std::string next_update;      // "YYYYMMDDhhmmss" UTC
  std::vector<crl_entry> revoked;
  std::string authority_key_id;  // the CA's key identifier (SHA-1 of its public key)
  std::uint32_t crl_number = 0;
};
inline constexpr std::size_t crl_entries_max = 100000;
inline constexpr std::size_t serial_bytes_max = 20;

// TBSCertList (v2, with the authorityKeyIdentifier and cRLNumber extensions).
// @return false when a field is malformed (time text, serial size) or exceeds a limit.
bool encode_tbs_cert_list(const crl_fields& fields, std::vector<unsigned char>& der);

// CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }.
// @param[in] signature the DER signature over `tbs` (for ECDSA, the Ecdsa-Sig-Value).
bool encode_cert_list(const std::vector<unsigned char>& tbs, std::string_view signature_oid,
                      const std::vector<unsigned char>& signature, std::vector<unsigned char>& der);

}  // namespace tern::cli::pki_asn1
