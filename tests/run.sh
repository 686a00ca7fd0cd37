#!/usr/bin/env bash
# Command 2 of the README: runs every test on a fresh machine with nothing done by hand.
# Installs what the tests need when it is missing (PostgreSQL server, Debian chromium), builds
# once, checks the formatting (dotnet format --verify-no-changes), then runs the unit/integration tests (real PostgreSQL started by the tests) and the
# Playwright browser tests. Prints "N passed, N failed" last and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
# The package tests run the README's examiner recipes with python3.
if ! command -v python3 >/dev/null 2>&1; then missing+=(python3); fi
# The structlog source test runs the seed's logging configuration with Debian's python3.
if ! /usr/bin/python3 -c 'import structlog' >/dev/null 2>&1; then missing+=(python3-structlog); fi
# The metrics test parses a scrape with the Prometheus client's own text-format parser.
if ! /usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1; then missing+=(python3-prometheus-client); fi
# The journal mailbox tests run a real IMAP server.
if [ ! -x /usr/sbin/dovecot ] || ! ls /usr/lib/dovecot/imap >/dev/null 2>&1; then missing+=(dovecot-imapd); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || {
    echo "could not install ${missing[*]}: install them with apt-get and run again"; exit 1; }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== build"
dotnet build CompliancePortal.sln -c Release -warnaserror 2>&1 | tail -n 3
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "0 passed, 1 failed"; exit 1; fi
# The code's layout is .editorconfig's: a file dotnet format would change fails the run (fix: dotnet format).
echo "== format"
dotnet format CompliancePortal.sln --verify-no-changes --no-restore 2>&1 | tail -n 20
if [ "${PIPESTATUS[0]}" -ne 0 ]; then echo "0 passed, 1 failed (dotnet format --verify-no-changes)"; exit 1; fi

log=$(mktemp)
status=0
for project in tests/CompliancePortal.Tests e2e/CompliancePortal.E2E; do
  echo "== test $project"
  dotnet test "$project" -c Release --no-build 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done

# dotnet test's summary lines: "Passed!  - Failed:     0, Passed:    16, Skipped: ..."
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
if [ "$passed" -eq 0 ]; then status=1; fi
echo "tests: $passed passed, $failed failed"
exit $status
