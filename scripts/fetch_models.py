#!/usr/bin/env python3
"""Download models into the Hugging Face cache once, so that nightly runs need no network.

Usage:
  python scripts/fetch_models.py                 # every default model of newsbrief
  python scripts/fetch_models.py MODEL [MODEL]   # only these hub ids

Exit code 0 when every model is in the cache afterwards, 1 otherwise.
"""

from __future__ import annotations

import sys

from newsbrief.stages import (
    DEFAULT_SUMMARISER_MODEL,
    DEFAULT_TRANSLATION_MODELS,
    ModelUnavailable,
    resolve_model,
)

# The fallback (M2M100, 1.9 GB) is only fetched when named: the defaults need no fallback.
DEFAULTS = [*dict.fromkeys(DEFAULT_TRANSLATION_MODELS.values()), DEFAULT_SUMMARISER_MODEL]


def main(argv: list[str]) -> int:
    wanted = argv or DEFAULTS
    missing = 0
    for ref in wanted:
        try:
            resolved = resolve_model(ref, allow_download=True)
            print(f"ok       {ref}  ({resolved.path})")
        except ModelUnavailable as error:
            missing += 1
            print(f"missing  {ref}: {error.reason}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
