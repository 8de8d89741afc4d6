"""Audit the calls the console and the chat's tools make on the record services.

HTTP requests are audited by route (api/audit.py). The console and the
assistant call the services in-process, so their desks are handed out
wrapped: every call whose first argument is a Principal appends an entry
naming the service method, the ids it was given and whether it was allowed.
Services calling each other inside keep their own unwrapped references, so
one user action is one entry, not a cascade.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from minqian.access import Principal
from minqian.audit import AuditEntry, AuditLog
from minqian.errors import AccessDenied, RecordError

# Method names that only read; anything else is logged as a change.
_READS = re.compile(r"^(list|get|current|explain|history|compare|periods|find|require|view|warnings|overview"
                    r"|onsite|names|checklist|scheme|dashboard|ranking|rollup_list|supervision|search|entries"
                    r"|export|code|record|plan|describe|catalogue|items|reports|patrols|registers)")  # fmt: skip
# Only id-like arguments are kept: free text (a finding, a question) may be
# sensitive, and the log must not become a plaintext copy of sealed fields.
_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,64}")


def unaudited(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a principal-taking method the system calls for its own checks, not a user's read."""
    method.__unaudited__ = True  # type: ignore[attr-defined]
    return method


def audited(service: Any, audit: AuditLog, channel: str, name: str = "") -> Any:
    """`service` with its principal-taking methods (and sub-services) audited."""
    return _Audited(service, audit, channel, name or type(service).__name__)


class _Audited:
    __slots__ = ("_service", "_audit", "_channel", "_name")

    def __init__(self, service: Any, audit: AuditLog, channel: str, name: str) -> None:
        self._service, self._audit, self._channel, self._name = service, audit, channel, name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._service, attribute)
        if attribute.startswith("_"):
            return value
        if callable(value) and not isinstance(value, type):
            return value if getattr(value, "__unaudited__", False) else self._method(attribute, value)
        if type(value).__module__.startswith("minqian.") and hasattr(value, "__dict__"):
            return _Audited(value, self._audit, self._channel, f"{self._name}.{attribute}")
        return value

    def _method(self, attribute: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if not args or not isinstance(args[0], Principal):
                return method(*args, **kwargs)
            status = 200
            try:
                return method(*args, **kwargs)
            except AccessDenied:
                status = 403
                raise
            except RecordError:
                status = 400
                raise
            finally:
                self._append(args[0], attribute, method, args, kwargs, status)

        return call

    def _append(self, principal: Principal, attribute: str, method: Callable[..., Any], args: tuple[Any, ...],
                kwargs: dict[str, Any], status: int) -> None:  # fmt: skip
        try:
            bound = inspect.signature(method).bind_partial(*args, **kwargs).arguments
        except TypeError:
            bound = {}
        target = {k: v for k, v in bound.items() if isinstance(v, str) and _ID.fullmatch(v)}
        enterprise = target.get("enterprise_id") or principal.enterprise_id
        action = "denied" if status == 403 else "read" if _READS.match(attribute) else "change"
        self._audit.append(AuditEntry(principal, self._channel, action, f"{self._name}.{attribute}", target,
                                      enterprise, status))  # fmt: skip
