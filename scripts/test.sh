#!/usr/bin/env bash
# Runs the whole Entente test suite on a fresh machine of this kind.
#  - installs what the tests need (PostgreSQL server, Chromium) when missing,
#  - starts a throwaway PostgreSQL on a free loopback port and stops it afterwards,
#  - runs every test project, and
#  - ends with one line "N passed, N failed, N skipped" summed over all test projects.
# Exit status: 0 when every test passed, non-zero otherwise.
# With CI=true, a missing prerequisite fails the run instead of letting tests skip.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[test] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then return 1; fi
  if [ "$APT_UPDATED" = "0" ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >/dev/null 2>&1 || true
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# ---------------------------------------------------------------- PostgreSQL (throwaway cluster)
PG_ROOT=""
PG_DIR=""
PG_BIN=""
stop_postgres() {
  if [ -n "$PG_DIR" ] && [ -n "$PG_BIN" ] && [ -f "$PG_DIR/postmaster.pid" ]; then
    log "stopping PostgreSQL"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" stop -m fast >/dev/null 2>&1 || true
  fi
  if [ -n "$PG_ROOT" ]; then rm -rf "$PG_ROOT"; fi
}
trap stop_postgres EXIT

find_pg_bin() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir="$(pg_config --bindir 2>/dev/null)"
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  fi
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

start_postgres() {
  PG_BIN="$(find_pg_bin)" || { log "installing PostgreSQL (Debian package)"; apt_install postgresql; PG_BIN="$(find_pg_bin)"; } || true
  if [ -z "$PG_BIN" ] || ! id postgres >/dev/null 2>&1; then
    log "PostgreSQL is not available"
    return 1
  fi
  PG_ROOT="$(mktemp -d /tmp/entente-pg.XXXXXX)"
  PG_DIR="$PG_ROOT"
  chown postgres "$PG_DIR"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 54329)"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >"$PG_DIR/initdb.log" 2>&1 || { log "initdb failed: $(tail -3 "$PG_DIR/initdb.log")"; return 1; }
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -t 60 \
      -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" \
      -l "$PG_DIR/server.log" start >/dev/null 2>&1 || { log "PostgreSQL did not start: $(tail -3 "$PG_DIR/server.log")"; return 1; }
  PG_DIR="$PG_DIR/data"
  export ENTENTE_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100"
  export ENTENTE_TEST_PG_BIN="$PG_BIN"
  export ENTENTE_TEST_PG_DATA="$PG_DIR"
  log "PostgreSQL running on 127.0.0.1:$port"
}

# ---------------------------------------------------------------- Chromium (browser tests)
ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    log "installing Chromium (Debian package)"
    apt_install chromium || true
  fi
  if command -v chromium >/dev/null 2>&1; then
    export ENTENTE_TEST_CHROMIUM="$(command -v chromium)"
    return 0
  fi
  log "Chromium is not available"
  return 1
}

# ---------------------------------------------------------------- C compiler (the native IFMA engine)
# Entente.Cryptography compiles src/Entente.Cryptography/native/entente_ifma.c during the build when a C
# compiler is present; installing one here means every test run builds and tests the native engine.
ensure_c_compiler() {
  if command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1; then return 0; fi
  log "installing gcc (Debian package) for the native IFMA engine"
  apt_install gcc libc6-dev || true
  command -v gcc >/dev/null 2>&1 || { log "gcc is not available"; return 1; }
}

# ---------------------------------------------------------------- Print proofs (pre-encrypted ballot PDFs)
# `entente preencrypt print` needs the DejaVu fonts; its test renders the PDF with Poppler and reads the page back
# with ZBar (the QR code) and Tesseract (the short codes).
ensure_print_tools() {
  local need=0 tool
  for tool in pdftoppm pdftotext zbarimg tesseract; do command -v "$tool" >/dev/null 2>&1 || need=1; done
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf ] || need=1
  if [ "$need" = "1" ]; then
    log "installing poppler-utils, zbar-tools, tesseract-ocr and fonts-dejavu-core (Debian packages)"
    apt_install poppler-utils zbar-tools tesseract-ocr tesseract-ocr-eng fonts-dejavu-core || true
  fi
  for tool in pdftoppm pdftotext zbarimg tesseract; do
    command -v "$tool" >/dev/null 2>&1 || { log "$tool is not available"; return 1; }
  done
}

MISSING=0
ensure_c_compiler || MISSING=1
if [ -n "${ENTENTE_NEEDS_POSTGRES:-1}" ] && [ "${ENTENTE_NEEDS_POSTGRES:-1}" != "0" ]; then
  start_postgres || MISSING=1
fi
if [ "${ENTENTE_NEEDS_CHROMIUM:-1}" != "0" ]; then
  ensure_chromium || MISSING=1
fi
ensure_print_tools || MISSING=1
if [ "$MISSING" = "1" ] && [ "${CI:-}" = "true" ]; then
  log "a prerequisite is missing and CI=true: failing instead of skipping"
  echo "0 passed, 1 failed"
  exit 1
fi

# ---------------------------------------------------------------- build and test
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
RESULTS="$(mktemp -d /tmp/entente-test-results.XXXXXX)"
OUT="$RESULTS/dotnet-test.log"

log "building (Release)"
dotnet build Entente.slnx -c Release -nologo -v q >"$RESULTS/build.log" 2>&1
build_status=$?
if [ "$build_status" != "0" ]; then
  grep -E "error|Error" "$RESULTS/build.log" | sort -u | head -40 >&2
  log "build failed (exit $build_status); full log: $RESULTS/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

log "running tests"
# awk (not head) keeps reading to the end, so tee never writes into a closed pipe and stops the run.
dotnet test Entente.slnx -c Release --no-build -nologo \
    --logger "console;verbosity=minimal" --logger "trx" --results-directory "$RESULTS" 2>&1 | tee "$OUT" \
  | grep -v -E "^\s*$" | grep -E "^\s*(Failed|Skipped) |Passed!|Failed!|error|Error Message|Assert|Test Run Aborted|Stack Trace|at Entente" | awk "NR <= 400"
status=${PIPESTATUS[0]}

# Sum the counters of every TRX file (one per test project).
passed=0; failed=0; skipped=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  t=$(get total); e=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done

if [ "$status" != "0" ] && [ "$failed" = "0" ]; then
  log "dotnet test exited with $status (a test host crashed or aborted)"
  failed=1
fi
if [ $((passed + failed)) = "0" ]; then
  log "no test ran"
  failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = "0" ] && [ "$status" = "0" ]
