#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium for browser tests (with an emoji font so the
# menu icons show in screenshots), poppler for PDF checks, LibreOffice Writer (no GUI) to lay out
# the DOCX reports as pages with Liberation Sans (Arial's metrics),
# DejaVu fonts for Cyrillic in reports, PostgreSQL for the server-warehouse tests (tests/pg starts
# a throwaway cluster). Installs only what is missing; needs root (CI runs as root).
set -euo pipefail
packages=(chromium fonts-noto-color-emoji fonts-dejavu-core poppler-utils libreoffice-writer-nogui fonts-liberation2 postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
