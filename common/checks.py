"""Field-by-field reading of a config mapping: each reader returns the validated (defaulted) value
or raises ConfigError naming the file, the field and the fix, e.g.
`configs/jet_cnn.yaml: training.epochs must be an integer >= 1 (got -3)`.

Every layer that owns part of the config schema (generators in physics/, layer kinds in models/,
HLS settings in hls/, the model config in l1cnn/) reads its fields with one Checker.
"""

import math

from common.errors import ConfigError

MISSING = ...


def where(path, key) -> str:
    return f"{path}.{key}" if path else str(key)


def is_number(v) -> bool:
    """A finite int or float (YAML's true/false and .inf/.nan are not numbers here)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


class Checker:
    """Reads one config source (a YAML file, or command-line flags) and names it in every error."""

    def __init__(self, source):
        self.source = source

    def fail(self, path, msg):
        raise ConfigError(f"{self.source}: {path} {msg}")

    def section(self, d, path, known):
        if not isinstance(d, dict):
            self.fail(path, f"must be a mapping (got {type(d).__name__})")
        unknown = sorted(set(d) - set(known), key=str)
        if unknown:
            self.fail(where(path, unknown[0]), f"is not a known field; known fields here: {', '.join(known)}")
        return d

    def named_sections(self, d, key, path, fields, hint):
        """(name, section, path) for each entry of a mapping of named sub-sections, e.g. dataset.grids."""
        m = self.get(d, key, path)
        if not isinstance(m, dict) or not m:
            self.fail(where(path, key), f"must map a name to {hint}")
        for name, v in m.items():
            p = f"{where(path, key)}.{name}"
            yield name, self.section(v, p, fields), p

    def get(self, d, key, path, default=MISSING):
        if key not in d:
            if default is MISSING:
                self.fail(where(path, key), "is missing")
            return default
        return d[key]

    def integer(self, d, key, path, lo=None, hi=None, default=MISSING) -> int:
        v = self.get(d, key, path, default)
        if isinstance(v, bool) or not isinstance(v, int) or (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = "" if lo is None else (f" >= {lo}" if hi is None else f" in {lo}..{hi}")
            self.fail(where(path, key), f"must be an integer{rng} (got {v!r})")
        return v

    def number(self, d, key, path, lo=None, hi=None, lo_open=False, default=MISSING) -> float:
        v = self.get(d, key, path, default)
        ok = is_number(v)
        if ok and lo is not None:
            ok = v > lo if lo_open else v >= lo
        if ok and hi is not None:
            ok = v <= hi
        if not ok:
            lo_txt = "" if lo is None else (f" > {lo}" if lo_open else f" >= {lo}")
            hi_txt = "" if hi is None else f" and <= {hi}"
            self.fail(where(path, key), f"must be a number{lo_txt}{hi_txt} (got {v!r})")
        return float(v)

    def choice(self, d, key, path, choices, default=MISSING):
        v = self.get(d, key, path, default)
        if isinstance(v, (dict, list)) or v not in choices:
            self.fail(where(path, key), f"must be one of {', '.join(map(str, choices))} (got {v!r})")
        return v

    def string(self, d, key, path, hint, default=MISSING) -> str:
        v = self.get(d, key, path, default)
        if not isinstance(v, str) or not v:
            self.fail(where(path, key), f"must be {hint} (got {v!r})")
        return v
