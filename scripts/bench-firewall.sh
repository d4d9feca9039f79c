#!/usr/bin/env bash
# Benchmark of the nftables backend (restore time, grant latency, burst throughput with 10 and
# 100,000 devices already allowed), run inside a network namespace of its own so the host's
# rules are never touched. Needs root and nftables. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v nft >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nftables >/dev/null; }
cargo build --release --quiet --example bench_firewall

namespace="antoan-bench-$$"
trap 'ip netns del "$namespace" 2>/dev/null || true' EXIT
ip netns add "$namespace"
ip netns exec "$namespace" target/release/examples/bench_firewall
