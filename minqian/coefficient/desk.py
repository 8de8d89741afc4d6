"""The coefficient pillar's services over one engine."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from minqian.coefficient.inputs import CoefficientInputs
from minqian.coefficient.rollups import RollupService
from minqian.coefficient.rules import load_rules
from minqian.coefficient.service import CoefficientService
from minqian.enterprises import EnterpriseStore


@dataclass
class CoefficientDesk:
    scores: CoefficientService
    rollups: RollupService
    inputs: CoefficientInputs


def open_coefficient_desk(
    engine: Engine, enterprises: EnterpriseStore, rules_version: str | None = None
) -> CoefficientDesk:
    rules = load_rules(rules_version)
    return CoefficientDesk(CoefficientService(engine, enterprises, rules), RollupService(engine, enterprises, rules),
                           CoefficientInputs(engine, enterprises))  # fmt: skip
