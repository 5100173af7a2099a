#!/usr/bin/env bash
# Installs what `npm run test:mta` needs from Debian when it is missing: postfix, dovecot-core (for SASL) and
# python3 (the strict RFC 5322 parser). No debconf prompt (Postfix gets "No configuration": the suite writes
# its own), and no system service is started: the suite runs private instances configured from test/mta/.
set -euo pipefail

missing=()
[ -x /usr/sbin/postfix ] || missing+=(postfix)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-core)
[ -x /usr/bin/python3 ] || missing+=(python3)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "test:mta needs ${missing[*]} (Debian packages); run this script as root: $0" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Packages start their services through invoke-rc.d unless policy-rc.d forbids it (exit 101): forbid it for
# this install only, when the machine has no policy of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
