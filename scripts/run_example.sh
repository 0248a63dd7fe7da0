#!/usr/bin/env bash
# Run newsbrief on the example articles (../shared/corpus/articles, or $1) into outputs/.
#
# With the real default models when they are in the Hugging Face cache or can be downloaded
# (`newsbrief models fetch`, about 3.4 GB once); otherwise with tiny offline models built here,
# whose output is NOT meaningful. Whether the hub can be reached is decided in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
articles="${1:-../shared/corpus/articles}"
py=.venv/bin/python
newsbrief=.venv/bin/newsbrief

hub_reachable() {
    "$py" - <<'PROBE' 2>/dev/null
import sys, urllib.request
try:
    urllib.request.urlopen("https://huggingface.co/api/models?limit=1", timeout=5)
except Exception:
    sys.exit(1)
PROBE
}

echo "== looking for the default models (newsbrief models)"
if HF_HUB_OFFLINE=1 "$newsbrief" models >/dev/null 2>&1; then
    echo "== the default models are in the cache: running with them"
    exec env HF_HUB_OFFLINE=1 "$newsbrief" run "$articles" --out outputs --to uk,en
fi
if [ -z "${HF_HUB_OFFLINE:-}" ] && hub_reachable; then
    echo "== fetching the default models once (about 3.4 GB): newsbrief models fetch"
    if "$newsbrief" models fetch; then
        exec env HF_HUB_OFFLINE=1 "$newsbrief" run "$articles" --out outputs --to uk,en
    fi
fi

cat >&2 <<'WARN'
##########################################################################################
#  The default Hugging Face models are not in the cache and cannot be downloaded here.   #
#  Running with TINY OFFLINE MODELS instead: their translations and summaries are NOT    #
#  MEANINGFUL. They only show the machinery (files, alignment, manifest, report).        #
#  For real output: `newsbrief models fetch` on a machine with the hub, then rerun.      #
##########################################################################################
WARN
tiny=.tiny-models
if [ ! -f "$tiny/newsbrief.toml" ]; then
    echo "== building tiny offline models into $tiny (a minute or two, once)"
    "$py" scripts/build_tiny_models.py "$tiny" --corpus "$articles" 2>/dev/null | grep '^tiny model'
fi
echo "== running with the tiny models into outputs/tiny-models-demo"
HF_HUB_OFFLINE=1 exec "$newsbrief" run "$articles" --out outputs/tiny-models-demo --to uk,en \
    --config "$tiny/newsbrief.toml"
