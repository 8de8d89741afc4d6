"""Run unstructured's partitioners with no network.

unstructured 0.27 loads spaCy's English model on the first partition of any
format and downloads it when missing, which fails here. A blank multilingual
pipeline with a sentencizer serves its heuristics just as well for Chinese.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def _blank_pipeline() -> Any:
    import spacy

    nlp = spacy.blank("xx")
    nlp.add_pipe("sentencizer")
    return nlp


@lru_cache(maxsize=1)
def _patch_unstructured() -> None:
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("UNSTRUCTURED_DISABLE_NOTICE", "1")
    from unstructured.nlp import tokenize

    tokenize._load_spacy_model = _blank_pipeline
    tokenize._get_nlp.cache_clear()


def partition_offline(path: Path) -> list[Any]:
    """Partition an HTML, DOCX or PDF file into unstructured elements."""
    _patch_unstructured()
    suffix = path.suffix.lower()
    # Auto-detection calls some Chinese lines Korean; the corpus is Chinese.
    languages = ["zho"]
    if suffix in {".html", ".htm"}:
        from unstructured.partition.html import partition_html

        return partition_html(filename=str(path), languages=languages)
    if suffix == ".docx":
        from unstructured.partition.docx import partition_docx

        return partition_docx(filename=str(path), languages=languages)
    if suffix == ".pdf":
        from unstructured.partition.pdf import partition_pdf

        return partition_pdf(filename=str(path), strategy="fast", languages=languages)
    raise NotImplementedError(f"no unstructured partitioner wired for {suffix}")
