#!/usr/bin/env bash
# Install the Debian packages the tests and reports use, only those missing (idempotent).
# Usage: scripts/system-deps.sh PACKAGE[:COMMAND] ...   (COMMAND: the binary that shows it is installed)
set -euo pipefail
missing=()
for spec in "$@"; do
  package=${spec%%:*}
  command=${spec#*:}
  if [ "$command" = "$spec" ]; then
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  else
    command -v "$command" >/dev/null 2>&1 || missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
