"""TMX 1.4 export of the aligned segments, the translation-memory format translators' tools
(Trados, memoQ, OmegaT…) import.

One `<tu>` per source segment and translation language, with the article id, line and whether
the line was flagged as properties, the date its translation was written (`creationdate`),
`creationid="newsbrief"`, and `x-newsbrief-origin` = `machine translation`, so that a CAT tool
(and a translator) never takes it for a human one. A line the model did not translate (its text
equals the source's: copied, or the source kept because the model returned nothing) is left
out, so the memory never learns that a sentence is its own translation. `TmxOptions` maps
language codes to the locales CAT tools ask for (`uk` -> `uk-UA`), keeps only some directions
(one file per pair: `--pair uk-en`), and can leave flagged lines out.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsbrief._version import __version__
from newsbrief.output.folder import ALIGNMENT_JSONL

# Characters XML 1.0 cannot carry at all (control characters other than tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


MT_ORIGIN = "machine translation"


@dataclass
class TmxOptions:
    locales: dict[str, str] = field(default_factory=dict)  # language code -> xml:lang, e.g. uk -> uk-UA
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (source, target) kept; empty: all
    flagged: bool = True  # False: leave out the units whose line was flagged

    def keeps(self, source: str, target: str, flagged: bool) -> bool:
        wanted = not self.pairs or (source, target) in self.pairs
        return wanted and (self.flagged or not flagged)

    def locale(self, lang: str) -> str:
        return self.locales.get(lang, lang)


def translation_pairs(out_dir: Path) -> Iterator[tuple[str, dict, str, float]]:
    """(article id, alignment record, target language, when it was written) for every pair."""
    for path in sorted(out_dir.glob(f"*/{ALIGNMENT_JSONL}")):
        written = path.stat().st_mtime
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            source = record["text"][record["lang"]]
            for lang, text in record["text"].items():
                if lang != record["lang"] and text and text != source:
                    yield path.parent.name, record, lang, written


def tmx_date(timestamp: float) -> str:
    """TMX's date form, in UTC: 20261201T021500Z."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y%m%dT%H%M%SZ")


def export_tmx(out_dir: Path, options: TmxOptions | None = None, now: float | None = None) -> str:
    options = options or TmxOptions()
    sources = {source for source, _ in options.pairs}
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(
        root,
        "header",
        {
            "creationtool": "newsbrief",
            "creationtoolversion": __version__,
            "creationdate": tmx_date(time.time() if now is None else now),
            "creationid": "newsbrief",
            "segtype": "sentence",
            "o-tmf": "newsbrief",
            "adminlang": "en",
            "srclang": options.locale(sources.pop()) if len(sources) == 1 else "*all*",
            "datatype": "plaintext",
        },
    )
    body = ET.SubElement(root, "body")
    for article_id, record, target, written in translation_pairs(out_dir):
        source_lang = record["lang"]
        flagged = bool(record.get("flags", {}).get(target))
        if not options.keeps(source_lang, target, flagged):
            continue
        unit = ET.SubElement(
            body,
            "tu",
            srclang=options.locale(source_lang),
            tuid=f"{article_id}:{record['line']}:{target}",
            creationdate=tmx_date(written),
            creationid="newsbrief",
        )
        properties = (
            ("article", article_id),
            ("line", str(record["line"])),
            ("flagged", "yes" if flagged else "no"),
            ("origin", MT_ORIGIN),
        )
        for name, value in properties:
            ET.SubElement(unit, "prop", type=f"x-newsbrief-{name}").text = value
        for lang in (source_lang, target):
            variant = ET.SubElement(unit, "tuv", {XML_LANG: options.locale(lang)})
            ET.SubElement(variant, "seg").text = _NOT_XML.sub("", record["text"][lang])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
