#!/usr/bin/env bash
# Check every PromQL expression of the coordinators' rules and Grafana dashboard against a real
# Prometheus, on synthetic data that follows docs/metrics.md.
#
# Usage (from any directory):  deploy/coordinator/check-queries.sh
# Needs: prometheus and promtool (Debian package prometheus, 2.42 or later) and python3.
#
# Steps:
#   0. Check prometheus.yml and the rule files with promtool, and run the rules' unit tests.
#   1. Write two days of per-minute samples for four sites, ending now, and turn them into TSDB
#      blocks with `promtool tsdb create-blocks-from openmetrics`.
#   2. Start Prometheus on those blocks and backfill recording.yml with
#      `promtool tsdb create-blocks-from rules`, so that the rules have a history (the
#      "site silent" alert needs a day of it).
#   3. Restart Prometheus with both rule files, their group intervals shortened to 5 seconds.
#   4. Query every rule expression and every dashboard expression through /api/v1/query, and
#      check that each one succeeds and returns data, and that every alert fires.
#
# Prometheus listens on 127.0.0.1 only, on a free port, with a temporary storage folder; both
# are removed on exit. Exits 0 when every check passes, 1 when one fails, 2 when a tool is
# missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rules_dir="$here/rules"
dashboard="$here/grafana/antoan-dashboard.json"

for tool in prometheus promtool python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "check-queries.sh: $tool not found; install it with: apt-get install -y prometheus python3" >&2
        exit 2
    fi
done

work="$(mktemp -d)"
prometheus_pid=""

stop_prometheus() {
    if [[ -z "$prometheus_pid" ]]; then
        return
    fi
    kill "$prometheus_pid" 2>/dev/null || true
    # Wait up to 10 seconds for Prometheus to stop, then kill it.
    for _ in $(seq 1 50); do
        if ! kill -0 "$prometheus_pid" 2>/dev/null; then
            break
        fi
        sleep 0.2
    done
    kill -9 "$prometheus_pid" 2>/dev/null || true
    wait "$prometheus_pid" 2>/dev/null || true
    prometheus_pid=""
}

cleanup() {
    stop_prometheus
    rm -rf "$work"
}
trap cleanup EXIT
# Exit through the EXIT trap on Ctrl-C or kill, so that Prometheus is stopped then too.
trap 'exit 130' INT TERM

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
url="http://127.0.0.1:$port"

# Start Prometheus with the config file $1 and wait until it is ready (at most 30 seconds).
start_prometheus() {
    prometheus \
        --config.file="$1" \
        --storage.tsdb.path="$work/data" \
        --web.listen-address="127.0.0.1:$port" \
        --web.enable-remote-write-receiver \
        --log.level=warn \
        >>"$work/prometheus.log" 2>&1 &
    prometheus_pid=$!
    if ! python3 "$work/check.py" wait-ready "$url" "$prometheus_pid"; then
        echo "check-queries.sh: Prometheus did not become ready; its log:" >&2
        tail -n 30 "$work/prometheus.log" >&2
        exit 1
    fi
}

cat >"$work/check.py" <<'PYEOF'
"""Synthetic data and query checks for check-queries.sh. Talks to 127.0.0.1 only."""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

REQUEST_TIMEOUT_SECONDS = 15

SITES = [
    # Site a sends data only until 30 hours ago, so AntoanSiteSilent fires for it.
    {"site": "a", "site_name": "Quán cà phê Hòa Bình", "province": "VN-HN", "province_name": "Hà Nội",
     "silent_for": 30 * 3600},
    # Site b is still scraped, but its remote-write pushes have failed for the last 2 hours, and
    # its firewall failed twice 10 minutes ago.
    {"site": "b", "site_name": "Internet Thanh Xuân", "province": "VN-HN", "province_name": "Hà Nội",
     "push_failing_for": 2 * 3600, "firewall_errors_at": 10 * 60},
    {"site": "c", "site_name": "Wi-Fi thư viện Quận 1", "province": "VN-SG", "province_name": "Hồ Chí Minh"},
    {"site": "d", "site_name": "Quán net Sơn Trà", "province": "VN-DN", "province_name": "Đà Nẵng"},
]

NOTICES = [("check-link-before-login", "phishing", "vi"), ("long-unique-passwords", "passwords", "en")]
GROUPS = {"pupil": 1, "student": 1, "young_worker": 2, "youth_union": 3, "other": 5, "prefer_not": 4}
STEP_SECONDS = 60
HISTORY_SECONDS = 2 * 86400


def labels_text(labels):
    return ",".join(f'{name}="{value}"' for name, value in labels.items())


