"""TMX for CAT tools, read back with translate-toolkit's reader as their pipelines do."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from support.runs import alignment, article_ids
from support.trained import (
    articles,
    flags_by_line,
    run,
    runner,
)

from newsbrief.cli import EXIT_OK, EXIT_USAGE, app


def test_tmx_for_a_cat_tool_locales_one_direction_no_flagged_lines_marked_as_machine_translation(
    trained_models: Path, tmp_path: Path
) -> None:
    """Read back with translate-toolkit's TMX reader, as CAT tools' pipelines do. The digits
    model changes every figure, so the lines with figures are flagged and those without are not."""
    from translate.storage.tmx import tmxfile

    reviewed = tmp_path / "out"
    source = articles(trained_models, tmp_path, "uk-newsmt-energy", "en-newsmt-budget")
    roles = {"uk-en": trained_models / "newsmt-digits", "en-uk": trained_models / "newsmt"}
    done = run(source, reviewed, roles, "--summariser", "extractive", "--to", "uk,en")
    assert done.exit_code == EXIT_OK, done.output
    flags = flags_by_line(reviewed, "uk-newsmt-energy", "en")
    assert any(flags) and not all(flags)

    target = tmp_path / "uk-en.tmx"
    args = ["export", str(reviewed), "-o", str(target), "--locale", "uk=uk-UA", "--locale", "en=en-GB"]
    result = runner.invoke(app, [*args, "--pair", "uk-en", "--no-flagged"])
    assert result.exit_code == EXIT_OK, result.output
    store = tmxfile(target.read_bytes())
    units = store.units
    expected = {
        (article_id, record["line"])
        for article_id in article_ids(reviewed)
        for record in alignment(reviewed, article_id)
        if record["lang"] == "uk"
        and record["text"].get("en") not in (None, "", record["text"]["uk"])
        and not record.get("flags", {}).get("en")
    }
    assert units and len(units) == len(expected)
    root = ET.parse(target).getroot()
    header = root.find("header")
    assert header.get("srclang") == "uk-UA" and re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    found = set()
    for unit, read in zip(root.iter("tu"), units, strict=True):
        props = {p.get("type"): p.text for p in unit.findall("prop")}
        assert [v.get(lang) for v in unit.findall("tuv")] == ["uk-UA", "en-GB"]
        assert props["x-newsbrief-origin"] == "machine translation" and props["x-newsbrief-flagged"] == "no"
        assert unit.get("creationid") == "newsbrief" and re.fullmatch(
            r"\d{8}T\d{6}Z", unit.get("creationdate")
        )
        record = next(
            r
            for r in alignment(reviewed, props["x-newsbrief-article"])
            if r["line"] == int(props["x-newsbrief-line"])
        )
        assert (read.source, read.target) == (record["text"]["uk"], record["text"]["en"])
        found.add((props["x-newsbrief-article"], int(props["x-newsbrief-line"])))
    assert found == expected
    bad = runner.invoke(app, ["export", str(reviewed), "--locale", "uk"])
    assert bad.exit_code == EXIT_USAGE and "--locale must be LANG=LOCALE" in bad.output
