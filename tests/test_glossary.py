"""The glossary: its files (TSV, CSV, TBX), its case-form rule, and a run that honours or flags
every term, with the trained test models: newsmt learned the names of its lexicon with their
case forms (Україна, для України → Ukraine), the copy model writes its source back."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.newsroom import newsroom_folder
from support.runs import ENV, newsbrief, night
from typer.testing import CliRunner

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, app
from newsbrief.errors import GlossaryError
from newsbrief.fidelity.glossary import CASE_ENDINGS, load_glossary, term_regex, word_keys
from newsbrief.fidelity.guard import GuardPolicy, guard_translation
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.text.figures import figures_in

runner = CliRunner()
NEWSROOM = Path(__file__).parent / "data" / "glossary" / "newsroom.tsv"
TRAINED_ARTICLES = ("uk-newsmt-energy", "ru-newsmt-trade", "en-newsmt-budget")
EXTRACTIVE = ("--summariser", "extractive")


@pytest.mark.parametrize(
    ("term", "lang", "matches", "others"),
    [
        ("Київ", "uk", ["Київ", "Києва", "Києві", "Києвом", "КИЄВА"], ["Київщина", "Кия", "Києвський"]),
        ("Харків", "uk", ["Харкова", "Харкові", "Харковом"], ["Харківщина", "Харківський"]),
        ("Запоріжжя", "uk", ["Запоріжжі", "Запоріжжям"], ["Запорізький"]),
        ("Україна", "uk", ["України", "Україні", "Україну", "Україною"], ["Українська"]),
        ("Росія", "uk", ["Росії", "Росію", "Росією"], ["Російський"]),
        ("Одеса", "uk", ["Одеси", "Одесі", "Одесу"], ["Одеський"]),
        ("Киев", "ru", ["Киева", "Киеве", "Киевом"], ["Киевский"]),
        ("Россия", "ru", ["России", "Россией", "Россию"], ["Российский"]),
        ("Збройні сили України", "uk", ["Збройних сил України", "Збройними силами України"], []),
        ("Kyiv", "en", ["Kyiv", "Kyiv's", "Kyiv’s", "KYIV"], ["Kyivan", "Kiev"]),
    ],
)
def test_ukrainian_and_russian_terms_match_their_case_forms_and_no_other_word(
    term: str, lang: str, matches: list[str], others: list[str]
) -> None:
    pattern = term_regex(term, lang)
    for word in matches:
        assert pattern.search(f"Це {word}, сказав він.") or pattern.search(f"In {word} today"), word
    for word in others:
        assert not pattern.search(f"Це {word} сьогодні."), word


def write_tbx(path: Path, version: int) -> Path:
    """A termbase as CAT tools export it: TBX-Basic 2008 or TBX v3."""
    if version == 2:
        entries = "".join(
            f'<termEntry id="t{n}">'
            + "".join(f'<langSet xml:lang="{lang}"><tig><term>{w}</term></tig></langSet>' for lang, w in row)
            + "</termEntry>"
            for n, row in enumerate(TBX_ROWS)
        )
        body = f'<martif type="TBX-Basic" xml:lang="en"><text><body>{entries}</body></text></martif>'
    else:
        entries = "".join(
            f'<conceptEntry id="t{n}">'
            + "".join(
                f'<langSec xml:lang="{lang}"><termSec><term>{w}</term></termSec></langSec>' for lang, w in row
            )
            + "</conceptEntry>"
            for n, row in enumerate(TBX_ROWS)
        )
        namespace = "urn:iso:std:iso:30042:ed-2"
        body = f'<tbx xmlns="{namespace}" type="TBX-Basic"><text><body>{entries}</body></text></tbx>'
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n', encoding="utf-8")
    return path


TBX_ROWS = [
    [("uk-UA", "Київ"), ("en-GB", "Kyiv"), ("ru", "Киев")],
    [("uk", "Укрінформ"), ("en", "=")],
]


def test_a_glossary_reads_the_same_from_tsv_csv_and_tbx(tmp_path: Path) -> None:
    tsv = tmp_path / "g.tsv"
    tsv.write_text("# house style\nuk\ten\tru\nКиїв\tKyiv\tКиев\nУкрінформ\t=\n\n", encoding="utf-8")
    csv = tmp_path / "g.csv"
    csv.write_text('uk,en,ru\n"Київ","Kyiv","Киев"\nУкрінформ,,\n', encoding="utf-8-sig")
    read = [
        load_glossary(p)
        for p in (tsv, csv, write_tbx(tmp_path / "a.tbx", 2), write_tbx(tmp_path / "b.tbx", 3))
    ]
    records = [[t.as_record() for t in g.terms] for g in read]
    kyiv = {"uk": "Київ", "en": "Kyiv", "ru": "Киев"}
    assert records[0] == [kyiv, {"uk": "Укрінформ", "en": "=", "ru": "="}]
    for other in records[1:]:
        assert other[0] == kyiv and other[1]["uk"] == "Укрінформ" and other[1]["en"] == "="
    assert len({g.sha256 for g in read}) == 4  # each file's own bytes


def test_a_term_is_missing_unless_its_target_form_is_there_and_a_kept_one_stays_verbatim() -> None:
    glossary = load_glossary(NEWSROOM)
    source = "Укрінформ повідомляє з Києва: МВФ схвалив транш для України."
    assert glossary.missing(
        source, "Ukrinform reports from Kiev: the IMF approved a tranche.", "uk", "en"
    ) == [
        "glossary term missing: Київ → Kyiv",
        "glossary term missing: Україна → Ukraine",
        "glossary term missing: Укрінформ (kept as is)",
    ]
    kept = "Укрінформ reports from Kyiv: the IMF approved a tranche for Ukraine's budget."
    assert glossary.missing(source, kept, "uk", "en") == []
    # Into Russian, in the case the sentence needs: из Киева, для Украины.
    assert (
        glossary.missing(source, "Укрінформ сообщает из Киева: МВФ одобрил транш для Украины.", "uk", "ru")
        == []
    )


def test_the_guard_takes_the_beam_candidate_that_has_the_term() -> None:
    """The figure guard's search, with the glossary among what a line must have."""
    checks = OutputChecks(glossary=load_glossary(NEWSROOM))
    source = "Удар по Харкову: 12 поранених."
    candidates = [
        "Strike on Kharkov: 12 wounded.",
        "Strike on Kharkiv: 13 wounded.",
        "Strike on Kharkiv: 12 wounded.",
    ]
    guarded = guard_translation(
        source,
        "Strike on Kharkov: 12 wounded.",
        figures_in(source),
        candidates,
        GuardPolicy(),
        lambda text: checks.problems_with_terms(source, text, "uk", "en"),
    )
    assert guarded.text == "Strike on Kharkiv: 12 wounded."
    assert guarded.flags == [
        "beam candidate 3 taken: the best one had glossary term missing: Харків → Kharkiv"
    ]


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("no-header.tsv", "\n# only a comment\n", "no header row naming the languages"),
        ("bad-language.tsv", "ukrainian\tenglish\nКиїв\tKyiv\n", "'ukrainian' is not a language code"),
        ("too-many.tsv", "uk\ten\nКиїв\tKyiv\tКиев\n", "line 2: 3 cells, the header names 2"),
        ("broken.tbx", "<martif><text><body><termEntry>", "not a readable TBX file"),
        ("empty.csv", "uk,en\n", "the glossary holds no term"),
        ("latin1.tsv", b"uk\ten\n" + "Kyiv\tKÿiv\n".encode("latin-1"), "not UTF-8 text"),
        ("terms.xlsx", "uk\ten\n", "not a glossary format newsbrief reads"),
    ],
)
def test_a_glossary_that_cannot_be_used_stops_the_run_before_work_naming_the_file(
    tmp_path: Path, name: str, text: str | bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text("Заголовок\n\nУ Києві тихо.\n", encoding="utf-8")
    result = runner.invoke(app, ["run", str(source), "--out", str(tmp_path / "out"), "--glossary", str(path)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert name in result.output and reason in result.output, result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(GlossaryError):
        load_glossary(path)


def glossary_run(
    trained: Path, tmp_path: Path, model: str, *options: str, glossary: Path = NEWSROOM
) -> tuple[object, Path]:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir(exist_ok=True)
    for name in TRAINED_ARTICLES:
        shutil.copy(trained / "articles" / f"{name}.txt", source)
    pairs = ("uk-en", "ru-en", "en-uk", "ru-uk")
    roles = [arg for pair in pairs for arg in ("-m", f"{pair}={trained / model}")]
    args = ["run", str(source), "--out", str(out), *roles, "--to", "en,uk", "--summary-languages", "en"]
    result = runner.invoke(app, [*args, *EXTRACTIVE, "--glossary", str(glossary), *options])
    return result, out


def fidelity(out: Path) -> dict[str, dict]:
    return {
        p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/article.json"))
    }


def checked_totals(out: Path) -> dict[str, dict]:
    result = runner.invoke(app, ["check", str(out), "--json"])
    return {name: record["totals"] for name, record in json.loads(result.stdout).items()}


def test_a_model_that_knows_the_terms_honours_every_one_and_check_agrees(
    trained_models: Path, tmp_path: Path
) -> None:
    """The positive path: newsmt writes each name of its lexicon as the glossary wants it, from
    whatever case form the source has (для України, Олена Коваль, Держстат)."""
    result, out = glossary_run(trained_models, tmp_path, "newsmt", "--compute-type", "float32")
    assert result.exit_code == EXIT_OK, result.output
    records = fidelity(out)
    assert len(records) == 3
    for name, record in records.items():
        totals = record["fidelity"]["totals"]
        assert totals["terms_total"] >= 2 and totals["terms_kept"] == totals["terms_total"], (name, totals)
        assert record["glossary"]["sha256"] and record["glossary"]["terms"], name
        assert totals == checked_totals(out)[name]
    terms = sum(r["fidelity"]["totals"]["terms_total"] for r in records.values())
    assert "terms kept" in result.output and f" {terms}/{terms} " in result.output, result.output
    uk = records["uk-newsmt-energy"]
    assert {"uk": "Олена Коваль", "en": "Olena Koval", "ru": "Елена Коваль"} in uk["glossary"]["terms"]
    page = (out / "_review" / "uk-newsmt-energy.html").read_text(encoding="utf-8")
    assert 'class="term" title="glossary: Олена Коваль → Olena Koval">Olena Koval</mark>' in page


def test_a_line_whose_translation_lacks_a_term_is_flagged_with_the_term(
    trained_models: Path, tmp_path: Path
) -> None:
    """The negative path: the copy model writes most lines back in their source language (a
    few it translates: its weights can) and no candidate is searched, so every copied line
    holding a term has the term flagged, and `check` says the same."""
    result, out = glossary_run(trained_models, tmp_path, "newsmt-copy", "--figure-candidates", "0")
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    copied_with_terms = 0
    for name, record in fidelity(out).items():
        glossary = load_glossary(NEWSROOM)
        for entry in alignment(out, name):
            source = entry["text"][record["language"]]
            for lang, text in entry["text"].items():
                uses = [u for u in glossary.uses(source, record["language"], lang) if u.wanted != u.source]
                if lang == record["language"] or text != source or not uses:
                    continue
                copied_with_terms += 1
                flags = entry["flags"].get(lang, [])
                assert [f"glossary term missing: {u.label}" for u in uses] == [
                    f for f in flags if f.startswith("glossary term missing")
                ]
        for translation in record["fidelity"]["translations"].values():
            terms = translation["glossary"]
            assert terms["kept"] + len(terms["missing"]) == terms["total"]
        assert record["fidelity"]["totals"] == checked_totals(out)[name]
    assert copied_with_terms >= 4
    check = runner.invoke(app, ["check", str(out)])
    assert check.exit_code == EXIT_FLAGGED
    assert "translation.en.txt line 1: glossary term missing: Україна → Ukraine" in check.stdout


def alignment(out: Path, name: str) -> list[dict]:
    lines = (out / name / "alignment.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_terms_found_by_searching_the_beam_candidates_are_counted_so(
    trained_models: Path, tmp_path: Path
) -> None:
    """The copy model's best beam is its source, its other beams translate: the guard's search
    finds the terms there, and the record counts them as found by re-search (run and check)."""
    result, out = glossary_run(trained_models, tmp_path, "newsmt-copy")
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    records = fidelity(out)
    searched = sum(r["fidelity"]["totals"]["terms_re_searched"] for r in records.values())
    assert searched >= 1
    for name, record in records.items():  # (check's flagged lines leave out what the guard did)
        terms = {k: v for k, v in record["fidelity"]["totals"].items() if k.startswith("terms_")}
        assert terms == {k: v for k, v in checked_totals(out)[name].items() if k.startswith("terms_")}
    check = runner.invoke(app, ["check", str(out)])
    assert re.search(rf"kept \({searched} found by re-search\)", check.stderr), check.stderr


def test_the_glossary_enters_the_article_hash(trained_models: Path, tmp_path: Path) -> None:
    result, _ = glossary_run(trained_models, tmp_path, "newsmt-copy", "--figure-candidates", "0")
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    again, _ = glossary_run(trained_models, tmp_path, "newsmt-copy", "--figure-candidates", "0")
    assert "0 done, 3 up-to-date" in again.output
    edited = tmp_path / "edited.tsv"
    edited.write_text(NEWSROOM.read_text(encoding="utf-8").replace("Kyiv", "Kyiv City"), encoding="utf-8")
    changed, _ = glossary_run(
        trained_models, tmp_path, "newsmt-copy", "--figure-candidates", "0", glossary=edited
    )
    assert "3 done, 0 up-to-date" in changed.output, changed.output


def test_the_config_files_glossary_is_found_beside_it(trained_models: Path, tmp_path: Path) -> None:
    """`glossary = "terms.tsv"` in a config file is taken from the file's folder (cron starts in /)."""
    folder = tmp_path / "config"
    folder.mkdir()
    shutil.copy(NEWSROOM, folder / "terms.tsv")
    (folder / "newsbrief.toml").write_text('glossary = "terms.tsv"\n', encoding="utf-8")
    result, out = glossary_run(
        trained_models, tmp_path, "newsmt-copy", "-c", str(folder / "newsbrief.toml"), glossary=NEWSROOM
    )
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    record = fidelity(out)["uk-newsmt-energy"]
    assert record["glossary"]["file"] == str(NEWSROOM.resolve())  # the option wins over the file
    source, out = tmp_path / "in", tmp_path / "out-config"
    roles = [
        a
        for p in ("uk-en", "ru-en", "en-uk", "ru-uk")
        for a in ("-m", f"{p}={trained_models / 'newsmt-copy'}")
    ]
    args = [
        "run",
        str(source),
        "--out",
        str(out),
        *roles,
        "--to",
        "en",
        "--summary-languages",
        "en",
        *EXTRACTIVE,
    ]
    configured = runner.invoke(app, [*args, "-c", str(folder / "newsbrief.toml")])
    assert configured.exit_code in (EXIT_OK, EXIT_FLAGGED), configured.output
    assert fidelity(out)["uk-newsmt-energy"]["glossary"]["file"] == str((folder / "terms.tsv").resolve())


def test_documents_text_and_a_feed_run_in_one_command_with_every_term_kept_or_flagged(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Issue 21's whole job at once: a folder with a Word and an OpenDocument file, a text article
    and an RSS feed (and an Atom feed by --feed), the glossary on. Every article is done, the
    documents come back in kind, and every term its source holds is counted kept or flagged
    with its name on its line. (The tiny models write nonsense: which terms survive is not the
    point here, that none is passed over is.)"""
    source, out, atom = newsroom_folder(tmp_path)
    code, events = night(source, out, tiny_config, "--feed", str(atom), "--glossary", str(NEWSROOM))
    assert code == EXIT_OK, events
    assert [e["state"] for e in events if e["event"] == "article"] == ["done"] * 6
    assert list(out.glob("*/translation.en.docx")) and list(out.glob("*/translation.en.odt"))
    total = 0
    for name, record in fidelity(out).items():
        assert record["glossary"]["file"] == str(NEWSROOM.resolve()), name
        flags = [f for entry in alignment(out, name) for fs in entry["flags"].values() for f in fs]
        for translation in record["fidelity"]["translations"].values():
            terms = translation["glossary"]
            assert terms["kept"] + len(terms["missing"]) == terms["total"], name
            total += terms["total"]
        missing = [
            m["term"] for t in record["fidelity"]["translations"].values() for m in t["glossary"]["missing"]
        ]
        assert sorted(f"glossary term missing: {m}" for m in missing) == sorted(
            f for f in flags if f.startswith("glossary term missing")
        )
    assert total >= 4


def test_the_term_index_finds_exactly_what_every_terms_pattern_finds(tmp_path: Path) -> None:
    """The index only narrows the terms a line is searched for: over every case form of every
    term (its words with each ending, its vowel alternated, in capitals), and words that are not
    terms, it finds exactly what trying each term's pattern on the line finds."""
    rows = [
        ("Київ", "Kyiv", "Киев"),
        ("Харків", "Kharkiv", "Харьков"),
        ("Запоріжжя", "Zaporizhzhia", "Запорожье"),
        ("Верховна Рада", "Verkhovna Rada", "Верховная Рада"),
        ("В'ячеслав", "Viacheslav", "Вячеслав"),
        ("COVID-19", "COVID-19", "COVID-19"),
        ("S&P", "S&P", "S&P"),
        ("#новини", "#news", "#новости"),
        ("ЄС", "EU", "ЕС"),
        ("Ради", "Rady", "Рады"),
        ("Львів", "Lviv", "Львов"),
    ]
    glossary_file = tmp_path / "g.tsv"
    glossary_file.write_text(
        "uk\ten\tru\n" + "".join("\t".join(row) + "\n" for row in rows), encoding="utf-8"
    )
    glossary = load_glossary(glossary_file)

    def every_term(text: str, lang: str) -> list[str]:
        return [
            t.form(lang) or ""
            for t in glossary.terms
            if (w := t.form(lang)) and term_regex(w, lang).search(text)
        ]

    for column, lang in enumerate(("uk", "en", "ru")):
        for row in rows:
            word = row[column]
            stems = {word, *(word[: -len(e)] for e in CASE_ENDINGS if word.endswith(e))}
            forms = {f"{stem}{ending}" for stem in stems for ending in ("", *CASE_ENDINGS)}
            forms |= {form.replace(vowel, other) for form in forms for vowel in "іое" for other in "іїоеє"}
            for form in sorted(forms):
                for line in (f"Сьогодні {form} заявила.", f"{form.upper()}!", f"({form}'s)", f"x{form}"):
                    found = [t.form(lang) or "" for t in glossary.found_in(line, lang)]
                    assert found == every_term(line, lang), (lang, line, word_keys(word, lang))


def synthetic_terms(count: int, seed: int = 1) -> list[tuple[str, str]]:
    """`count` made-up Ukrainian names of 6 to 10 letters and their English forms."""
    letters = "абвгґдежзиіїйклмнопрстуфхцчшщьюя"
    rng = random.Random(seed)
    terms = []
    for _ in range(count):
        word = "".join(rng.choice(letters) for _ in range(rng.randint(6, 10)))
        terms.append((word.capitalize(), f"T{len(terms)}"))
    return terms


def test_a_glossary_of_100000_terms_costs_a_short_article_seconds_not_minutes(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Issue 32, row 11: each line tried every term's pattern (the pattern cache held 4,096):
    a three-line article took over 240 s with 100,000 terms."""
    glossary = tmp_path / "big.tsv"
    rows = [("Київ", "Kyiv"), *synthetic_terms(100_000)]
    glossary.write_text("uk\ten\n" + "".join(f"{uk}\t{en}\n" for uk, en in rows), encoding="utf-8")
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    lines = "Уряд у Києві ухвалив рішення.\n\nПро це повідомили в Києві.\n\nЗасідання відбулося вранці.\n"
    (source / "short.txt").write_text(lines, encoding="utf-8")
    done = subprocess.run(
        newsbrief("run", source, "--out", out, "-c", tiny_config, *EXTRACTIVE, "--glossary", glossary),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (EXIT_OK, EXIT_FLAGGED), done.stderr
    (record,) = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/article.json")]
    assert [term["uk"] for term in record["glossary"]["terms"]] == ["Київ"]
