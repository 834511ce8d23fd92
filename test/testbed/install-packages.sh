#!/usr/bin/env bash
# Debian packages the test bench and the browser tests need. Idempotent:
# installs only what is missing. Needs root.
set -euo pipefail
PACKAGES=(
  dovecot-imapd dovecot-lmtpd dovecot-submissiond postfix
  softhsm2 opensc libengine-pkcs11-openssl
  gnutls-bin openssl
  chromium
  isync notmuch
  poppler-utils
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
