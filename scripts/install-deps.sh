#!/usr/bin/env bash
# Debian packages hoso needs, then a virtualenv with hoso installed in it.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd ghostscript qpdf poppler-utils unpaper pngquant
          libzbar0 fonts-dejavu-core graphviz hunspell-vi python3-venv)
if [ "${HOSO_OPENSEARCH:-0}" = 1 ]; then
  # The test tier: OpenSearch's build tools, the browser (with its WebDriver) for tests/test_web_browser.py,
  # Redis, the broker of tests/test_broker.py, and PostgreSQL for the catalog's tests on it
  # (scripts/postgres.sh runs its own throw-away server).
  packages+=(maven default-jre-headless curl unzip chromium chromium-driver redis-server postgresql)
fi
missing=()
for p in "${packages[@]}"; do
  # A JDK/Maven installed some other way (e.g. a preinstalled toolchain) is as good as the package.
  case "$p" in
    maven) command -v mvn >/dev/null && continue ;;
    default-jre-headless) command -v java >/dev/null && continue ;;
    python3-venv) python3 -c 'import venv, ensurepip' 2>/dev/null && continue ;;
    postgresql) compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null && continue ;;
  esac
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.hoso-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
fi
