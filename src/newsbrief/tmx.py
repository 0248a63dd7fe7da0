"""TMX 1.4 export of the aligned segments, the translation-memory format translators' tools
(Trados, memoQ, OmegaT…) import.

One `<tu>` per source segment and translation language, with the article id, line and whether
the line was flagged as properties. A line the model did not translate (its text equals the
source's: copied, or the source kept because the model returned nothing) is left out, so the
memory never learns that a sentence is its own translation.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from newsbrief._version import __version__

# Characters XML 1.0 cannot carry at all (control characters other than tab and newlines).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def translation_pairs(out_dir: Path) -> Iterator[tuple[str, dict, str]]:
    """(article id, alignment record, target language) for every pair the export holds."""
    for path in sorted(out_dir.glob("*/alignment.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            source = record["text"][record["lang"]]
            for lang, text in record["text"].items():
                if lang != record["lang"] and text and text != source:
                    yield path.parent.name, record, lang


def export_tmx(out_dir: Path) -> str:
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(
        root,
        "header",
        {
            "creationtool": "newsbrief",
            "creationtoolversion": __version__,
            "segtype": "sentence",
            "o-tmf": "newsbrief",
            "adminlang": "en",
            "srclang": "*all*",
            "datatype": "plaintext",
        },
    )
    body = ET.SubElement(root, "body")
    for article_id, record, target in translation_pairs(out_dir):
        source_lang = record["lang"]
        unit = ET.SubElement(body, "tu", srclang=source_lang, tuid=f"{article_id}:{record['line']}:{target}")
        flagged = "yes" if record.get("flags", {}).get(target) else "no"
        for name, value in (("article", article_id), ("line", str(record["line"])), ("flagged", flagged)):
            ET.SubElement(unit, "prop", type=f"x-newsbrief-{name}").text = value
        for lang in (source_lang, target):
            variant = ET.SubElement(unit, "tuv", {XML_LANG: lang})
            ET.SubElement(variant, "seg").text = _NOT_XML.sub("", record["text"][lang])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
