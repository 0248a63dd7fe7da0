#!/usr/bin/env bash
# newsbrief installs with the pip that Python ships (23.2 for 3.11, not upgraded) into a fresh
# venv, and runs on a folder of .txt files: every module it imports must be a declared
# dependency, since that pip does not install what a dependency names only as an extra
# (lxml.html.clean, which trafilatura needs, was one). CI runs this before `make test`.
# Usage: bash scripts/check_fresh_install.sh [PYTHON]   (default: python3)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
bundled=$("$python" -c 'import ensurepip; print(ensurepip.version())')
installed=$("$work/venv/bin/python" -m pip --version | cut -d' ' -f2)
[ "$installed" = "$bundled" ] || { echo "check_fresh_install: pip $installed is not Python's own $bundled" >&2; exit 1; }
"$work/venv/bin/python" -m pip install -q torch==2.13.0  # the CPU wheel, as `make install`
"$work/venv/bin/python" -m pip install -q -e .
mkdir "$work/in"
cp ../shared/corpus/articles/en-kirby-dprk-arms.txt "$work/in/"
HF_HUB_OFFLINE=1 "$work/venv/bin/newsbrief" run "$work/in" --out "$work/out" \
    --to en --summary-languages en --summariser extractive --quiet
test -f "$work/out/en-kirby-dprk-arms/article.json"
"$work/venv/bin/python" -c 'import newsbrief.input.readers.html, trafilatura'
echo "check_fresh_install: newsbrief installs and runs with pip $installed"
