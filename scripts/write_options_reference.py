#!/usr/bin/env python3
"""Rewrite the generated part of docs/options.md from the command line and the settings
(newsbrief.cli.reference); tests/test_manual.py fails while the file and `--help` differ.

Usage: python scripts/write_options_reference.py
"""

from __future__ import annotations

from pathlib import Path

from newsbrief.stages import OPTIONS_BEGIN, OPTIONS_END, options_reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "options.md"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(OPTIONS_BEGIN)
    _, _, tail = rest.partition(OPTIONS_END)
    DOC.write_text(head + options_reference().rstrip("\n") + tail, encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
