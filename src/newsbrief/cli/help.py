"""The help pages' layout: `run --help` in groups (the basics first, then models, summaries,
fidelity, decoding, engine, operation), each option in the group its declaration names
(cli/options.py, `rich_help_panel`), in plain text. Typer draws groups only through rich, whose
import alone would double the time `--help` takes (scripts/bench_help.py), so the grouping is
done here, on click's own formatter. The usage line and the Arguments section name an argument
as the help does (`INPUT_DIR`, not Typer's `{INPUT_DIR}` and `INPUT_DIR <path>`)."""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand

from newsbrief.cli.options import PANELS

OTHER = "Options"  # --help, and the options of commands that name no group


class GroupedHelp(TyperCommand):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [piece.strip("{}") for piece in super().collect_usage_pieces(ctx)]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, groups = [], {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":  # its name, not Typer's type label (<path>)
                arguments.append((record[0].split(" <")[0], record[1]))
            else:
                groups.setdefault(getattr(param, "rich_help_panel", None) or OTHER, []).append(record)
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        for name in sorted(groups, key=(*PANELS, OTHER).index):
            with formatter.section(name):
                formatter.write_dl(groups[name])
