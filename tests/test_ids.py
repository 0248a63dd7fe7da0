from pathlib import Path

from newsbrief.input.ids import slug_for
from newsbrief.output.folder import allocate_id


def test_cyrillic_name_with_spaces_and_brackets_is_readable_and_safe() -> None:
    assert slug_for(Path("Новини 2023 (копія).txt")) == "новини-2023-копія"


def test_sub_folders_are_part_of_the_id() -> None:
    assert slug_for(Path("desk/sport/a b.md")) == "desk--sport--a-b"


def test_same_stem_gets_a_stable_unique_id() -> None:
    first = allocate_id(Path("report.json"), {"report"})
    assert first != "report" and first.startswith("report-")
    assert allocate_id(Path("report.json"), {"report"}) == first  # stable: a hash of the path


def test_reserved_and_empty_names() -> None:
    assert slug_for(Path("CON.txt")) == "con-article"
    assert slug_for(Path("(((.txt")) == "article"
    assert not slug_for(Path("..hidden.txt")).startswith(".")


def test_an_id_never_takes_a_name_the_output_folder_holds_in_any_letter_case() -> None:
    for name in ("manifest.sqlite.txt", "Manifest.SQLite-WAL.txt", "index.txt", "newsbrief.log.1.md"):
        article_id = allocate_id(Path(name), set())
        assert article_id.startswith("article-"), (name, article_id)


def test_ids_are_unique_by_construction_whatever_the_names() -> None:
    """`a!.txt` and `a.txt` share the slug `a`; `a-cfc7b488.txt` is named as the second's hashed
    id would be: three files, three ids, in any order, however crafted the names."""
    names = ["a!.txt", "a-cfc7b488.txt", "a.txt", "A.txt", "a-cfc7b488-2.txt"]
    for order in (names, names[::-1]):
        taken: set[str] = set()
        ids = [allocate_id(Path(name), taken) for name in order]
        assert len({i.casefold() for i in ids}) == len(ids), ids
