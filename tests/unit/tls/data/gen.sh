#!/bin/sh
# Regenerates the unit tests' PEM files (ECDSA P-256, valid 100 years). Run in this directory.
set -eu
days=36500
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.tmp" && openssl pkcs8 -topk8 -nocrypt -in "$1.tmp" -out "$1" && rm "$1.tmp"; }
ca() {  # ca NAME CN
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days $days -sha256 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out "$1.pem"
}
leaf() {  # leaf NAME CN CA EXT
  key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days $days -sha256 \
    -extfile "$1.ext" -out "$1.pem"
  rm "$1.csr" "$1.ext"
}
ca ca "Tern Test CA"
ca other_ca "Other CA"
leaf server localhost ca "subjectAltName=DNS:localhost,IP:127.0.0.1"
leaf client device-1 ca "extendedKeyUsage=clientAuth"
leaf revoked device-2 ca "extendedKeyUsage=clientAuth"
leaf stranger device-3 other_ca "extendedKeyUsage=clientAuth"
# A CRL revoking `revoked`: openssl ca needs a tiny database.
mkdir -p crl.db && : > crl.db/index.txt && echo 01 > crl.db/crlnumber
cat > crl.cnf <<CNF
[ca]
default_ca = d
[d]
database = crl.db/index.txt
crlnumber = crl.db/crlnumber
default_md = sha256
default_crl_days = $days
CNF
openssl ca -config crl.cnf -keyfile ca.key -cert ca.pem -revoke revoked.pem
openssl ca -config crl.cnf -keyfile ca.key -cert ca.pem -gencrl -out crl.pem
openssl pkcs8 -topk8 -in server.key -passout pass:secret -v2 des3 -out server_encrypted.key
rm -rf crl.db crl.cnf ca.srl other_ca.srl
