#!/usr/bin/env bash
# Runs tests/browser/netns.test.mjs: headless Chromium inside a client network namespace goes
# through `antoan run` and the real nftables in a gateway namespace to an upstream HTTP server.
#
# All addresses are in documentation ranges. The veth pairs link the three namespaces to each
# other only, never to the host's interfaces or routes:
#
#   client  c0   192.0.2.2/24       2001:db8:1::2/64   (node --test, Chromium)
#      |
#   gw      gl0  192.0.2.1/24       2001:db8:1::1/64   (antoan run, nftables, forwarding)
#           gu0  198.51.100.1/24    2001:db8:2::1/64
#      |
#   up      u0   198.51.100.2/24    2001:db8:2::2/64   (python3 -m http.server on port 80)
#
# Must run as root. Installs nftables, iproute2, curl and chromium with apt-get when missing,
# the npm packages when tests/browser/node_modules is missing, and builds the debug binary.
# Exits non-zero when any step or test fails. On the way out it stops every process it started,
# deletes every namespace it created and removes its temporary folder, also after a failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Namespace names carry this run's PID, so that two runs side by side get distinct names.
prefix="bn$$-"
ns_client="${prefix}client"
ns_gw="${prefix}gw"
ns_up="${prefix}up"

client_v4=192.0.2.2
gateway_lan_v4=192.0.2.1
client_v6=2001:db8:1::2
gateway_lan_v6=2001:db8:1::1
gateway_up_v4=198.51.100.1
gateway_up_v6=2001:db8:2::1
upstream_v4=198.51.100.2
upstream_v6=2001:db8:2::2
lan_interface=gl0

created_namespaces=()
run_tmp=""
test_pid=""
upstream_pid=""
antoan_pid=""

log() {
  echo "browser-netns-test: $*" >&2
}

fail() {
  log "$*"
  exit 1
}

