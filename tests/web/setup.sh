#!/usr/bin/env bash
# Installs what the checks under tests/web need, each only when missing: a Python venv under
# target/ with openapi-spec-validator and selenium (PyPI); Debian's chromium and
# chromium-driver (apt); axe-core (npm) under tests/web/node_modules. Builds the binary.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x target/web-venv/bin/python ]; then
    python3 -m venv target/web-venv
fi
if ! target/web-venv/bin/python -c 'import openapi_spec_validator, selenium' 2>/dev/null; then
    target/web-venv/bin/pip install --quiet --disable-pip-version-check openapi-spec-validator selenium
fi
cargo build --quiet
