#!/usr/bin/env bash
# Run newsbrief on the example articles (../shared/corpus/articles, or $1) into outputs/.
#
# With the real default models when they are in the Hugging Face cache or can be downloaded;
# otherwise with tiny offline models built here, whose output is NOT meaningful.
set -euo pipefail
cd "$(dirname "$0")/.."
articles="${1:-../shared/corpus/articles}"
py=.venv/bin/python
newsbrief=.venv/bin/newsbrief

if "$py" scripts/fetch_models.py >/dev/null 2>&1; then
    echo "== real default models found: running with them"
    exec "$newsbrief" run "$articles" --out outputs --to uk,en
fi

cat >&2 <<'WARN'
##########################################################################################
#  The default Hugging Face models are not in the cache and cannot be downloaded here.   #
#  Running with TINY OFFLINE MODELS instead: their translations and summaries are NOT    #
#  MEANINGFUL. They only show the machinery (files, alignment, manifest, report).        #
#  For real output: python scripts/fetch_models.py on a machine with the hub, then rerun.#
##########################################################################################
WARN
tiny=.tiny-models
if [ ! -f "$tiny/newsbrief.toml" ]; then
    "$py" scripts/build_tiny_models.py "$tiny" --corpus "$articles" 2>/dev/null >/dev/null
fi
HF_HUB_OFFLINE=1 exec "$newsbrief" run "$articles" --out outputs/tiny-models-demo --to uk,en \
    --config "$tiny/newsbrief.toml"