# Sends SIGKILL to every process left in namespace $1 until none is left, at most 50 rounds.
kill_namespace_processes() {
  local namespace=$1 pids
  for _ in $(seq 50); do
    pids="$(ip netns pids "$namespace" 2>/dev/null || true)"
    [[ -z "$pids" ]] && return 0
    # shellcheck disable=SC2086 # one PID a word
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
  log "processes still in namespace $namespace after 5 s: $(ip netns pids "$namespace" 2>/dev/null | tr '\n' ' ')"
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM

  if [[ -n "$test_pid" ]]; then
    # setsid made the test runner a process group leader. Chromium starts a group of its own,
    # so kill_namespace_processes below stops it.
    kill -TERM -- "-$test_pid" 2>/dev/null || true
  fi
  if [[ -n "$antoan_pid" ]]; then
    if [[ $status -ne 0 && -n "$run_tmp" && -f "$run_tmp/antoan.log" ]]; then
      log "last lines of the antoan log:"
      tail -n 40 "$run_tmp/antoan.log" >&2 || true
    fi
    kill -TERM "$antoan_pid" 2>/dev/null || true
  fi
  if [[ -n "$upstream_pid" ]]; then
    kill -TERM "$upstream_pid" 2>/dev/null || true
  fi

  # Every process in these namespaces was started by this run, Chromium included.
  local namespace
  for namespace in "${created_namespaces[@]}"; do
    kill_namespace_processes "$namespace"
  done

  for namespace in "${created_namespaces[@]}"; do
    if ! ip netns del "$namespace"; then
      log "could not delete namespace $namespace"
      status=1
    fi
  done
  local left
  left="$(ip netns list | grep -F -- "$prefix" || true)"
  if [[ -n "$left" ]]; then
    log "namespaces of this run still exist: $left"
    status=1
  fi

  if [[ -n "$run_tmp" ]]; then
    rm -rf -- "$run_tmp"
  fi
  log "finished in ${SECONDS} s with exit status $status"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command inside namespace $1.
in_ns() {
  local namespace=$1
  shift
  ip netns exec "$namespace" "$@"
}

# Polls `curl -s URL` inside namespace $1 every 0.1 s, at most $3 times. Returns 1 when no
# request got a response.
wait_for_url() {
  local namespace=$1 url=$2 tries=$3
  for _ in $(seq "$tries"); do
    if in_ns "$namespace" curl -s -o /dev/null --max-time 1 "$url"; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# Tools

if [[ "$(id -u)" -ne 0 ]]; then
  fail "must run as root: it creates network namespaces and nftables rules. Run it with sudo."
fi

missing_packages=()
command -v nft >/dev/null || missing_packages+=(nftables)
command -v ip >/dev/null || missing_packages+=(iproute2)
command -v curl >/dev/null || missing_packages+=(curl)
[[ -x /usr/bin/chromium ]] || missing_packages+=(chromium)
if [[ ${#missing_packages[@]} -gt 0 ]]; then
  log "installing ${missing_packages[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing_packages[@]}"
fi

for tool in python3 node npm cargo; do
  if ! command -v "$tool" >/dev/null; then
    fail "$tool not found in PATH. Install it and run this script again."
  fi
done

# playwright-core has no install script. This variable also stops any Playwright download step.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ ! -d tests/browser/node_modules ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund)
fi

cargo build --bin antoan
target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$root/$target_dir"
antoan_bin="$target_dir/debug/antoan"

run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/antoan-browser-netns.XXXXXX")"

# ---------------------------------------------------------------------------------------------
# Namespaces and links

for namespace in "$ns_client" "$ns_gw" "$ns_up"; do
  ip netns add "$namespace"
  created_namespaces+=("$namespace")
  in_ns "$namespace" ip link set lo up
done

# Each veth pair is created with both ends already inside the namespaces.
ip link add "$lan_interface" netns "$ns_gw" type veth peer name c0 netns "$ns_client"
ip link add gu0 netns "$ns_gw" type veth peer name u0 netns "$ns_up"

in_ns "$ns_client" ip addr add "$client_v4/24" dev c0
in_ns "$ns_client" ip addr add "$client_v6/64" dev c0 nodad
in_ns "$ns_client" ip link set c0 up
in_ns "$ns_client" ip route add default via "$gateway_lan_v4"
in_ns "$ns_client" ip -6 route add default via "$gateway_lan_v6"

in_ns "$ns_gw" ip addr add "$gateway_lan_v4/24" dev "$lan_interface"
in_ns "$ns_gw" ip addr add "$gateway_lan_v6/64" dev "$lan_interface" nodad
in_ns "$ns_gw" ip link set "$lan_interface" up
in_ns "$ns_gw" ip addr add "$gateway_up_v4/24" dev gu0
in_ns "$ns_gw" ip addr add "$gateway_up_v6/64" dev gu0 nodad
in_ns "$ns_gw" ip link set gu0 up
in_ns "$ns_gw" sysctl -qw net.ipv4.ip_forward=1
in_ns "$ns_gw" sysctl -qw net.ipv6.conf.all.forwarding=1

in_ns "$ns_up" ip addr add "$upstream_v4/24" dev u0
in_ns "$ns_up" ip addr add "$upstream_v6/64" dev u0 nodad
in_ns "$ns_up" ip link set u0 up
# Replies to the client go back through the gateway, which does no address translation.
in_ns "$ns_up" ip route add default via "$gateway_up_v4"
in_ns "$ns_up" ip -6 route add default via "$gateway_up_v6"

# ---------------------------------------------------------------------------------------------
# Upstream HTTP server

www="$run_tmp/www"
mkdir -p "$www"
echo "upstream-ok" >"$www/index.html"
in_ns "$ns_up" python3 -m http.server --bind :: --directory "$www" 80 \
  >"$run_tmp/upstream.log" 2>&1 &
upstream_pid=$!
if ! wait_for_url "$ns_up" "http://[::1]/" 100 || ! wait_for_url "$ns_up" "http://127.0.0.1/" 20; then
  cat "$run_tmp/upstream.log" >&2 || true
  fail "the upstream HTTP server in $ns_up did not answer on port 80 within 10 s"
fi

# ---------------------------------------------------------------------------------------------
# antoan on the gateway

config="$run_tmp/antoan.toml"
cat >"$config" <<EOF
[site]
id = "browser-netns"

[portal]
listen = "[::]:8080"
url = "http://$gateway_lan_v4:8080/"

[admin]
listen = "127.0.0.1:9469"

[state]
dir = "$run_tmp/state"
control_socket = "$run_tmp/control.sock"

[firewall]
backend = "nftables"
lan_interfaces = ["$lan_interface"]
EOF

ANTOAN_LOG=info in_ns "$ns_gw" "$antoan_bin" run --config "$config" >"$run_tmp/antoan.log" 2>&1 &
antoan_pid=$!
healthy=0
for _ in $(seq 200); do
  if ! kill -0 "$antoan_pid" 2>/dev/null; then
    fail "antoan exited before it answered /healthz"
  fi
  if in_ns "$ns_gw" curl -s -o /dev/null --fail --max-time 1 http://127.0.0.1:9469/healthz; then
    healthy=1
    break
  fi
  sleep 0.1
done
[[ $healthy -eq 1 ]] || fail "antoan did not answer http://127.0.0.1:9469/healthz in $ns_gw within 20 s"

# ---------------------------------------------------------------------------------------------
# The browser test, inside the client namespace

export NETNS_CLIENT_ADDRESS="$client_v4"
export NETNS_PORTAL_URL="http://$gateway_lan_v4:8080/"
export NETNS_UPSTREAM_URL="http://$upstream_v4/"
export NETNS_UPSTREAM_V6_URL="http://[$upstream_v6]/"
export NETNS_NOTICES_DIR="$root/splash/notices"
export CHROMIUM_PATH=/usr/bin/chromium

# The browser profile goes to this run's folder, removed at the end.
TMPDIR="$run_tmp" setsid ip netns exec "$ns_client" \
  node --test --test-reporter=tap tests/browser/netns.test.mjs &
test_pid=$!
status=0
wait "$test_pid" || status=$?
exit "$status"
