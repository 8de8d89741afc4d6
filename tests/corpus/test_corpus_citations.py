"""Every article the project's corpus cites exists in the knowledge base's sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.citations import _ARTICLE_REF
from ingestion.folder_documents import read_folder_document
from ingestion.metadata import load_aliases
from ingestion.numerals import chinese_to_int
from ingestion.packaged_laws import load_packaged_laws
from ingestion.project_corpus import KINDS, load_entries, project_corpus_files, read_project_file
from minqian.coefficient.rules import RULES_DIR
from minqian.inspections.lenient import LIST as LENIENT
from minqian.settings import LawSourceSettings
from tests.conftest import SHARED_LAWS, needs_shared

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="module")
def articles() -> dict[str, dict[tuple[int, int], int]]:
    """title → {(article number, suffix): paragraph count} from every law source."""
    known: dict[str, dict[tuple[int, int], int]] = {}
    aliases = load_aliases(CORPUS / "aliases.yaml")
    documents = list(load_packaged_laws(LawSourceSettings(), aliases))  # what a default install holds
    if SHARED_LAWS.is_dir():
        documents += [read_folder_document(p, aliases) for p in sorted(SHARED_LAWS.glob("*.md"))]
    for document in documents:
        table = known.setdefault(document.instrument.title, {})
        for article in document.articles:
            table[(article.number, article.suffix)] = len(article.paragraphs)
    return known


def _citations() -> list[tuple[str, str, str]]:
    found = []
    for path in project_corpus_files(CORPUS):
        _, entries = load_entries(path)
        for entry in entries:
            found += [(path.name, str(entry["id"]), c) for c in _nested_citations(entry)]
    # The coefficient rules cite the articles each indicator and veto rests on.
    for path in sorted(RULES_DIR.glob("*.yaml")):
        rules = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in [*rules.get("vetoes", []), *(i for d in rules["dimensions"] for i in d["indicators"])]:
            found += [(path.name, str(item["id"]), c) for c in _nested_citations(item)]
    found += [
        ("lenient.yaml", "basis", c) for c in _nested_citations(yaml.safe_load(LENIENT.read_text(encoding="utf-8")))
    ]
    return found


def _nested_citations(value: object) -> list[str]:
    """Citations under `basis`/`penalty_basis` at any depth (risk points nest them)."""
    if isinstance(value, list):
        return [c for item in value for c in _nested_citations(item)]
    if not isinstance(value, dict):
        return []
    found = [str(c) for key in ("basis", "penalty_basis") for c in value.get(key) or []]
    for key, child in value.items():
        if key not in ("basis", "penalty_basis") and isinstance(child, (list, dict)):
            found += _nested_citations(child)
    return found


def test_corpus_files_parse_and_have_unique_ids() -> None:
    ids: list[str] = []
    for path in project_corpus_files(CORPUS):
        document = read_project_file(path)
        assert document.instrument.category in KINDS.values()
        ids += [a.label for a in document.articles]
    assert len(ids) == len(set(ids)) >= 60


@needs_shared
@pytest.mark.parametrize(("file", "entry", "citation"), _citations())
def test_corpus_citation_resolves_to_a_real_article(articles, file: str, entry: str, citation: str) -> None:  # type: ignore[no-untyped-def]
    title = citation[citation.index("《") + 1 : citation.index("》")]
    assert title in articles, f"{file} {entry}: unknown instrument 《{title}》"
    match = _ARTICLE_REF.search(citation)
    assert match, f"{file} {entry}: no article number in {citation}"
    number = chinese_to_int(match.group(1))
    suffix = chinese_to_int(match.group(2)) if match.group(2) else 0
    assert (number, suffix) in articles[title], f"{file} {entry}: {citation} does not exist"
    if match.group(3):
        assert chinese_to_int(match.group(3)) <= articles[title][(number, suffix)], citation
