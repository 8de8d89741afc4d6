"""Errors of 闽企安.

MinqianError
├── ConfigurationError   settings that cannot work (what was expected, found, fix)
├── DocumentError        one document could not be read; ingestion skips it
├── CitationNotFound     a citation names an article the knowledge base lacks
└── RecordError          a request about stored records cannot be served
    ├── RecordNotFound   no such record (or not one the caller may know of)
    ├── AccessDenied     the caller's role or area does not reach the record
    ├── InvalidRecord    the submitted data breaks a rule; the message says which
    └── StateConflict    the record is not in a state that allows the change
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


class RecordError(MinqianError):
    """Base of errors about records; the message is shown to the user (Chinese)."""


class RecordNotFound(RecordError):
    """The record does not exist, or the caller may not learn that it does."""


class AccessDenied(RecordError):
    """The caller is authenticated but its role or area does not cover the record."""


class InvalidRecord(RecordError):
    """Submitted data breaks a rule (a missing field, an unknown value)."""


class StateConflict(RecordError):
    """The change is not allowed from the record's current state."""
