"""Data the coefficient is built from: enterprise reports (form or CSV) and enforcement records.

A CSV import checks every row on its own: good rows are stored, bad rows are
reported with their row number and reason, and one bad row never costs the
others (nor leaves half of itself behind).
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from minqian.access import Principal, require_enterprise_user
from minqian.coefficient.facts import Period
from minqian.coefficient.records import (
    ACCIDENT_LEVELS,
    ENFORCEMENT_KINDS,
    HAZARD_LEVELS,
    enforcement_records,
    enterprise_reports,
)
from minqian.enterprises import EnterpriseStore
from minqian.errors import AccessDenied, InvalidRecord, RecordError

# Field → (kind, description); what an enterprise may report about itself.
REPORT_FIELDS: dict[str, tuple[str, str]] = {
    "licence_valid": ("bool", "证照齐全有效"),
    "principal_certified": ("bool", "主要负责人考核合格"),
    "principal_meetings": ("count", "主要负责人研究安全生产工作次数（近12个月）"),
    "principal_inspections": ("count", "主要负责人带队检查次数（近12个月）"),
    "responsibility_system": ("bool", "全员安全生产责任制建立并考核"),
    "safety_staff": ("bool", "安全管理机构和人员按规定配备"),
    "drills": ("count", "应急演练次数（近12个月）"),
    "training_rate": ("share", "从业人员安全培训覆盖率（0–1）"),
    "special_certified_rate": ("share", "特种作业人员持证率（0–1）"),
    "standardisation_level": ("level", "安全生产标准化等级"),
}
STANDARDISATION_LEVELS = ("一级", "二级", "三级", "小微企业", "未达标")
CSV_COLUMNS = ("enterprise_id", "period", "field", "value")
_TRUE, _FALSE = {"1", "true", "是", "有", "yes"}, {"0", "false", "否", "无", "no"}


@dataclass
class ImportResult:
    stored: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "message": …}


class CoefficientInputs:
    def __init__(self, engine: Engine, enterprises: EnterpriseStore) -> None:
        self._engine = engine
        self.enterprises = enterprises

    def report(self, principal: Principal, enterprise_id: str, period: str, values: dict[str, Any],
               source: str = "表单") -> int:  # fmt: skip
        """Store an enterprise's own figures for a period; all fields valid or none stored."""
        self.enterprises.require(principal, enterprise_id)
        require_enterprise_user(principal, enterprise_id)
        checked_period = _period(period)
        rows = [
            self._row(enterprise_id, checked_period, name, value, source, principal) for name, value in values.items()
        ]
        if not rows:
            raise InvalidRecord("没有要填报的指标")
        with self._engine.begin() as connection:
            connection.execute(enterprise_reports.insert(), rows)
        return len(rows)

    def import_csv(self, principal: Principal, text: str) -> ImportResult:
        """Rows enterprise_id, period, field, value; each checked and stored on its own."""
        result = ImportResult()
        # newline="" as the csv module asks: otherwise a bare \r in a field raises csv.Error.
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidRecord(f"CSV 缺少列：{'、'.join(missing)}（需要 {','.join(CSV_COLUMNS)}）")
        for number, line in enumerate(reader, start=2):  # row 1 is the header
            try:
                enterprise_id = (line.get("enterprise_id") or "").strip()
                self.report(principal, enterprise_id, (line.get("period") or "").strip(),
                            {(line.get("field") or "").strip(): line.get("value")}, "导入")  # fmt: skip
                result.stored += 1
            except (RecordError, ValueError) as exc:
                result.errors.append({"row": number, "message": str(exc)})
        return result

    def record(self, principal: Principal, enterprise_id: str, kind: str, occurred_on: date,
               description: str, level: str | None = None, deadline: date | None = None,
               closed_on: date | None = None, amount: float | None = None) -> dict[str, Any]:  # fmt: skip
        """An inspector's record of a penalty, accident, hazard found or on-site visit."""
        if principal.role not in ("inspector", "admin"):
            raise AccessDenied("只有执法人员可以登记执法记录")
        self.enterprises.require(principal, enterprise_id)
        _check_enforcement(kind, level, occurred_on, deadline, closed_on, amount)
        row = {"id": uuid.uuid4().hex, "enterprise_id": enterprise_id, "kind": kind, "occurred_on": occurred_on,
               "level": level, "deadline": deadline, "closed_on": closed_on, "amount": amount,
               "description": description.strip()[:2000], "recorded_by": principal.subject,
               "created_at": datetime.now(UTC)}  # fmt: skip
        with self._engine.begin() as connection:
            connection.execute(enforcement_records.insert().values(row))
        return {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()}

    def _row(self, enterprise_id: str, period: str, name: str, value: Any, source: str,
             principal: Principal) -> dict[str, Any]:  # fmt: skip
        return {"enterprise_id": enterprise_id, "period": period, "field": name,
                "value": json.dumps(parse_value(name, value), ensure_ascii=False), "source": source,
                "submitted_by": principal.subject, "submitted_at": datetime.now(UTC)}  # fmt: skip


