"""`newsbrief run`'s options, declared once. Each one that is a setting has the setting's name
(the option's flag may be a convention, like --to for targets); the rest say how to run and
report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsbrief.cli.common import language_list
from newsbrief.settings.groups import default_of


def _on_off(name: str) -> str:
    return "on" if default_of(name) else "off"


def _listed(name: str) -> str:
    return ",".join(default_of(name))  # type: ignore[call-overload]


# The groups `run --help` shows its options in, in this order (cli/help.py).
PANEL_BASICS = "Basics"
PANEL_MODELS = "Models"
PANEL_SUMMARIES = "Summaries"
PANEL_FIDELITY = "Fidelity"
PANEL_DECODING = "Decoding"
PANEL_ENGINE = "Engine"
PANEL_OPERATION = "Operation"
PANELS = (
    PANEL_BASICS,
    PANEL_MODELS,
    PANEL_SUMMARIES,
    PANEL_FIDELITY,
    PANEL_DECODING,
    PANEL_ENGINE,
    PANEL_OPERATION,
)

# `newsbrief run`'s options. Each one that is a setting has the setting's name (the option's
# flag may be a convention, like --to for targets); the rest say how to run and report.
InputDir = Annotated[
    Path,
    typer.Argument(
        metavar="INPUT_DIR",
        help="Folder of articles (.txt .md .json .html .docx .odt, and .rss/.atom feeds), searched "
        "recursively; or one file.",
        show_default=False,
    ),
]
OutDir = Annotated[
    Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder.", rich_help_panel=PANEL_BASICS)
]
Targets = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="LANGS",
        help=f"Target languages, comma-separated (default: {_listed('targets')}).",
        callback=language_list,
        rich_help_panel=PANEL_BASICS,
    ),
]
SummariserOption = Annotated[
    str | None,
    typer.Option(
        metavar="STRATEGY",
        help="seq2seq[:MODEL] (the default), extractive (no model) or instruct[:MODEL]; MODEL is a hub id, "
        "a folder or a .gguf file.",
        rich_help_panel=PANEL_SUMMARIES,
    ),
]
TranslatorOption = Annotated[
    str | None,
    typer.Option(
        metavar="STRATEGY",
        help="seq2seq (OPUS-MT per language pair, the default) or instruct[:MODEL].",
        rich_help_panel=PANEL_MODELS,
    ),
]
Prompts = Annotated[
    Path | None,
    typer.Option(
        metavar="DIR",
        help="Folder of prompt templates for instruction models (default: prompts/).",
        rich_help_panel=PANEL_SUMMARIES,
    ),
]
SummaryLanguages = Annotated[
    str | None,
    typer.Option(
        metavar="LANGS",
        help=f"Summary languages, comma-separated (default: {','.join(default_of('summary_languages'))}).",
        callback=language_list,
        rich_help_panel=PANEL_SUMMARIES,
    ),
]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="ROLE=MODEL",
        help="ROLE=MODEL, e.g. uk-en=./models/opus-mt-uk-en or summariser=facebook/bart-large-cnn; "
        "repeatable.",
        rich_help_panel=PANEL_MODELS,
    ),
]
ModelSetOption = Annotated[
    str | None,
    typer.Option(
        metavar="SET",
        help="default (OPUS-MT tc-big translators, bart-large-cnn) or fast (OPUS-MT base models and "
        "distilbart-cnn-12-6: faster and smaller, 6 to 12 BLEU less; README, Models). "
        "A model named with --model still takes its role.",
        rich_help_panel=PANEL_MODELS,
    ),
]
OtherSummariesOption = Annotated[
    str | None,
    typer.Option(
        metavar="project|translate",
        help="A summary language the summariser does not write: project (the default: the article's own "
        "lines the written summary was traced to, in that language) or translate (the written summary, "
        "translated).",
        rich_help_panel=PANEL_SUMMARIES,
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="TOML configuration file.",
        exists=True,
        dir_okay=False,
        rich_help_panel=PANEL_BASICS,
    ),
]
NumBeams = Annotated[
    int | None,
    typer.Option(
        "--beams",
        "--num-beams",
        metavar="N",
        help=f"Beam size for translation and summaries (1 = greedy; default {default_of('num_beams')}).",
        rich_help_panel=PANEL_DECODING,
    ),
]
BatchTokens = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help=f"Source tokens per translation batch (memory bound; default {default_of('batch_tokens')}).",
        rich_help_panel=PANEL_DECODING,
    ),
]
Figures = Annotated[
    str | None,
    typer.Option(
        metavar="verbatim|localise",
        help="verbatim (the default: as the source writes them) or localise (target-language separators).",
        rich_help_panel=PANEL_FIDELITY,
    ),
]
Unverified = Annotated[
    str | None,
    typer.Option(
        metavar="best|source",
        help="When a translation's figures cannot be verified: best (the default: kept, flagged) or source.",
        rich_help_panel=PANEL_FIDELITY,
    ),
]
Quotes = Annotated[
    str | None,
    typer.Option(
        metavar="translated|original|both",
        help="Quotes in translations: translated (the default), original, or both (translation, then "
        "original).",
        rich_help_panel=PANEL_FIDELITY,
    ),
]
FigureCandidates = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help="Beam candidates searched when a translation loses a figure or trips an output check "
        f"(0 = flag only; default {default_of('figure_candidates')}).",
        rich_help_panel=PANEL_FIDELITY,
    ),
]
Wait = Annotated[
    float | None,
    typer.Option(
        metavar="SECONDS",
        help="When another run holds OUT, wait up to SECONDS for it instead of exiting 5.",
        rich_help_panel=PANEL_OPERATION,
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 4 while any article in OUT stands flagged (a figure or quote not verbatim), "
        "whether this run or an earlier one wrote it.",
        rich_help_panel=PANEL_FIDELITY,
    ),
]
Device = Annotated[
    str | None,
    typer.Option(
        metavar="auto|cpu|cuda",
        help=f"Where models run (default: {default_of('device')}).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        metavar="local|ray",
        help="Where chunks are translated: local (the default: this process) or ray (a Ray cluster).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        metavar="ADDRESS",
        help="With --engine ray: a cluster's address (default: start Ray on this machine).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
RayActors = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help="With --engine ray: actors (default: one per GPU, or as many of --threads CPUs, 2 by "
        "default, as the nodes hold; never more CPUs each than the largest node has).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
Backend = Annotated[
    str | None,
    typer.Option(
        metavar="auto|transformers|ctranslate2",
        help="auto (the default: CTranslate2 for Marian and BART models when installed, else "
        "transformers), transformers or ctranslate2.",
        rich_help_panel=PANEL_ENGINE,
    ),
]
ComputeType = Annotated[
    str | None,
    typer.Option(
        metavar="TYPE",
        help="CTranslate2 compute type: auto (the default: int8 on a CPU, int8_float16 on a GPU), int8, "
        "float32…",
        rich_help_panel=PANEL_ENGINE,
    ),
]
Quantize = Annotated[
    str | None,
    typer.Option(
        metavar="none|int8",
        help="transformers models: none (the default) or int8 (torch dynamic int8, CPU).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
Threads = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help="CTranslate2 threads (default: every core this process may use).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
MaxMemory = Annotated[
    int | None,
    typer.Option(
        metavar="MB",
        help="Memory the run may hold: models idle in this stage are released (and reloaded when "
        f"next used) to stay under it; 0 = no limit (default {default_of('max_memory')}).",
        rich_help_panel=PANEL_ENGINE,
    ),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        metavar="GLOB",
        help="Files to leave out, not even counted as ignored; repeatable, added to the defaults (.* and "
        "*.expected.json).",
        rich_help_panel=PANEL_OPERATION,
    ),
]
GlossaryFile = Annotated[
    Path | None,
    typer.Option(
        "--glossary",
        metavar="FILE",
        help="Terms the translations must render one way: TSV or CSV with a header of languages "
        "(uk, en, ru), or TBX; a line that misses one is flagged (`glossary` in the config file).",
        show_default=False,
        rich_help_panel=PANEL_FIDELITY,
    ),
]
Feeds = Annotated[
    list[str] | None,
    typer.Option(
        "--feed",
        metavar="URL|FILE",
        help="An RSS or Atom feed whose entries are articles too (repeatable; `feeds` in the "
        "config file). .rss and .atom files in INPUT_DIR are read as feeds without it.",
        show_default=False,
        rich_help_panel=PANEL_OPERATION,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="Print nothing unless an article failed.", rich_help_panel=PANEL_BASICS
    ),
]
LOG_FORMATS = ("human", "json")  # --log-format's values (reporters.reporter_for draws each)
LogFormat = Annotated[
    str,
    typer.Option(
        "--log-format",
        metavar="human|json",
        help="human (a progress bar and a table) or json (a start line, one line per article and an end "
        "line, on stdout).",
        rich_help_panel=PANEL_BASICS,
    ),
]
ArticleTimeout = Annotated[
    float | None,
    typer.Option(
        metavar="SECONDS",
        help="Seconds one article may take before it fails "
        f"(0 = no limit; default {default_of('article_timeout'):g}).",
        rich_help_panel=PANEL_OPERATION,
    ),
]
MaxAttempts = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help=f"Failed runs of the same source before it is parked (default {default_of('max_attempts')}).",
        rich_help_panel=PANEL_OPERATION,
    ),
]
RetryParked = Annotated[
    bool | None,
    typer.Option(
        "--retry-parked", help="Try parked articles again this once.", rich_help_panel=PANEL_OPERATION
    ),
]
Review = Annotated[
    bool | None,
    typer.Option(
        "--review/--no-review",
        help=f"Write or update the review pages (_review/; default: {_on_off('review')}).",
        rich_help_panel=PANEL_OPERATION,
    ),
]
SummaryDocuments = Annotated[
    bool | None,
    typer.Option(
        "--summary-documents/--no-summary-documents",
        help="For a Word or OpenDocument article, write each summary as a document of its kind too "
        f"(summary.<lang>.docx or .odt; default: {_on_off('summary_documents')}).",
        rich_help_panel=PANEL_SUMMARIES,
    ),
]
# Options of `run` that are not settings.
RUN_ONLY = ("input_dir", "out", "model", "config", "wait", "strict", "quiet", "log_format")
