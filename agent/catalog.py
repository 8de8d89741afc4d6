"""The instruments in the index and the names people call them by."""

from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass

from ingestion.documents import CATEGORY_RANK, instrument_key
from ingestion.vector_store import ClauseIndex

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogEntry:
    """One instrument as the index knows it."""

    doc_key: str
    title: str
    short_titles: tuple[str, ...]
    category: str
    status: str
    effective_date: str
    articles: int

    @property
    def rank(self) -> int:
        return CATEGORY_RANK.get(self.category, len(CATEGORY_RANK))


class Catalog:
    """Instrument titles and aliases, read from the index once and on refresh."""

    def __init__(self, index: ClauseIndex) -> None:
        self.index = index
        self.entries: dict[str, CatalogEntry] = {}
        self._names: list[tuple[str, str]] = []
        self.refresh()

    def refresh(self) -> None:
        counts: dict[str, int] = {}
        entries: dict[str, CatalogEntry] = {}
        fields = ["doc_key", "title", "short_titles", "category", "status",
                  "effective_date", "paragraph_first"]  # fmt: skip
        for row in self.index.iterate(fields):
            key = row["doc_key"]
            if row["paragraph_first"] <= 1:
                counts[key] = counts.get(key, 0) + 1
            if key not in entries:
                aliases = tuple(a for a in row["short_titles"].split("|") if a)
                entries[key] = CatalogEntry(
                    key, row["title"], aliases, row["category"], row["status"],
                    row["effective_date"], 0,
                )  # fmt: skip
        self.entries = {
            k: CatalogEntry(**{**e.__dict__, "articles": counts.get(k, 0)})
            for k, e in entries.items()
        }
        names = [(e.title, k) for k, e in self.entries.items()]
        names += [(alias, k) for k, e in self.entries.items() for alias in e.short_titles]
        # Longest names first, so 矿山安全法实施条例 wins over 矿山安全法.
        self._names = sorted(names, key=lambda pair: -len(pair[0]))
        logger.debug("catalog refreshed instruments=%s", len(self.entries))

    def resolve(self, name: str) -> CatalogEntry | None:
        """The instrument a name (full title or alias, with or without 《》) means."""
        name = instrument_key(name)
        if not name:
            return None
        if name in self.entries:
            return self.entries[name]
        for known, key in self._names:
            if instrument_key(known) == name:
                return self.entries[key]
        # "中华人民共和国" is often dropped or added; match on the rest.
        bare = name.removeprefix("中华人民共和国")
        for known, key in self._names:
            if instrument_key(known).removeprefix("中华人民共和国") == bare:
                return self.entries[key]
        return None

    def mentioned(self, text: str) -> list[tuple[int, int, CatalogEntry]]:
        """Instruments named in free text, as (start, end, entry), left to right."""
        found: list[tuple[int, int, CatalogEntry]] = []
        taken = [False] * len(text)
        for name, key in self._names:
            if len(name) < 3:
                continue
            for match in re.finditer(re.escape(name), text):
                start, end = match.span()
                if any(taken[start:end]):
                    continue
                taken[start:end] = [True] * (end - start)
                found.append((start, end, self.entries[key]))
        return sorted(found, key=lambda item: item[0])

    def similar(self, name: str, n: int = 3) -> list[CatalogEntry]:
        """Instruments whose names look like `name`, for not-found messages."""
        names = {known: key for known, key in self._names}
        close = difflib.get_close_matches(name, list(names), n=n * 2, cutoff=0.3)
        unique = dict.fromkeys(names[c] for c in close)
        return [self.entries[k] for k in list(unique)[:n]]
