#!/usr/bin/env bash
# Builds the Debian package of antoan into target/debian/ with cargo-deb.
#
# Installs cargo-deb from crates.io first when it is missing. Extra arguments go to `cargo deb`,
# for example `scripts/build-deb.sh --no-build` to package the binary already in target/release.
# cargo-deb prints the path of the .deb as its last line.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! cargo deb --version >/dev/null 2>&1; then
    echo "cargo-deb not found, so installing it from crates.io" >&2
    cargo install cargo-deb --locked
fi

cargo deb "$@"
