"""Logging, configured once at the entry point."""

from __future__ import annotations

import logging
import os
import sys
import warnings


def configure_logging(level: str = "INFO") -> None:
    """Time, level and logger name on stderr; quiet the chattiest libraries."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for noisy in ("jieba", "httpx", "urllib3", "unstructured", "pdfminer", "faiss",
                  "milvus_lite"):  # fmt: skip
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # pymilvus warns that Milvus Lite lacks server timestamps (it falls back to
    # client time), and Milvus Lite's gRPC server logs the same unimplemented
    # call as an ERROR; neither is actionable. pymilvus installs its own
    # handlers on import, so import it before changing them.
    import pymilvus  # noqa: F401

    for name in list(logging.root.manager.loggerDict):
        if name.startswith("pymilvus"):
            logging.getLogger(name).setLevel(logging.ERROR)
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    # jieba prints its dictionary loading through its own handler at DEBUG.
    import jieba

    jieba.setLogLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="jieba")


def offline_environment() -> None:
    """Environment that keeps libraries from reaching for a hub or a tracker."""
    for name, value in {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "DO_NOT_TRACK": "true",
        "UNSTRUCTURED_DISABLE_NOTICE": "1",
    }.items():
        os.environ.setdefault(name, value)
