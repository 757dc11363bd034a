#!/bin/sh
# The Docker example's migration steps, as the compose services run them (and
# test/integration/docker-example.test.ts, against embedded servers):
#   prepare  check, then init-new: NEW serves OLD's rows, the application may switch to NEW
#   move     migrate (FKs and sequences finalized at its end), then verify
#   other    passed to fdwmig as is, e.g. `docker compose run --rm --no-deps fdwmig-migrate cleanup`
# The servers come from FDWMIG_OLD_URL and FDWMIG_NEW_URL; FDWMIG is the command to run.
set -eu
fdwmig="${FDWMIG:-node /app/bin/fdwmig.js}"

step() {
  printf '\n$ fdwmig %s\n' "$*"
  # shellcheck disable=SC2086 # FDWMIG may be a command with arguments
  $fdwmig "$@"
}

case "${1:-}" in
  prepare)
    step check
    step init-new
    echo
    echo "NEW now serves OLD's rows: switch the application to NEW, then run the move."
    ;;
  move)
    step migrate
    step verify
    echo
    echo "every row is on NEW; when you are satisfied, drop fdwmig's objects with: fdwmig cleanup"
    ;;
  *)
    # shellcheck disable=SC2086
    exec $fdwmig "$@"
    ;;
esac
