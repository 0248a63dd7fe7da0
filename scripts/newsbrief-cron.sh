#!/usr/bin/env bash
# Run newsbrief from cron: offline models, a log file per output folder, the exit code passed on.
#
#   30 2 * * *  /srv/newsbrief/scripts/newsbrief-cron.sh /data/wire /data/briefs
#
# Arguments: INPUT_DIR OUTPUT_DIR [more `newsbrief run` options]. Everything newsbrief prints
# goes to OUTPUT_DIR/newsbrief.log (appended): a header line, a line per file that was skipped,
# failed, parked or ignored, the run's table, its summary line ("newsbrief: exit 0 in 12.3 s:
# 4 done, 6 up-to-date, ...") and "=== exit N". Cron mails only what this script prints: one
# line when the run did not end with 0, naming the exit code and log. The log is rotated when
# it has grown past NEWSBRIEF_LOG_MAX_KB (default 1024): newsbrief.log.1, .2, ... up to
# NEWSBRIEF_LOG_KEEP old logs (default 5), the oldest dropped.
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
max_kb=${NEWSBRIEF_LOG_MAX_KB:-1024}
keep=${NEWSBRIEF_LOG_KEEP:-5}

rotate_log() {
    [ -f "$log" ] && [ $(($(wc -c < "$log") / 1024)) -ge "$max_kb" ] || return 0
    rm -f "$log.$keep"
    for ((i = keep - 1; i >= 1; i--)); do
        if [ -f "$log.$i" ]; then mv "$log.$i" "$log.$((i + 1))"; fi
    done
    mv "$log" "$log.1"
}

rotate_log
echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) newsbrief run $input_dir $*" >> "$log"
"$newsbrief" run "$input_dir" --out "$output_dir" "$@" >> "$log" 2>&1
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
