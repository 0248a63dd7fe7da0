"""newsbrief: translate and summarise folders of news articles, keeping quotes and figures verbatim.

The library's face, which the command line and the benchmark scripts use:

    from pathlib import Path
    from newsbrief import load_settings, run_batch

    settings = load_settings(Path("newsbrief.toml"), {"targets": ("uk", "en")})
    report = run_batch(Path("wire"), Path("outputs"), settings)
    print(report.count("done"), report.exit_code(strict=False))
"""

from newsbrief._version import __version__
from newsbrief.article import ArticleResult
from newsbrief.errors import ConfigError
from newsbrief.run.batch import run_batch
from newsbrief.run.outcomes import Outcome, RunReport, State
from newsbrief.settings import Settings, load_settings

__all__ = [
    "ArticleResult",
    "ConfigError",
    "Outcome",
    "RunReport",
    "Settings",
    "State",
    "__version__",
    "load_settings",
    "run_batch",
]
