"""Stage caching: an artifact is reused when the key of its inputs is unchanged.

A stage's key hashes the config sections it reads and the keys of the artifacts
it reads, so editing `training.epochs` re-runs train and everything after it,
while editing `hls.reuse_factor` re-runs only convert and later stages.
"""

import json
from pathlib import Path

from l1cnn.atomic import write_json
from l1cnn.config import fingerprint


def stamp_path(artifact: Path) -> Path:
    artifact = Path(artifact)
    return artifact.with_name(artifact.name + ".stamp.json")


def read_key(artifact: Path) -> str | None:
    p = stamp_path(artifact)
    if not (Path(artifact).exists() and p.exists()):
        return None
    try:
        return json.loads(p.read_text()).get("key")
    except (OSError, ValueError):
        return None


def make_key(*parts) -> str:
    return fingerprint(*parts)


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


def raise_missing(artifact, what, make_target):
    from l1cnn.errors import UserError

    raise UserError(f"{what} {artifact} does not exist yet; run `{make_target}` first")
