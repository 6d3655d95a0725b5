#!/bin/sh
# Installed as /usr/local/bin/allervers: runs `allervers` as the service's user, with the
# service's environment, from its folder. `allervers doctor`, `allervers db upgrade`,
# `allervers user add …` then read the same configuration as the running service.
set -eu
ENV_FILE=/etc/allervers/allervers.env
cd /var/lib/allervers
exec runuser -u allervers -- /bin/sh -c \
    'set -a; . "$0"; set +a; exec /opt/allervers/venv/bin/allervers "$@"' "$ENV_FILE" "$@"
