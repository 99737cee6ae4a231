#!/usr/bin/env bash
# Fetch the offline Twilio mock used by tests/integration: Twilio's OpenAPI spec for the 2010 API
# (from the npm package @twilio/cli-core) and Stoplight Prism to serve it.
# Idempotent: everything lands in .ci/cache/ (git-ignored) and is skipped when already present.
# Needs node + npm and the npm registry, nothing else.
set -euo pipefail

CLI_CORE_VERSION="8.3.2"
PRISM_VERSION="5"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$here/cache"
spec="$cache/twilio_api_v2010.json"
prism="$cache/node_modules/@stoplight/prism-cli/dist/index.js"
mkdir -p "$cache"

if [[ ! -s "$spec" ]]; then
    echo "twilio-mock-setup: fetching @twilio/cli-core@$CLI_CORE_VERSION for twilio_api_v2010.json"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    (cd "$work" && npm pack --silent "@twilio/cli-core@$CLI_CORE_VERSION" >/dev/null)
    tar xzf "$work"/twilio-cli-core-*.tgz -C "$work" package/src/services/twilio-api/twilio_api_v2010.json
    # Write then rename so an interrupted run never leaves a half spec behind.
    cp "$work/package/src/services/twilio-api/twilio_api_v2010.json" "$spec.tmp"
    mv "$spec.tmp" "$spec"
fi

if [[ ! -f "$prism" ]]; then
    echo "twilio-mock-setup: installing @stoplight/prism-cli@$PRISM_VERSION into $cache"
    npm install --prefix "$cache" --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$PRISM_VERSION"
fi

echo "twilio-mock-setup: spec  $spec"
echo "twilio-mock-setup: prism $prism ($(node "$prism" --version 2>/dev/null || echo '?'))"
