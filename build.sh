#!/usr/bin/env bash
# Builds, demonstrates, tests and benchmarks ContainerLogger.
#   ./build.sh [build]        publish the Native AOT executable to artifacts/containerlogger
#   ./build.sh demo           build, then log a small shell program through the json-file driver
#   ./build.sh test           build, then run every test project (end-to-end tests use the executable)
#   ./build.sh bench [ARGS]   build, then run tests/ContainerLogger.Benchmarks with ARGS (--help lists them; --soak 10m: the soak)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

PROJECT=src/ContainerLogger/ContainerLogger.csproj
BINARY="$ROOT/artifacts/containerlogger"
# Publish output (with its .dbg file and friends) stays out of artifacts/; only the binary is copied there.
PUBLISH_ROOT="$ROOT/obj/aot-publish"

say() { printf 'build.sh: %s\n' "$*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

# Installs Debian packages; a non-root user gets told what is missing instead.
apt_install() {
  if [[ $(id -u) -ne 0 ]]; then
    say "not root, skipping install of: $* (install them yourself if the build needs them)"
    return 0
  fi
  say "installing $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

package_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Native AOT links with `clang` (Debian's clang-14 alone has no `clang` on PATH) and needs zlib.
install_build_prereqs() {
  local missing=()
  command -v clang >/dev/null || missing+=(clang)
  package_installed zlib1g-dev || missing+=(zlib1g-dev)
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
}

# Programs the end-to-end tests drive. Tests that need receivers (rsyslog, ...) add them here.
install_test_prereqs() {
  local missing=()
  command -v ps >/dev/null || missing+=(procps)
  # syslog end-to-end tests: rsyslogd (imudp, imtcp, imptcp, imuxsock), its gtls driver, and openssl for the test CA.
  package_installed rsyslog || missing+=(rsyslog)
  package_installed rsyslog-gnutls || missing+=(rsyslog-gnutls)
  command -v openssl >/dev/null || missing+=(openssl)
  # gelf end-to-end tests: node runs graygelf (an independent GELF server), socat terminates TLS in front of it.
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  command -v socat >/dev/null || missing+=(socat)
  # fluentd end-to-end tests: the forward receiver decodes with Debian's python3-msgpack (not our msgpack code).
  /usr/bin/python3 -c 'import msgpack' 2>/dev/null || missing+=(python3-msgpack)
  # encryption tests: Debian's age decrypts what we write; age-keygen and ssh-keygen (openssh-client) make identities.
  command -v age >/dev/null || missing+=(age)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  # s3 end-to-end tests: objects are read back with Debian's python3-boto3 (the server is s3rver, below).
  /usr/bin/python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)
  if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
  npm_ci "$ROOT/tests/ContainerLogger.Tests/Gelf/receiver" graygelf/server.js
  npm_ci "$ROOT/tests/ContainerLogger.Tests/S3/server" s3rver/bin/s3rver.js
}

# Installs a test folder's npm packages from its committed package-lock.json unless node_modules/$2 is there.
npm_ci() {
  local folder=$1 marker=$2
  if [[ ! -f $folder/node_modules/$marker ]]; then
    say "installing ${marker%%/*} (npm ci in $folder)"
    (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Runs `dotnet publish` for one target framework into $PUBLISH_ROOT/<tfm>; returns its exit code.
publish_for() {
  local tfm=$1 log=$2
  shift 2
  local out="$PUBLISH_ROOT/$tfm"
  rm -rf "$out/bin"
  dotnet publish "$PROJECT" -c Release -r linux-x64 -p:PublishAot=true "$@" \
    -p:TreatWarningsAsErrors=true -p:IlcTreatWarningsAsErrors=true \
    -o "$out/bin" 2>&1 | tee "$log"
}

restore_failed() {
  grep -Eq 'error NU1[0-9]{3}|Restore failed|restore failed' "$1"
}

build() {
  install_build_prereqs
  mkdir -p "$PUBLISH_ROOT"
  local log="$PUBLISH_ROOT/publish.log" tfm=net10.0 status=0
  publish_for net10.0 "$log" || status=$?
  if ((status != 0)); then
    restore_failed "$log" || die "publish for net10.0 failed (see $log)"
    # The NuGet mirror may lack the net10 NativeAOT runtime pack; net9's ILCompiler builds the same code.
    say "falling back to net9.0: the net10.0 restore failed: $(grep -Eo 'error NU1[0-9]{3}[^[]*' "$log" | head -n 1 || echo 'restore failure')"
    tfm=net9.0
    status=0
    publish_for net9.0 "$log" -p:TargetFramework=net9.0 -p:TargetFrameworks=net9.0 || status=$?
    ((status == 0)) || die "publish for net9.0 failed (see $log)"
  fi
  # Warnings are errors already; this catches any that slip past as plain messages.
  if grep -Eq 'warning IL[0-9]+|AOT analysis warning' "$log"; then
    die "trim/AOT warnings in the publish log ($log)"
  fi
  mkdir -p "$ROOT/artifacts"
  install -m 0755 "$PUBLISH_ROOT/$tfm/bin/containerlogger" "$BINARY"
  local bytes
  bytes=$(stat -c %s "$BINARY")
  say "published $BINARY ($tfm, Native AOT): $bytes bytes ($((bytes / 1024)) KiB)"
}

# The demo's program: a few stdout and stderr lines, a line past max-line-size (16 KiB), non-ASCII.
demo_program() {
  echo "hello from stdout"
  echo "hello from stderr" >&2
  echo "non-ASCII: grüße, 日本語, emoji 🐳"
  printf 'a line of %d bytes, shipped as partial messages: %s\n' 20000 "$(head -c 20000 /dev/zero | tr '\0' x)"
  echo "last line on stderr, after a tab:	done" >&2
  printf 'unterminated last stdout line'
}

demo() {
  build
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/containerlogger-demo.XXXXXX")
  mkfifo "$dir/stdout.fifo" "$dir/stderr.fifo"
  say "demo directory: $dir"
  # As a container init would: the logger gets the read ends as fds 3 and 4, the program the write ends.
  DOCKERLOG_CONTAINERID=4f1d2c3b4a5968778695a4b3c2d1e0f0112233445566778899aabbccddeeff00 \
  DOCKERLOG_CONTAINERNAME=/demo \
  DOCKERLOG_CONFIG="{\"path\":\"$dir/demo-json.log\",\"tag\":\"{{.Name}}/{{.ID}}\"}" \
    timeout 60 sh -c 'exec "$0" json-file 3<"$1" 4<"$2"' "$BINARY" "$dir/stdout.fifo" "$dir/stderr.fifo" &
  local logger=$!
  # Same order as the logger's redirections (stdout, then stderr), so the FIFO opens pair up.
  demo_program >"$dir/stdout.fifo" 2>"$dir/stderr.fifo"
  local status=0
  wait "$logger" || status=$?
  say "logger exited with status $status"
  [[ -f $dir/demo-json.log ]] || die "no log file was written"
  say "$dir/demo-json.log (records over 300 characters are shortened here):"
  cut -c 1-300 "$dir/demo-json.log"
  ((status == 0)) || die "the logger failed"
}

run_tests() {
  build
  install_test_prereqs
  local results="$ROOT/artifacts/test-results"
  rm -rf "$results"
  # One trx per test project (LogFilePrefix keeps them apart); .ci/run adds them up.
  CONTAINERLOGGER_BIN="$BINARY" dotnet test ContainerLogger.sln -c Release \
    --logger "trx;LogFilePrefix=results" --logger "console;verbosity=normal" \
    --results-directory "$results"
}

bench() {
  build
  # The json-file-rotate-age row makes its identity with age-keygen and decrypts with age.
  command -v age-keygen >/dev/null || apt_install age
  local args=("$@")
  # The binary just built is the default subject; --logger PATH benchmarks another compatible one.
  [[ " $* " == *" --logger "* ]] || args=(--logger "$BINARY" "$@")
  CONTAINERLOGGER_BENCH_COMMAND="./build.sh bench $*" \
    dotnet run --project tests/ContainerLogger.Benchmarks -c Release -- "${args[@]}"
}

verb=${1:-build}
(($# == 0)) || shift
case $verb in
  build) build ;;
  demo) demo ;;
  test) run_tests ;;
  bench) bench "$@" ;;
  -h | --help | help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown verb '$verb' (build, demo, test, bench)" ;;
esac
