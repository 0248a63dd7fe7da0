#!/usr/bin/env bash
# Run newsbrief from cron: offline models, a log file per output folder, the exit code passed on.
#
#   30 2 * * *  /srv/newsbrief/scripts/newsbrief-cron.sh /data/wire /data/briefs
#
# Arguments: INPUT_DIR OUTPUT_DIR [more `newsbrief run` options]. Everything newsbrief prints
# goes to OUTPUT_DIR/newsbrief.log (appended, one header line per run). Cron mails only what
# this script prints: one line when the run did not end with 0, naming the exit code and log.
# Exit codes as newsbrief run's (README, "Exit codes"); 5 (another run still busy) is normal
# when a night's batch is long, and the next night's run catches up.
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 INPUT_DIR OUTPUT_DIR [newsbrief run options]" >&2
    exit 2
fi
input_dir=$1
output_dir=$2
shift 2

here=$(cd "$(dirname "$0")/.." && pwd)
newsbrief=${NEWSBRIEF:-$here/.venv/bin/newsbrief}
# Models come from the Hugging Face cache only (fetch them once: newsbrief models fetch).
export HF_HUB_OFFLINE=1
export TOKENIZERS_PARALLELISM=false
export PYTHONUNBUFFERED=1

mkdir -p "$output_dir"
log=$output_dir/newsbrief.log
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) newsbrief run $input_dir $*" >> "$log"
"$newsbrief" run "$input_dir" --out "$output_dir" --quiet "$@" >> "$log" 2>&1
code=$?
echo "=== exit $code" >> "$log"
case $code in
    1) meaning="articles failed" ;;
    2) meaning="bad usage or configuration, or the output folder cannot be written" ;;
    3) meaning="a model is missing" ;;
    4) meaning="a figure or quote was flagged" ;;
    5) meaning="another run still holds the output folder" ;;
    6) meaning="stopped by a signal" ;;
    7) meaning="the output disk is full" ;;
    *) meaning="see the log" ;;
esac
if [ "$code" -ne 0 ]; then
    echo "newsbrief: exit $code ($meaning) for $input_dir -> $output_dir; see $log (and: newsbrief status $output_dir)"
fi
exit "$code"
