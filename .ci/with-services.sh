#!/usr/bin/env bash
# Run a command with the test services up (.ci/services.sh): start them, run it, stop them on any
# exit (success, failure, Ctrl-C, SIGTERM). Exits with the command's status. `make test` and, through
# it, `.ci/run` use this; CI=true makes a service that cannot be had an error before any test runs.
set -uo pipefail
source "$(dirname "$0")/services.sh"
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_services || { say "a required service could not be started"; exit 1; }
"$@"
