"""The risk pillar's services, built once over one engine and one settings object."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from minqian.enterprises import EnterpriseStore
from minqian.risk.codes import CodeBook
from minqian.risk.field import FieldRecords
from minqian.risk.registers import RiskRegisterService
from minqian.risk.scenarios import HazardKnowledge, load_hazard_knowledge
from minqian.risk.tokens import open_signer
from minqian.risk.workers import WorkerRegistry
from minqian.settings import Settings


@dataclass
class RiskDesk:
    """Everything the API, the console, the agent and the CLI use for risk records."""

    settings: Settings
    knowledge: HazardKnowledge
    enterprises: EnterpriseStore
    codes: CodeBook
    registers: RiskRegisterService
    workers: WorkerRegistry
    field: FieldRecords


def open_risk_desk(settings: Settings, engine: Engine, knowledge: HazardKnowledge | None = None) -> RiskDesk:
    """Wire the services; the schema must already exist (database.init_schema)."""
    knowledge = knowledge or load_hazard_knowledge(settings.project_corpus_dir)
    enterprises = EnterpriseStore(engine)
    codes = CodeBook(engine, enterprises, open_signer(settings), settings.api.public_url)
    registers = RiskRegisterService(engine, enterprises, knowledge, codes)
    workers = WorkerRegistry(engine, enterprises)
    field = FieldRecords(engine, enterprises, codes, workers)
    return RiskDesk(settings, knowledge, enterprises, codes, registers, workers, field)
