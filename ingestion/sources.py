"""Gather documents from every source and keep one version of each instrument."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.documents import ParsedDocument
from ingestion.folder_documents import SUPPORTED_SUFFIXES, read_folder_document
from ingestion.metadata import load_aliases
from ingestion.packaged_laws import load_packaged_laws
from ingestion.project_corpus import project_corpus_files, read_project_file
from ingestion.state import IngestionState
from minqian.errors import DocumentError
from minqian.settings import Settings

logger = logging.getLogger(__name__)

_SOURCE_ORDER = {"folder": 0, "project": 0, "packaged": 1}


@dataclass
class Collection:
    """Documents chosen for the index, plus what was skipped and why."""

    documents: list[ParsedDocument] = field(default_factory=list)
    alternates: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Sources that exist but could not be read this run; their old rows stay.
    unreadable_sources: set[str] = field(default_factory=set)


def collect_documents(
    settings: Settings, extra_paths: Iterable[Path], state: IngestionState
) -> Collection:
    """Read the packaged laws, the project corpus and every document folder."""
    aliases_path = settings.project_corpus_dir / "aliases.yaml"
    aliases = load_aliases(aliases_path)
    alias_digest = hashlib.sha256(
        aliases_path.read_bytes() if aliases_path.exists() else b""
    ).hexdigest()[:16]
    result = Collection()
    found: list[ParsedDocument] = list(load_packaged_laws(settings.laws, aliases))

    files: list[tuple[Path, bool]] = []
    if settings.ingestion.include_project_corpus:
        files += [(p, True) for p in project_corpus_files(settings.project_corpus_dir)]
    for root in [*settings.corpus_paths, *extra_paths]:
        files += [(p, False) for p in _document_files(root, result)]

    for path, is_project in files:
        try:
            found.append(_read_cached(path, is_project, aliases, alias_digest, state))
        except DocumentError as exc:
            logger.warning("skipped document source=%s reason=%s", path, exc.reason)
            result.skipped.append((str(path), exc.reason))
            result.unreadable_sources.add(str(path))
    _choose_versions(found, settings.ingestion.preferred_source, result)
    return result


def _document_files(root: Path, result: Collection) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        result.skipped.append((str(root), "路径不存在"))
        return []
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith((".", "~$")) and p.stem.upper() != "README"
    )  # fmt: skip


def _read_cached(
    path: Path, is_project: bool, aliases: dict[str, tuple[str, ...]], alias_digest: str,
    state: IngestionState,
) -> ParsedDocument:  # fmt: skip
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), f"无法读取文件：{exc.strerror}") from exc
    file_hash = hashlib.sha256(data).hexdigest()[:32] + alias_digest
    cached = state.cached_parse(file_hash)
    if cached is None:
        cached = read_project_file(path) if is_project else read_folder_document(path, aliases)
        state.store_parse(file_hash, cached)
    # The same bytes may have moved: the source is where they are now.
    instrument = dataclasses.replace(cached.instrument, source=str(path))
    return ParsedDocument(instrument, cached.articles)


def _choose_versions(found: list[ParsedDocument], policy: str, result: Collection) -> None:
    """Keep one document per instrument; remember the versions not chosen."""
    groups: dict[str, list[ParsedDocument]] = {}
    for document in found:
        groups.setdefault(document.instrument.key, []).append(document)
    for key, versions in groups.items():
        _rank(versions, policy)
        chosen, rest = versions[0], versions[1:]
        result.documents.append(chosen)
        result.alternates[key] = [
            {"source": d.instrument.source, "effective_date": d.instrument.effective_date,
             "version_date": d.instrument.version_date, "status": d.instrument.status}
            for d in rest
        ]  # fmt: skip
        if rest:
            logger.info(
                "duplicate instrument title=%s chosen=%s dropped=%s policy=%s",
                chosen.instrument.title, chosen.instrument.source,
                ",".join(d.instrument.source for d in rest), policy,
            )  # fmt: skip


def _rank(versions: list[ParsedDocument], policy: str) -> None:
    """Sort versions best first; Python's sort is stable, so later keys win."""

    def kind_order(document: ParsedDocument) -> int:
        order = _SOURCE_ORDER[document.instrument.source_kind]
        return 1 - order if policy == "packaged" else order

    def version(document: ParsedDocument) -> str:
        return document.instrument.version_date or document.instrument.effective_date

    versions.sort(key=lambda d: d.instrument.source)
    if policy == "newest":
        versions.sort(key=kind_order)
        versions.sort(key=version, reverse=True)
    else:
        versions.sort(key=version, reverse=True)
        versions.sort(key=kind_order)
