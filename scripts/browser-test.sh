#!/usr/bin/env bash
# Runs the end-to-end browser tests in tests/browser/ against `antoan demo` on loopback.
#
# Installs Debian's chromium when /usr/bin/chromium is missing (needs root), installs the npm
# packages from the lock file, builds the debug binary and runs `node --test`. Exits non-zero
# when any test fails. Every process the tests start is stopped on the way out.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

run_tmp=""
test_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$test_pid" ]]; then
    # The test runner, its test process and the demos share one process group, whose id is the
    # runner's PID because setsid started it.
    kill -TERM -- "-$test_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 -- "-$test_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$test_pid" 2>/dev/null || true
  fi
  if [[ -n "$run_tmp" ]]; then
    # Playwright starts Chromium in a process group of its own, with its profile under $run_tmp.
    # Any browser process of this run that outlived the runner is stopped here.
    local proc
    for proc in /proc/[0-9]*; do
      if grep -qsaF -- "$run_tmp" "$proc/cmdline"; then
        kill -KILL "${proc#/proc/}" 2>/dev/null || true
      fi
    done
    rm -rf -- "$run_tmp"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "browser-test: /usr/bin/chromium is missing. Run this script as root so it can install Debian's chromium." >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

for tool in node npm cargo; do
  if ! command -v "$tool" >/dev/null; then
    echo "browser-test: $tool not found in PATH. Install it and run this script again." >&2
    exit 1
  fi
done

# playwright-core has no install script. This variable also stops any Playwright download step.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd tests/browser && npm ci --no-audit --no-fund)

cargo build --bin antoan
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$root/$target_dir"
export ANTOAN_BIN="$target_dir/debug/antoan"
export CHROMIUM_PATH=/usr/bin/chromium

# The demos' state and the browser profiles go to a folder of this run, removed at the end.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/antoan-browser-test.XXXXXX")"
cd tests/browser
TMPDIR="$run_tmp" setsid node --test flow.test.mjs &
test_pid=$!
status=0
wait "$test_pid" || status=$?
exit "$status"
