"""Prompt templates for instruction models: editable Markdown files, one per task and language.

A template is a `# system` section and a `# user` section with `{named}` placeholders. Every
template a run will use is read and checked before any model is loaded, so a typo in a prompt
is a clear error at once, not a failure on the first article of the night.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

from newsbrief.errors import PromptError
from newsbrief.generation.plan import Routing, run_prompts

# The package's own templates, next to src/ in the repository (README: "prompts/").
DEFAULT_PROMPT_DIR = Path(__file__).resolve().parents[3] / "prompts"

# Placeholders each task offers, and those a template of that task must use.
PLACEHOLDERS = {
    "summarise": {"article", "title", "language", "source_language", "max_words", "quotes", "figures"},
    "translate": {"text", "source_language", "target_language", "quotes", "figures"},
}
REQUIRED = {"summarise": {"article"}, "translate": {"text"}}
# Placeholders that carry the input (as long as the article): each may appear once in a template,
# so that a rendered prompt is the template and the input, not the input 10,000 times over.
ONCE = {"article", "text", "quotes", "figures", "title"}
# A template's own text: the instructions, a small part of the model's window.
MAX_TEMPLATE_CHARS = 32_000
SECTION_RE = re.compile(r"^# (system|user)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Message:
    role: str  # system or user
    text: str


@dataclass(frozen=True)
class PromptTemplate:
    task: str
    path: Path
    messages: tuple[Message, ...]
    sha256: str

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages with the placeholders filled; values are inserted as they are."""
        return [{"role": m.role, "content": m.text.format_map(values).strip()} for m in self.messages]


def template_path(folder: Path, task: str, lang: str) -> Path:
    """`summarise.uk.md` when it exists, else the language-neutral `summarise.md`."""
    specific = folder / f"{task}.{lang}.md"
    return specific if specific.is_file() else folder / f"{task}.md"


def load_template(folder: Path, task: str, lang: str) -> PromptTemplate:
    path = template_path(folder, task, lang)
    if not path.is_file():
        raise PromptError(
            f"no prompt for {task} in {lang}: write {folder / f'{task}.{lang}.md'} or {folder / f'{task}.md'}"
        )
    text = path.read_text(encoding="utf-8")
    messages = _sections(text, path)
    _check_placeholders(task, path, messages)
    if len(text) > MAX_TEMPLATE_CHARS:
        raise PromptError(
            f"{path}: {len(text):,} characters; a prompt template holds at most {MAX_TEMPLATE_CHARS:,}"
        )
    return PromptTemplate(task, path, messages, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _sections(text: str, path: Path) -> tuple[Message, ...]:
    parts = SECTION_RE.split(text)
    if len(parts) < 3 or parts[0].strip():
        raise PromptError(f"{path}: a prompt is a '# system' and/or a '# user' section; none found first")
    messages = tuple(Message(role, body.strip()) for role, body in zip(parts[1::2], parts[2::2], strict=True))
    roles = [m.role for m in messages]
    if roles.count("user") != 1 or roles.count("system") > 1 or roles[-1] != "user":
        raise PromptError(f"{path}: expected at most one '# system' section followed by one '# user' section")
    return messages


def _check_placeholders(task: str, path: Path, messages: tuple[Message, ...]) -> None:
    every = [name for message in messages for name in _plain_fields(message.text, path)]
    used = set(every)
    repeated = sorted(name for name in used & ONCE if every.count(name) > 1)
    if repeated:
        names = ", ".join(f"{{{n}}} ({every.count(n):,} times)" for n in repeated)
        raise PromptError(f"{path}: {names}: a placeholder that carries the article may appear once")
    unknown = sorted(used - PLACEHOLDERS[task])
    if unknown:
        offered = ", ".join(f"{{{n}}}" for n in sorted(PLACEHOLDERS[task]))
        names = ", ".join(f"{{{n}}}" for n in unknown)
        raise PromptError(f"{path}: unknown placeholder(s) {names}; {task} offers {offered}")
    missing = sorted(REQUIRED[task] - used)
    if missing:
        raise PromptError(f"{path}: the prompt never uses {', '.join(f'{{{n}}}' for n in missing)}")


def _plain_fields(text: str, path: Path) -> list[str]:
    """The placeholder names of one section. Only plain `{name}` is allowed: a conversion or a
    format spec (`{article:>999999999}`, `{article!r}`, `{article:{title.__class__}}`) would let
    a template pad a value to gigabytes or reach into Python objects."""
    try:
        parsed = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text)]
    except ValueError as error:
        raise PromptError(f"{path}: {error} (write {{{{ and }}}} for literal braces)") from error
    fields = []
    for name, spec, conversion in parsed:
        if name is None:
            continue
        written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if not name.isidentifier() or spec or conversion:
            raise PromptError(
                f"{path}: placeholder {written} is not a plain name: only {{name}} is allowed (no "
                "conversion, format spec, attribute or index)"
            )
        fields.append(name)
    return fields


def bullet_list(items: list[str], quoted: bool = False) -> str:
    """Quotes and figures as a Markdown list for a prompt; 'none' keeps the sentence readable."""
    if not items:
        return "(none)"
    unique = list(dict.fromkeys(items))
    return "\n".join(f'- "{item}"' if quoted else f"- {item}" for item in unique)


def prompt_folder(setting: str) -> Path:
    """The folder the `prompts` setting names, or the templates newsbrief ships."""
    return Path(setting).expanduser() if setting else DEFAULT_PROMPT_DIR


def load_prompts(setting: str, routing: Routing) -> dict[str, PromptTemplate]:
    """Every template a run routed so can use ("summarise.uk", "translate.en", ...), checked
    now; `setting` is the `prompts` setting (a folder, or "" for the shipped ones)."""
    wanted = run_prompts(routing)
    if not wanted:
        return {}
    folder = prompt_folder(setting)
    if not folder.is_dir():
        raise PromptError(f"prompt folder {folder} does not exist (setting 'prompts')")
    return {f"{task}.{lang}": load_template(folder, task, lang) for task, lang in wanted}
