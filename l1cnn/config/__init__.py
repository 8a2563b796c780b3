"""Model configs: YAML a person can read and edit, validated once into a typed ModelConfig.

    schema.py    the typed, fully defaulted config the stages read
    validate.py  the field-by-field validation (each layer contributes its own part)
    this file    finding and loading configs by name or path
"""

from pathlib import Path

import yaml

from l1cnn.config.schema import ModelConfig, plain
from l1cnn.config.validate import hls_settings, validate
from l1cnn.errors import UserError
from l1cnn.paths import CONFIG_DIR

__all__ = ["ModelConfig", "load", "validate", "shipped_models", "hls_settings", "plain"]


def shipped_models() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def load(name_or_path) -> ModelConfig:
    """Load a shipped model by name (configs/<name>.yaml) or any YAML file by path."""
    text = str(name_or_path)
    path = Path(text)
    if not (text.endswith((".yaml", ".yml")) or path.exists()):
        path = CONFIG_DIR / f"{text}.yaml"
        if not path.exists():
            raise UserError(f"unknown model '{text}'; shipped models: {', '.join(shipped_models())} "
                            f"(or pass a path to a YAML config)")
    if not path.exists():
        raise UserError(f"config file {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}: malformed YAML{where}: {getattr(e, 'problem', e)}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"config file {path} is not readable text ({e})") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path}: must be a YAML mapping with name, dataset, architecture, ...")
    return validate(raw, str(path))