def parse_value(name: str, value: Any) -> Any:
    """The typed value of a reported field, or InvalidRecord saying what is wrong."""
    if name not in REPORT_FIELDS:
        raise InvalidRecord(f"未知指标 {name!r}，可填报：{'、'.join(REPORT_FIELDS)}")
    kind, label = REPORT_FIELDS[name]
    text = str(value).strip() if value is not None else ""
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise InvalidRecord(f"{label}应填 是/否，收到 {text!r}")
    if kind == "level":
        if text not in STANDARDISATION_LEVELS:
            raise InvalidRecord(f"{label}应为 {'、'.join(STANDARDISATION_LEVELS)} 之一，收到 {text!r}")
        return text
    try:
        number = float(text)
    except ValueError:
        raise InvalidRecord(f"{label}应为数字，收到 {text!r}") from None
    if not math.isfinite(number):  # float() reads "nan" and "inf"; int() of them raises
        raise InvalidRecord(f"{label}应为有限的数字，收到 {text!r}")
    if kind == "share" and not 0 <= number <= 1:
        raise InvalidRecord(f"{label}应在 0 到 1 之间，收到 {text}")
    if kind == "count" and (number < 0 or number != int(number) or number > 10000):
        raise InvalidRecord(f"{label}应为不超过 10000 的非负整数，收到 {text}")
    return int(number) if kind == "count" else number


def _period(label: str) -> str:
    try:
        return Period.parse(label).label
    except ValueError as exc:
        raise InvalidRecord(str(exc)) from None


def _check_enforcement(kind: str, level: str | None, occurred_on: date, deadline: date | None,
                       closed_on: date | None, amount: float | None) -> None:  # fmt: skip
    if kind not in ENFORCEMENT_KINDS:
        raise InvalidRecord(f"记录类型应为 {'、'.join(ENFORCEMENT_KINDS)} 之一")
    if kind == "生产安全事故" and level not in ACCIDENT_LEVELS:
        raise InvalidRecord(f"事故等级应为 {'、'.join(ACCIDENT_LEVELS)} 之一")
    if kind == "检查隐患":
        if level not in HAZARD_LEVELS or deadline is None:
            raise InvalidRecord("检查发现的隐患需要隐患等级（一般隐患/重大隐患）和整改期限")
        if deadline < occurred_on or (closed_on is not None and closed_on < occurred_on):
            raise InvalidRecord("整改期限和整改完成日期不能早于发现日期")
    if kind == "行政处罚" and (amount is None or amount < 0):
        raise InvalidRecord("行政处罚需要填写罚款金额（元，不罚款填 0）")
    if occurred_on > datetime.now(UTC).date():
        raise InvalidRecord("发生日期不能晚于今天")
