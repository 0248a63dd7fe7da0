from pathlib import Path

from newsbrief.input.ids import slug_for, unique_id


def test_cyrillic_name_with_spaces_and_brackets_is_readable_and_safe() -> None:
    assert slug_for(Path("Новини 2023 (копія).txt")) == "новини-2023-копія"


def test_sub_folders_are_part_of_the_id() -> None:
    assert slug_for(Path("desk/sport/a b.md")) == "desk--sport--a-b"


def test_same_stem_gets_a_stable_unique_id() -> None:
    taken = {"report"}
    first = unique_id(Path("report.json"), taken)
    assert first != "report" and first.startswith("report-")
    assert unique_id(Path("report.json"), taken) == first  # stable: a hash of the path


def test_reserved_and_empty_names() -> None:
    assert slug_for(Path("CON.txt")) == "con-article"
    assert slug_for(Path("(((.txt")) == "article"
    assert not slug_for(Path("..hidden.txt")).startswith(".")
