"""Stage caching: an artifact is reused when the key of its inputs is unchanged.

A stage's key hashes the config sections it reads and the keys of the artifacts
it reads, so editing `training.epochs` re-runs train and everything after it,
while editing `hls.reuse_factor` re-runs only convert and later stages. The key of
an artifact is kept beside it in `<artifact>.stamp.json`.
"""

import hashlib
import json
from pathlib import Path

from common.atomic import write_json
from l1cnn.errors import UserError


def _canonical(value):
    """Numbers by value: `10` and `10.0` in a YAML file are the same setting and the same key."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def canonical_json(value) -> str:
    return json.dumps(_canonical(value), sort_keys=True)  # a non-JSON value is a bug: fail, never stringify


def make_key(*parts) -> str:
    """Stable short hash of config sections (and upstream keys): the cache key of a stage."""
    return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()[:16]


def stamp_path(artifact: Path) -> Path:
    artifact = Path(artifact)
    return artifact.with_name(artifact.name + ".stamp.json")


def read_stamp(artifact: Path) -> dict | None:
    """The stamp of an existing artifact ({"key": ..., and what the stage recorded}), None if absent."""
    p = stamp_path(artifact)
    if not (Path(artifact).exists() and p.exists()):
        return None
    try:
        stamp = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def read_key(artifact: Path) -> str | None:
    return (read_stamp(artifact) or {}).get("key")


def is_current(artifact: Path, key: str) -> bool:
    return read_key(artifact) == key


def write(artifact: Path, key: str, **info) -> None:
    write_json(stamp_path(artifact), {"key": key, **info})


def require(artifact: Path, what: str, make_target: str) -> str:
    """The key of an upstream artifact, or a one-line error saying which target makes it."""
    key = read_key(artifact)
    if key is None:
        raise_missing(artifact, what, make_target)
    return key


def require_current(artifact: Path, key: str, what: str, make_target: str) -> None:
    """An artifact made from exactly these inputs, or a one-line error (missing, stale or corrupt)."""
    found = read_key(artifact)
    if found is None:
        raise_missing(artifact, what, make_target)
    if found != key:
        raise UserError(f"{what} {artifact} is stale (made from other inputs); run `{make_target}` first")


def raise_missing(artifact, what, make_target):
    raise UserError(f"{what} {artifact} does not exist yet; run `{make_target}` first")
