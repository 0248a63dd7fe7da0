"""The commands that read an output folder: `check` (the fidelity record again, from the files
alone), `status` (the ledger), `review` (the pages) and `export` (TMX)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from newsbrief.cli.common import fail_usage
from newsbrief.errors import EXIT_FLAGGED, EXIT_OK, LedgerDamaged
from newsbrief.run.outcomes import describe_counts

OutputFolder = Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")]


def check(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the fidelity records as JSON.")] = False,
) -> None:
    """Recompute the fidelity record of every article from its files; exit 4 when anything is
    flagged (a figure changed, missing or invented, a quote lost, a summary not verbatim). What
    the run did to a line (a beam candidate taken, a form repaired) is printed as a note."""
    from newsbrief.output.folder import ARTICLE_JSON
    from newsbrief.output.recheck import check_output, summary_lines

    if not out_dir.is_dir():
        fail_usage(f"output folder {out_dir} does not exist")
    checked = check_output(out_dir)
    if not checked:
        fail_usage(f"{out_dir} holds no article folders (no */{ARTICLE_JSON})")
    if as_json:
        records = {c.folder.name: c.fidelity for c in checked}
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        for article in checked:
            for problem in article.problems:
                typer.echo(f"{article.folder.name}: {problem}")
            for note in article.notes:  # what the run did about a line: told, never an error
                typer.echo(f"{article.folder.name}: note: {note}")
    for line in summary_lines(checked):
        typer.echo(line, err=True)
    raise typer.Exit(EXIT_FLAGGED if any(c.problems for c in checked) else EXIT_OK)


def status(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
) -> None:
    """Counts by state, the last runs, failed and parked articles with their reasons, and
    orphans (outputs whose source file is gone; they are kept, never deleted)."""
    from newsbrief.output.folder import MANIFEST_NAME, is_output_folder
    from newsbrief.output.status import output_status

    if not is_output_folder(out_dir):
        fail_usage(f"{out_dir} has no {MANIFEST_NAME}: not an output folder of newsbrief run")
    try:
        state = output_status(out_dir)
    except LedgerDamaged as error:
        fail_usage(str(error))
    stored = ("done", "skipped", "failed", "parked")  # what the manifest holds of each file
    counts = ", ".join(f"{state.counts.get(name, 0)} {name}" for name in stored)
    typer.echo(f"articles: {counts}, {len(state.orphans)} orphaned")
    for run in state.runs[:3]:
        outcome = f" {run['outcome']}" if run["outcome"] else ""
        typer.echo(
            f"run {run['id']}: {run['started_at']} -> {run['ended']}{outcome}: "
            f"{describe_counts(run['counts'])}, {run['seconds'] or 0:.1f} s"
        )
    for row in state.failed:
        typer.echo(f"failed: {row.source_path}: {row.error} (attempt {row.attempts}; retried next run)")
    for row in state.parked:
        typer.echo(
            f"parked: {row.source_path}: {row.error} (failed {row.attempts} runs in a row; retried when "
            "the file changes, or with --retry-parked)"
        )
    for row in state.orphans:
        typer.echo(f"orphan: {row.id} (source {row.source_path} is gone; its outputs are kept)")


def review(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
    open_page: Annotated[bool, typer.Option("--open", help="Open the index in a web browser.")] = False,
) -> None:
    """Write the review pages: OUT_DIR/_review/index.html lists every article, flagged first;
    one page per article shows the source and its translations side by side."""
    from newsbrief.output.folder import MANIFEST_NAME
    from newsbrief.output.manifest import Manifest
    from newsbrief.output.review import write_review

    if not (out_dir / MANIFEST_NAME).is_file():
        fail_usage(f"{out_dir} has no {MANIFEST_NAME}: not an output folder of newsbrief run")
    try:
        manifest = Manifest(out_dir / MANIFEST_NAME)
    except LedgerDamaged as error:
        fail_usage(str(error))
    try:
        index = write_review(out_dir, manifest)
    finally:
        manifest.close()
    typer.echo(str(index))
    if open_page:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())


def export(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
    format_: Annotated[
        str, typer.Option("--format", metavar="tmx", help="tmx (TMX 1.4 translation memory).")
    ] = "tmx",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="File to write (default: stdout).")
    ] = None,
    locale: Annotated[
        list[str] | None,
        typer.Option(metavar="LANG=LOCALE", help="xml:lang for a language, e.g. uk=uk-UA; repeatable."),
    ] = None,
    pair: Annotated[
        list[str] | None,
        typer.Option(metavar="SRC-TGT", help="Only this direction, e.g. uk-en; repeatable (default: all)."),
    ] = None,
    flagged: Annotated[
        bool,
        typer.Option("--flagged/--no-flagged", help="Keep or leave out the flagged lines (default: keep)."),
    ] = True,
) -> None:
    """Export the aligned segments: TMX 1.4, one translation unit per source line and language,
    marked as machine translation."""
    from newsbrief.output.tmx import TmxOptions, export_tmx

    if format_ != "tmx":
        fail_usage(f"--format must be tmx, not {format_!r}")
    if not out_dir.is_dir():
        fail_usage(f"output folder {out_dir} does not exist")
    options = TmxOptions(_locales(locale or []), _pairs(pair or []), flagged)
    text = export_tmx(out_dir, options)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _locales(values: list[str]) -> dict[str, str]:
    locales = {}
    for value in values:
        lang, sep, locale = (part.strip() for part in value.partition("="))
        if not sep or not lang or not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", locale):
            fail_usage(f"--locale must be LANG=LOCALE, such as uk=uk-UA, not {value!r}")
        locales[lang] = locale
    return locales


def _pairs(values: list[str]) -> set[tuple[str, str]]:
    pairs = set()
    for value in values:
        source, sep, target = value.partition("-")
        if not sep or not source or not target:
            fail_usage(f"--pair must be SOURCE-TARGET, such as uk-en, not {value!r}")
        pairs.add((source, target))
    return pairs
