#!/usr/bin/env bash
# Debian packages the offline engines, the speech dataset and the browser test need.
# As root: installs what is missing. Otherwise: prints the one command to run, and goes on
# (the Python parts work without them; engine and browser tests then skip with a reason).
set -euo pipefail

PACKAGES=(tesseract-ocr tesseract-ocr-eng espeak-ng sox ffmpeg chromium)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
fi
