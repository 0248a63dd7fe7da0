"""newsbrief: translate and summarise folders of news articles, keeping quotes and figures verbatim."""

__version__ = "0.1.0"
