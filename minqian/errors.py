"""Errors of 闽企安.

MinqianError
├── ConfigurationError   settings that cannot work (what was expected, found, fix)
├── DocumentError        one document could not be read; ingestion skips it
└── CitationNotFound     a citation names an article the knowledge base lacks
"""

from __future__ import annotations


class MinqianError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigurationError(MinqianError):
    """A setting is missing, malformed or points at something that is not there."""


class DocumentError(MinqianError):
    """A document cannot be read or parsed; `reason` is shown to the user."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class CitationNotFound(MinqianError):
    """The cited instrument or article is not in the knowledge base."""
