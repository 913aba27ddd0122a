#!/bin/sh
# Certificate identities against openssl: every certificate tshark finds in the shared corpus's
# captures and in samples/ (hex DER), read by `openssl x509` (serial, SHA-1, keyUsage,
# extendedKeyUsage, authorityInfoAccess, IP and DNS SANs, SCTs, CT poison), equals tlsdiag --json's
# chain entry with the same sha256; nDPI's leaf SHA-1s (NAME.ndpi.out) are among tlsdiag's.
BIN=${TLSDIAG:-./tlsdiag}
CORPUS=${CORPUS:-../shared/corpus}
for tool in tshark openssl python3; do
    if ! command -v $tool >/dev/null 2>&1; then echo "skip cert_identity: $tool not installed"; exit 0; fi
done
if [ ! -d "$CORPUS/ndpi" ]; then
    echo "skip cert_identity: $CORPUS/ndpi is absent (it lives beside the project in the shared folder)"
    exit 0
fi
files=$(find "$CORPUS/ndpi" samples -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort)
# The corpus holds at least 40 certificates that openssl reads (43 when this was written).
res=$(python3 tests/crosscheck/cert_identity.py --min=40 "$BIN" $files 2>&1)
if [ $? -eq 0 ]; then
    echo "ok cert_identity ($(printf '%s\n' "$res" | tail -2 | tr '\n' ' ' | sed 's/ $//'))"
else
    echo "not ok cert_identity:"; printf '%s\n' "$res" | sed 's/^/    /'
fi
