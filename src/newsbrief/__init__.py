"""newsbrief: translate and summarise folders of news articles, keeping quotes and figures verbatim.

The library's face, the few names a script needs, which the command line uses too:

    from pathlib import Path
    from newsbrief import check_output, load_settings, run_batch

    settings = load_settings(Path("newsbrief.toml"), {"targets": ("uk", "en")})
    report = run_batch(Path("wire"), Path("outputs"), settings)
    print(report.count("done"), report.exit_code(strict=False))
    flagged = [article for article in check_output(Path("outputs")) if article.problems]

Everything else is internal: import from `newsbrief`, or from a subpackage's own names.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from newsbrief._version import __version__

# Each name of the face, and the module it lives in: imported when first asked for (PEP 562), so
# that `newsbrief --help` and `--version` import nothing of the pipeline.
_FACE = {
    "ArticleResult": "newsbrief.article",
    "CheckedArticle": "newsbrief.output.recheck",
    "ConfigError": "newsbrief.errors",
    "ExitCode": "newsbrief.errors",
    "NewsbriefError": "newsbrief.errors",
    "Outcome": "newsbrief.run.outcomes",
    "RunReport": "newsbrief.run.outcomes",
    "Settings": "newsbrief.settings",
    "State": "newsbrief.run.outcomes",
    "check_output": "newsbrief.output.recheck",
    "load_settings": "newsbrief.settings",
    "run_batch": "newsbrief.run.batch",
}

if TYPE_CHECKING:
    from newsbrief.article import ArticleResult
    from newsbrief.errors import ConfigError, ExitCode, NewsbriefError
    from newsbrief.output.recheck import CheckedArticle, check_output
    from newsbrief.run.batch import run_batch
    from newsbrief.run.outcomes import Outcome, RunReport, State
    from newsbrief.settings import Settings, load_settings


def __getattr__(name: str) -> Any:
    if name in _FACE:
        value = getattr(import_module(_FACE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'newsbrief' has no attribute {name!r}")


__all__ = [
    "ArticleResult",
    "CheckedArticle",
    "ConfigError",
    "ExitCode",
    "NewsbriefError",
    "Outcome",
    "RunReport",
    "Settings",
    "State",
    "__version__",
    "check_output",
    "load_settings",
    "run_batch",
]
