"""The inspection pillar's services over one engine."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from minqian.coefficient.service import CoefficientService
from minqian.inspections.items import ItemCatalogue, load_catalogue
from minqian.inspections.oversight import OversightService
from minqian.inspections.plans import PlanService
from minqian.inspections.visits import VisitService
from minqian.risk.desk import RiskDesk
from minqian.risk.tokens import open_signer
from minqian.settings import Settings


@dataclass
class InspectionDesk:
    catalogue: ItemCatalogue
    plans: PlanService
    visits: VisitService
    oversight: OversightService


def open_inspection_desk(settings: Settings, engine: Engine, risk: RiskDesk,
                         coefficients: CoefficientService) -> InspectionDesk:  # fmt: skip
    catalogue = load_catalogue(settings.project_corpus_dir, risk.knowledge)
    plans = PlanService(engine, coefficients)
    visits = VisitService(engine, risk.enterprises, catalogue, plans, open_signer(settings), settings.api.public_url)
    return InspectionDesk(catalogue, plans, visits, OversightService(engine, coefficients, settings.inspections))
