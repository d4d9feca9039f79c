#!/usr/bin/env bash
# The project's test command: formatting, lints, unit and integration tests, and the browser test.
# Installs what it needs when missing: Debian's nftables, iproute2, curl and python3 for the
# network-namespace test, prometheus and victoria-metrics for the coordinator test, chromium and
# the npm packages for the browser tests. Run it as root:
# the gateway test creates network namespaces and loads nftables rules inside them.
# Prints one closing line "tests: N passed, N failed" summed over every runner.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v nft >/dev/null || missing+=(nftables)
command -v ip >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v victoria-metrics >/dev/null || missing+=(victoria-metrics)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The gateway and coordinator tests fail instead of skipping when they cannot run, so CI never
# passes them silently.
export ANTOAN_REQUIRE_NETNS=1
export ANTOAN_REQUIRE_COORDINATOR=1

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo test 2>&1 | tee "$log_dir/cargo.log"

echo "== coordinator rules and dashboard queries against Prometheus"
bash deploy/coordinator/check-queries.sh 2>&1 | tee "$log_dir/queries.log"

echo "== browser test"
bash scripts/browser-test.sh 2>&1 | tee "$log_dir/browser.log"

echo "== browser test through the gateway in network namespaces"
bash scripts/browser-netns-test.sh 2>&1 | tee "$log_dir/browser-netns.log"

passed=0
failed=0
while read -r count; do passed=$((passed + count)); done < <(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$log_dir/cargo.log" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
while read -r count; do failed=$((failed + count)); done < <(grep -oE '[0-9]+ failed;' "$log_dir/cargo.log" | grep -oE '[0-9]+')
queries=$(grep -E '^queries: [0-9]+ passed, [0-9]+ failed' "$log_dir/queries.log" | tail -n 1)
passed=$((passed + $(echo "$queries" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)))
failed=$((failed + $(echo "$queries" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)))
for log in browser browser-netns; do
    browser_passed=$(grep -E '^# pass [0-9]+' "$log_dir/$log.log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
    browser_failed=$(grep -E '^# fail [0-9]+' "$log_dir/$log.log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)
    passed=$((passed + browser_passed))
    failed=$((failed + browser_failed))
done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
