"""A newsroom's input folder: a Word file, an OpenDocument file, a text article and an RSS feed
in it, and an Atom feed beside it (for --feed); the feeds' entries written as feeds are."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.corpus import ARTICLES
from support.documents import make_docx, make_odt

LEAD = "Сили оборони за ніч збили 30 із 35 дронів, повідомили в Повітряних силах."


QUOTE = "«Ситуація під контролем», — заявив міський голова."


def item(guid: str, title: str, body_html: str, date: str = "Fri, 24 Nov 2023 08:15:00 +0200") -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://example.net/{guid}</link>"
        f"<author>desk@example.net (Олена Коваль)</author><pubDate>{date}</pubDate>"
        f"<content:encoded><![CDATA[{body_html}]]></content:encoded></item>"
    )


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Стрічка новин</title>'
        f"<link>https://example.net/</link><description>d</description>{''.join(items)}</channel></rss>"
    )


FIRST = item(
    "n-1", "Сили оборони збили 30 дронів", f"<p>{LEAD}</p><p>{QUOTE}</p><div class='ad'>Реклама</div>"
)


SECOND = item(
    "n-2", "Кабмін виділив 500 млн гривень", "<p>Уряд виділив 500 млн гривень на ремонт 12 мостів.</p>"
)


ATOM = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
    "<id>urn:wire</id><updated>2023-12-12T10:00:00Z</updated><entry><id>urn:wire:1</id>"
    "<title>IMF approves $900 million tranche</title><updated>2023-12-12T10:00:00Z</updated>"
    '<author><name>Staff reporter</name></author><link href="https://wire.example/1"/>'
    "<summary type='text'>The IMF approved a $900 million tranche for Ukraine on 12 December, "
    "bringing disbursements to $15.6 billion.</summary></entry></feed>"
)


def newsroom_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A folder of a Word file, an OpenDocument file, a text article and an RSS feed; the output
    folder; an Atom feed outside the folder (for --feed)."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    make_docx(source / "memo.docx")
    make_odt(source / "desk.odt")
    shutil.copy(ARTICLES / "uk-grain-exports.txt", source)
    (source / "news.rss").write_text(rss(FIRST, SECOND), encoding="utf-8")
    atom = tmp_path / "wire.atom"
    atom.write_text(ATOM, encoding="utf-8")
    return source, out, atom
