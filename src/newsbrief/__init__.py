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

from newsbrief._version import __version__
from newsbrief.article import ArticleResult
from newsbrief.errors import ConfigError, ExitCode, NewsbriefError
from newsbrief.output.recheck import CheckedArticle, check_output
from newsbrief.run.batch import run_batch
from newsbrief.run.outcomes import Outcome, RunReport, State
from newsbrief.settings import Settings, load_settings

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
