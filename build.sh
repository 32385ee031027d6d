#!/usr/bin/env bash
# AgentRuntime build entry point.
#   ./build.sh run    install what is missing, build Studio + host, start a local PostgreSQL, load workflows/, serve
#   ./build.sh test   install what is missing, build everything, run all tests, print "N passed, N failed"
#   ./build.sh build  build only
# Works as root on a fresh Debian machine with the .NET SDK; installs Node/npm, PostgreSQL and Chromium via apt when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
STUDIO="$ROOT/src/AgentRuntime.Studio"
APT_UPDATED=0

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found; install $* yourself"
  [ "$(id -u)" = 0 ] || die "missing $*; run as root (or install them) so apt-get can install them"
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

prereqs() {
  command -v dotnet >/dev/null || die "the .NET SDK 10 is required (dotnet not on PATH)"
  if ! command -v npm >/dev/null; then log "installing Node.js and npm"; apt_install nodejs npm; fi
  if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/pg_ctl" ]; then log "installing PostgreSQL server binaries"; apt_install postgresql; fi
}

prereqs_browser() {
  if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then log "installing Chromium for browser tests"; apt_install chromium; fi
}

build_studio() {
  [ -f "$STUDIO/package.json" ] || { log "no Studio sources; skipping"; return; }
  log "building Studio"
  ( cd "$STUDIO"
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi
    npm run build --silent )
}

build_dotnet() {
  local config="$1"
  log "building .NET solution ($config)"
  dotnet tool restore >/dev/null
  dotnet build AgentRuntime.sln -c "$config" -nologo -clp:ErrorsOnly -v:q
}

cmd_run() {
  prereqs
  build_studio
  build_dotnet Release
  local url="${AGENTRUNTIME_URL:-http://127.0.0.1:5080}"
  export ASPNETCORE_URLS="$url"
  export Workflows__Directory="${Workflows__Directory:-$ROOT/workflows}"
  export LocalPostgres__DataDirectory="${LocalPostgres__DataDirectory:-$ROOT/.agentrt/postgres}"
  export Auth__Mode="${Auth__Mode:-Development}"   # development identity: X-Dev-User / X-Dev-Roles headers (never in production)
  log "starting AgentRuntime at $url (PostgreSQL data: $LocalPostgres__DataDirectory; Ctrl+C stops host and database)"
  log "Studio: $url/   API: $url/api/v1/workflows   OpenAPI: $url/openapi/v1.json   Ready: $url/health/ready"
  if [ "${Auth__Mode,,}" = "development" ]; then
    log "Sign in (development identity, loopback only): pick a seeded user in the Studio's \"Sign in as\" list, or send X-Dev-User —"
    log "  ada (admin), dana (designer, owns customer-refund), alice and bob (approver), rita (reviewer), oscar (ops),"
    log "  olivia, priya and marco (owners; priya owns invoice-processing, marco campaign-brief)"
    log "  e.g. curl -H 'X-Dev-User: ada' $url/api/v1/auth/me    (GET $url/api/v1/auth/config lists them for the Studio)"
  fi
  exec dotnet "$ROOT/src/AgentRuntime.Host/bin/Release/net10.0/AgentRuntime.Host.dll" --contentRoot "$ROOT/src/AgentRuntime.Host"
}

cmd_test() {
  prereqs
  prereqs_browser
  build_studio
  build_dotnet Debug

  # One PostgreSQL for the whole run, shared by every test assembly (each test class gets its own database).
  local pgdir; pgdir="$(mktemp -d /tmp/agentrt-ci-pg.XXXXXX)"
  local port; port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)"
  local as=(); [ "$(id -u)" = 0 ] && { chown postgres:postgres "$pgdir"; as=(runuser -u postgres --); }
  "${as[@]}" "$(pg_bin)/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as[@]}" "$(pg_bin)/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w start \
     -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgdir -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
  # The stop command is spelled out now: at exit this function's locals (the runuser prefix) are gone, and pg_ctl refuses
  # to run as root, which left the server running once its folder was deleted.
  local stop; stop="$(printf '%q ' "${as[@]}" "$(pg_bin)/pg_ctl" -D "$pgdir/data" -m immediate stop)"
  trap "$stop >/dev/null 2>&1 || true; rm -rf $(printf '%q' "$pgdir")" EXIT
  export AGENTRUNTIME_TEST_PG="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"

  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"; mkdir -p "$results"
  log "running tests (results in artifacts/test-results)"
  local rc=0
  dotnet test AgentRuntime.sln --no-build -c Debug --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=false || rc=$?
  if [ -f "$STUDIO/package.json" ] && grep -q '"test"' "$STUDIO/package.json"; then
    log "running Studio unit tests"
    ( cd "$STUDIO" && npm test --silent ) > "$results/studio-tests.txt" 2>&1 || rc=$?
    cat "$results/studio-tests.txt"
  fi
  [ -d "$ROOT/artifacts/screenshots" ] && log "browser test screenshots in artifacts/screenshots"
  summarize "$results"
  return $rc
}

# Sums the TRX files of every test assembly (and the Studio's runner output) into the one line CI reads.
summarize() {
  python3 - "$1" <<'PY'
import sys, glob, re, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    c = ET.parse(f).getroot().find(".//{*}ResultSummary/{*}Counters")
    if c is None: continue
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
try:
    text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1] + "/studio-tests.txt").read())
    m = re.search(r"Tests\s+(?:(\d+) failed \| )?(\d+) passed", text)
    if m: failed += int(m.group(1) or 0); passed += int(m.group(2))
    else:
        mp = re.search(r"^# pass (\d+)", text, re.M); mf = re.search(r"^# fail (\d+)", text, re.M)
        if mp: passed += int(mp.group(1))
        if mf: failed += int(mf.group(1))
except FileNotFoundError:
    pass
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
}

case "${1:-}" in
  run) cmd_run ;;
  test) cmd_test ;;
  build) prereqs; build_studio; build_dotnet Release ;;
  *) echo "usage: ./build.sh run|test|build" >&2; exit 2 ;;
esac
