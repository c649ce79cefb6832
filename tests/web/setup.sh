#!/usr/bin/env bash
# Installs what the checks under tests/web need, each only when it is missing, and builds the
# binary they start:
# - Debian's chromium, chromium-driver (apt-get; /usr/bin/chromedriver) and a Chinese font;
# - a Python venv under target/web-venv with openapi-spec-validator and selenium (PyPI);
# - axe-core under target/web-node (npm).
# target/ is ignored by git, so nothing installed here is committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# A small Chinese font (1.6 MB), so that the screenshots show the Chinese text.
if ! command -v chromium >/dev/null || [ ! -x /usr/bin/chromedriver ] \
    || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver fonts-wqy-microhei >/dev/null
fi
if [ ! -x target/web-venv/bin/python ]; then
    python3 -m venv target/web-venv
fi
if ! target/web-venv/bin/python -c 'import openapi_spec_validator, selenium' 2>/dev/null; then
    target/web-venv/bin/pip install --quiet --disable-pip-version-check openapi-spec-validator selenium
fi
if [ ! -f target/web-node/node_modules/axe-core/axe.min.js ]; then
    mkdir -p target/web-node
    npm install --silent --no-audit --no-fund --prefix target/web-node axe-core@4
fi
cargo build --quiet
