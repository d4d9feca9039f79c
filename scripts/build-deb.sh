#!/usr/bin/env bash
# Builds the Debian package of antoan into target/debian/ with cargo-deb.
#
# Installs cargo-deb from crates.io first when it is missing. Extra arguments go to `cargo deb`,
# for example `scripts/build-deb.sh --no-build` to package the binary already in target/release.
# The last line of the output is the path of the .deb. The project publishes no package
# repository, so this file is what goes to the gateway (docs/install.md, section 4.1).
set -euo pipefail

cd "$(dirname "$0")/.."

if ! cargo deb --version >/dev/null 2>&1; then
    echo "cargo-deb not found, so installing it from crates.io" >&2
    cargo install cargo-deb --locked
fi

# cargo-deb prints the path of the .deb on standard output, and its progress on standard error.
output=$(cargo deb "$@")
package=${output##*$'\n'}

if [[ "$package" == *.deb && -f "$package" ]]; then
    name=$(basename "$package")
    echo "Copy $name to the gateway and install it there with: sudo apt install ./$name" >&2
fi
echo "$output"
