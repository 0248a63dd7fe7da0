"""Exceptions that end one article (not the run), and the one that ends the run."""


class ArticleSkipped(Exception):
    """The file is not an article we can process (empty, not text, unsupported language)."""


class ArticleFailed(Exception):
    """The file looks like an article but is broken (invalid JSON, a required field missing)."""


class ModelUnavailable(Exception):
    """A configured model cannot be loaded; the run stops rather than fall back silently."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(
            f"model {model!r} is not available: {reason}\n"
            f"  fetch it once with:  newsbrief models fetch {model}\n"
            f"  (or `hf download {model}`), or point the configuration at a local folder."
        )


class ModelUnusable(Exception):
    """A model was found but cannot do the task asked of it (e.g. a base model with no chat
    template asked to follow a prompt); no other model is tried in its place."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"model {model!r} cannot be used: {reason}")
