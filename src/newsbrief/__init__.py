"""newsbrief: translate and summarise folders of news articles, keeping quotes and figures verbatim.

The library's face, which the command line and the benchmark scripts use:

    from pathlib import Path
    from newsbrief import Settings, run_batch

    settings = Settings.from_sources(Path("newsbrief.toml"), {"targets": ("uk", "en")})
    report = run_batch(Path("wire"), Path("outputs"), settings)
    print(report.count("done"), report.exit_code(strict=False))
"""

from newsbrief._version import __version__
from newsbrief.config import ConfigError, Settings
from newsbrief.layout import ArticleResult
from newsbrief.outcomes import Outcome, RunReport, State
from newsbrief.pipeline import run_batch

__all__ = [
    "ArticleResult",
    "ConfigError",
    "Outcome",
    "RunReport",
    "Settings",
    "State",
    "__version__",
    "run_batch",
]