def write_openmetrics(path, end):
    """Write HISTORY_SECONDS of samples for SITES, one every STEP_SECONDS, ending at `end`."""
    start = end - HISTORY_SECONDS
    families = {}  # family name -> (type, {sample name + labels -> [(time, value)]})

    def add(family, kind, sample, labels, t, value):
        series = families.setdefault(family, (kind, {}))[1]
        series.setdefault(f"{sample}{{{labels_text(labels)}}}", []).append((t, value))

    for site in SITES:
        base = {key: site[key] for key in ("site", "site_name", "province", "province_name")}
        last = end - site.get("silent_for", 0)
        steps = (last - start) // STEP_SECONDS
        for k in range(steps + 1):
            t = start + k * STEP_SECONDS
            add("antoan_build_info", "gauge", "antoan_build_info", {**base, "version": "0.1.0"}, t, 1)
            add("antoan_content_info", "gauge", "antoan_content_info", {**base, "version": "5f3a9c"}, t, 1)
            add("antoan_devices_online", "gauge", "antoan_devices_online", base, t, 3 + k % 7)
            reached = {"1d": 40, "7d": 150, "30d": 400, "half_year": 900 + k // 30, "year": 1500 + k // 30}
            for period, value in reached.items():
                add("antoan_devices_reached", "gauge", "antoan_devices_reached",
                    {**base, "period": period}, t, value)
            for index, (notice, topic, lang) in enumerate(NOTICES):
                add("antoan_notice_views", "counter", "antoan_notice_views_total",
                    {**base, "notice": notice, "topic": topic, "lang": lang}, t, 1000 + (2 - index) * k)
                per_step = {("right", "first"): 3 - index, ("wrong", "first"): 1,
                            ("right", "retry"): 1, ("wrong", "retry"): 0}
                for (result, attempt), rate in per_step.items():
                    add("antoan_answers", "counter", "antoan_answers_total",
                        {**base, "notice": notice, "topic": topic, "result": result, "attempt": attempt},
                        t, 500 + rate * k)
            grants = {"right_answer": 3 * k, "after_wrong_answers": k, "operator": k // 60}
            for reason, value in grants.items():
                add("antoan_grants", "counter", "antoan_grants_total", {**base, "reason": reason}, t, value)
            for group, every in GROUPS.items():
                add("antoan_audience_answers", "counter", "antoan_audience_answers_total",
                    {**base, "group": group}, t, k // every)
            errors_at = site.get("firewall_errors_at")
            errors = 0 if errors_at is None else max(0, min(2, (t - (end - errors_at)) // STEP_SECONDS + 1))
            add("antoan_firewall_errors", "counter", "antoan_firewall_errors_total",
                {**base, "backend": "nftables"}, t, errors)
            failing_since = end - site.get("push_failing_for", -STEP_SECONDS)
            add("antoan_last_push_success_timestamp_seconds", "gauge",
                "antoan_last_push_success_timestamp_seconds", base, t, min(t, failing_since) - STEP_SECONDS)

    with open(path, "w", encoding="utf-8") as out:
        for family, (kind, series) in families.items():
            out.write(f"# TYPE {family} {kind}\n")
            for name, points in series.items():
                for t, value in points:
                    out.write(f"{name} {value} {t}\n")
        out.write("# EOF\n")


def get_json(base_url, path, params=None):
    query = "?" + urllib.parse.urlencode(params) if params else ""
    with urllib.request.urlopen(base_url + path + query, timeout=REQUEST_TIMEOUT_SECONDS) as response:
        return json.load(response)


def wait_ready(base_url, pid):
    """Return once /-/ready responds with 200. Exit 1 after 30 seconds or when the process ends."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(1)
        try:
            with urllib.request.urlopen(base_url + "/-/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(1)


def wait_for_rules(base_url):
    """Wait until every rule group has been evaluated twice (at most 60 seconds).

    Two rounds give each group the results of the groups it reads at the current time.
    """
    first_seen = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        groups = get_json(base_url, "/api/v1/rules")["data"]["groups"]
        done = True
        for group in groups:
            last = group.get("lastEvaluation", "")
            if last.startswith("0001-"):
                done = False
                continue
            first_seen.setdefault(group["name"], last)
            if first_seen[group["name"]] == last:
                done = False
        if groups and done:
            return groups
        time.sleep(0.5)
    sys.exit("rule groups were not evaluated twice within 60 seconds")


def dashboard_expressions(path):
    """Return (where, expression) for every panel target and every variable's selector."""
    with open(path, encoding="utf-8") as source:
        dashboard = json.load(source)
    found = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                found.append((f'panel "{panel["title"]}" {target["refId"]}', target["expr"]))
            walk(panel.get("panels", []))

    walk(dashboard["panels"])
    for variable in dashboard["templating"]["list"]:
        definition = variable["definition"]
        match = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", definition)
        if not match:
            sys.exit(f"variable {variable['name']}: unsupported query {definition!r}")
        found.append((f"variable {variable['name']}", match.group(1)))
    return found


def substitute(expression, province, site):
    expression = (expression.replace("$__range", "2d")
                  .replace("$province", province).replace("$site", site))
    if "$" in expression:
        raise ValueError(f"unknown Grafana variable in {expression!r}")
    return expression


def check(base_url, dashboard):
    passed = failed = 0

    def query(where, expression):
        nonlocal passed, failed
        try:
            reply = get_json(base_url, "/api/v1/query", {"query": expression})
            result = reply["data"]["result"]
            count = len(result) if reply["data"]["resultType"] in ("vector", "matrix") else 1
            problem = None if count else "no data"
        except urllib.error.HTTPError as error:
            problem = json.load(error).get("error", str(error))
        except (OSError, ValueError) as error:
            problem = str(error)
        if problem:
            failed += 1
            print(f"FAIL {where}: {problem}\n     {expression}")
        else:
            passed += 1
            print(f"ok   {where}: {count} series")

    groups = wait_for_rules(base_url)
    for group in groups:
        for rule in group["rules"]:
            if rule["health"] != "ok":
                failed += 1
                print(f"FAIL rule {rule['name']}: health {rule['health']}: {rule.get('lastError', '')}")
            query(f"rule {rule['name']}", rule["query"])

    # Run the dashboard queries with both filters on "All", then with one province and one site,
    # in the form Grafana sends them.
    for province, site in ((".*", ".*"), ("VN-HN", "b")):
        for where, expression in dashboard_expressions(dashboard):
            query(f"{where} (province={province}, site={site})", substitute(expression, province, site))

    firing = {alert["labels"]["alertname"] for alert in get_json(base_url, "/api/v1/alerts")["data"]["alerts"]
              if alert["state"] == "firing"}
    for group in groups:
        for rule in group["rules"]:
            if rule["type"] != "alerting":
                continue
            if rule["name"] in firing:
                passed += 1
                print(f"ok   alert {rule['name']} fires")
            else:
                failed += 1
                print(f"FAIL alert {rule['name']} does not fire on the synthetic data")

    print(f"queries: {passed} passed, {failed} failed")
    return failed == 0


def main():
    command = sys.argv[1]
    if command == "write-data":
        write_openmetrics(sys.argv[2], int(sys.argv[3]))
    elif command == "wait-ready":
        wait_ready(sys.argv[2], int(sys.argv[3]))
    elif command == "check":
        sys.exit(0 if check(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(f"unknown command {command!r}")


main()
PYEOF

# 0. Static checks and unit tests. `check config` also checks the rule files it names.
promtool check config "$here/prometheus.yml"
promtool test rules "$rules_dir/tests.yml"

# 1. Synthetic data, ending at the current minute.
now="$(date +%s)"
end=$((now - now % 60))
start=$((end - 2 * 86400))
python3 "$work/check.py" write-data "$work/data.om" "$end"
mkdir -p "$work/data"
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/data" >"$work/blocks.log"

# 2. Backfill the recording rules over the same two days. Rules that read other recorded series
# get no history this way; step 3 computes their current values.
cat >"$work/backfill.yml" <<'EOF'
global:
  evaluation_interval: 1m
EOF
start_prometheus "$work/backfill.yml"
# A backfill run has been seen to write no block once, right after start-up; it is tried up to
# three times before the check fails.
for attempt in 1 2 3; do
    rm -rf "$work/backfill"
    if ! promtool tsdb create-blocks-from rules \
        --url="$url" --start="$start" --end="$end" --output-dir="$work/backfill" \
        "$rules_dir/recording.yml" >"$work/backfill.log" 2>&1; then
        echo "check-queries.sh: backfilling recording.yml failed:" >&2
        tail -n 30 "$work/backfill.log" >&2
        exit 1
    fi
    if [ -n "$(ls -A "$work/backfill" 2>/dev/null)" ]; then
        break
    fi
    if [ "$attempt" -eq 3 ]; then
        echo "check-queries.sh: backfilling recording.yml wrote no block in 3 attempts:" >&2
        tail -n 30 "$work/backfill.log" >&2
        exit 1
    fi
    echo "check-queries.sh: backfill attempt $attempt wrote no block; retrying" >&2
    sleep 3
done
stop_prometheus
mv "$work/backfill"/* "$work/data/"

# 3. Prometheus with the rules, evaluated every 5 seconds so that the check does not wait for
# the real intervals of up to 15 minutes.
mkdir -p "$work/rules"
for file in recording.yml alerts.yml; do
    sed -E 's/^( *)interval: .*/\1interval: 5s/' "$rules_dir/$file" >"$work/rules/$file"
done
cat >"$work/prometheus.yml" <<EOF
global:
  evaluation_interval: 5s
rule_files:
  - $work/rules/recording.yml
  - $work/rules/alerts.yml
EOF
start_prometheus "$work/prometheus.yml"

# 4. The checks.
python3 "$work/check.py" check "$url" "$dashboard"
