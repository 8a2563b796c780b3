"""The `scan:` section of a model config: the design space `l1cnn scan` searches, validated once into
a typed Scan. A point of the space is a dict {parameter: value}; `derive` makes the point's complete
ModelConfig, validated by the same rules as a hand-written one.

    scan:
      method: nsga2              # or grid (every combination)
      points: 32                 # points to evaluate (grid: at most this many combinations)
      population: 8              # NSGA-II: points per generation
      seed: 1                    # the sampler's seed (training seeds stay the model's)
      objectives: [auc, lut, dsp]
      tolerance: 0.002           # best point: the fewest LUT (then DSP) among the passing points within
                                 # this much of the highest classifier figure (default 0: the highest)
      finalists: 4               # the best passing points trained again with the model's full schedule;
                                 # the best point is chosen among them (default 0: no second round)
      training: {epochs: 25, patience: 5}   # the schedule of each point (overrides of training:)
      pruning: {epochs: 8}
      space:                     # each a list of values or a range {min, max, step}
        weight_bits: [4, 6, 8]               # total width of every weight type (integer bits kept)
        activation_bits: {relu1: {min: 5, max: 8}}   # or per layer
        filters: {conv1: [2, 4, 8]}
        units: {dense1: [12, 24]}
        target_sparsity: {min: 0.3, max: 0.7, step: 0.1}
        max_ii_cycles: [2, 4]
        reuse_factor: [1, 2]
"""

import copy
import math
from dataclasses import dataclass, replace

from common.checks import is_number
from common.errors import ConfigError
from models.builder import walk
from quantize.formats import FixedFormat, FormatError

METHODS = ("grid", "nsga2")
# objective -> direction; the classifier figures come from l1cnn.evaluate, the costs from the estimate
OBJECTIVES = {"auc": "maximize", "accuracy": "maximize", "rejection_at_30pct": "maximize",
              "lut": "minimize", "ff": "minimize", "dsp": "minimize", "latency_ns": "minimize"}
MAX_POINTS = 10000
# space key -> (the layer kinds it sets per layer (None: one global value only), integer?, lowest value);
# what each sets is `derive`'s
SPACE = {
    "weight_bits": (("conv", "conv1d", "depthwise_conv", "separable_conv", "dense"), True, 2),
    "activation_bits": (("relu",), True, 2),
    "filters": (("conv", "conv1d", "separable_conv"), True, 1),
    "units": (("dense",), True, 1),
    "target_sparsity": (None, False, 0.0),
    "max_ii_cycles": (None, True, 1),
    "reuse_factor": (None, True, 1),
}
PER_LAYER_ONLY = ("filters", "units")  # a shape is chosen per layer, never one value for all


@dataclass(frozen=True)
class Param:
    name: str                   # "target_sparsity", "weight_bits" (every layer) or "filters.conv1" (one layer)
    values: tuple               # the discrete values the point may take, ascending
    step: object = None         # a range's step (None: a list of values)


@dataclass(frozen=True)
class Scan:
    method: str
    points: int
    population: int
    seed: int
    objectives: tuple           # ((name, direction), ...)
    tolerance: float            # how far below the highest classifier figure the best point may be
    finalists: int              # passing points trained again with the full schedule (0: none)
    training: dict              # overrides of the model's training section for every point
    pruning: dict
    params: tuple               # (Param, ...) in a fixed order

    def grid_size(self) -> int:
        return _combinations(self.params)

    def full_schedule(self) -> "Scan":
        """The same scan with the model's own training and pruning schedule (finalists, best.yaml)."""
        return replace(self, training={}, pruning={})

    def as_dict(self) -> dict:
        return {"method": self.method, "points": self.points, "population": self.population, "seed": self.seed,
                "objectives": [n for n, _ in self.objectives], "tolerance": self.tolerance, "finalists": self.finalists,
                "training": dict(self.training), "pruning": dict(self.pruning),
                "space": {p.name: list(p.values) for p in self.params}}


def _combinations(params) -> int:
    return math.prod(len(p.values) for p in params)


def _values(c, v, path, integer, lo):
    """A list of values or a {min, max, step} range, as an ascending tuple (and the step of a range)."""
    kind = "an integer" if integer else "a number"
    ok = (lambda x: isinstance(x, int) and not isinstance(x, bool)) if integer else is_number

    def check(x, where):
        if not ok(x) or x < lo:
            c.fail(where, f"must be {kind} >= {lo} (got {x!r})")
    if isinstance(v, list):
        if not v:
            c.fail(path, "is an empty list; give at least one value")
        for i, x in enumerate(v):
            check(x, f"{path}[{i}]")
        if len(set(v)) != len(v):
            c.fail(path, f"lists a value twice ({v!r})")
        return tuple(sorted(v)), None
    if isinstance(v, dict):
        c.section(v, path, ("min", "max", "step"))
        a, b = c.get(v, "min", path), c.get(v, "max", path)
        step = c.get(v, "step", path, default=1)
        check(a, f"{path}.min")
        check(b, f"{path}.max")
        if not ok(step) or step <= 0:
            c.fail(f"{path}.step", f"must be {kind} > 0 (got {step!r})")
        if a > b:
            c.fail(path, f"is an empty range: min {a} > max {b}")
        n = int(round((b - a) / step))
        if abs(a + n * step - b) > 1e-9 * max(1.0, abs(b)):
            c.fail(path, f"max {b} is not min {a} plus a whole number of steps of {step}")
        if n + 1 > MAX_POINTS:
            c.fail(path, f"has {n + 1} values; at most {MAX_POINTS}")
        vals = tuple(a + i * step for i in range(n + 1))
        return (vals if integer else tuple(round(x, 12) for x in vals)), step
    c.fail(path, f"must be a list of values or a range {{min: ..., max: ..., step: ...}} (got {v!r})")


def _params(c, space, cfg) -> tuple:
    p = "scan.space"
    c.section(space, p, tuple(SPACE))
    if not space:
        c.fail(p, f"is empty; scan at least one of {', '.join(SPACE)}")
    layers = {name: kind for kind, _, name in walk(cfg.architecture)}
    logits = [name for kind, _, name in walk(cfg.architecture) if kind == "dense"][-1]
    out = []
    for key, spec in space.items():
        kinds, integer, lo = SPACE[key]
        per_layer = isinstance(spec, dict) and kinds is not None and not set(spec) <= {"min", "max", "step"}
        if key in PER_LAYER_ONLY and not per_layer:
            own = [n for n, k in layers.items() if k in kinds and n != logits]
            c.fail(f"{p}.{key}", f"must map a layer name to its values, e.g. {{{(own or ['conv1'])[0]}: [4, 8]}}")
        if not per_layer:
            vals, step = _values(c, spec, f"{p}.{key}", integer, lo)
            out.append(Param(key, vals, step))
            continue
        if not spec:
            c.fail(f"{p}.{key}", "is an empty mapping; name at least one layer")
        for layer, lspec in spec.items():
            lp = f"{p}.{key}.{layer}"
            if layers.get(layer) not in kinds or (key == "units" and layer == logits):
                own = [n for n, k in layers.items() if k in kinds and not (key == "units" and n == logits)]
                c.fail(lp, f"names no layer this can set; {key} applies to {', '.join(own) or 'no layer of this model'}")
            vals, step = _values(c, lspec, lp, integer, lo)
            out.append(Param(f"{key}.{layer}", vals, step))
    return tuple(out)


def _overrides(c, d, path, known):
    d = c.section({} if d is None else d, path, known)
    return dict(d)


def scan_section(c, raw, cfg, validate_config):
    """The typed Scan of a `scan:` mapping for the validated base config `cfg`. Every value of every
    parameter is applied alone to the base config and validated (`validate_config`, the model config's
    own validation), so a value no layer can take is refused here, not in the middle of a scan."""
    p = "scan"
    c.section(raw, p, ("method", "points", "population", "seed", "objectives", "tolerance", "finalists", "training",
                       "pruning", "space"))
    method = c.choice(raw, "method", p, METHODS, default="nsga2")
    params = _params(c, c.get(raw, "space", p), cfg)
    grid = _combinations(params)
    if method == "grid":
        points = c.integer(raw, "points", p, 1, MAX_POINTS, default=min(grid, MAX_POINTS))
        if grid > points:
            c.fail(f"{p}.points", f"is {points} but the grid has {grid} combinations; raise points, shrink the "
                                  f"space or use method: nsga2")
    else:
        points = c.integer(raw, "points", p, 2, MAX_POINTS)
        if points > grid:
            c.fail(f"{p}.points", f"is {points} but the space has only {grid} combinations; use method: grid")
    population = c.integer(raw, "population", p, 2, MAX_POINTS, default=min(points, 8))
    if method == "nsga2" and population > points:
        c.fail(f"{p}.population", f"is {population}, more than the {points} points; at most points")
    seed = c.integer(raw, "seed", p, 0, 2 ** 32 - 1, default=0)
    two = len(cfg.classes) == 2
    default_objectives = ["auc" if two else "accuracy", "lut", "dsp"]
    objectives = c.get(raw, "objectives", p, default=default_objectives)
    if not isinstance(objectives, list) or not objectives or len(set(map(str, objectives))) != len(objectives):
        c.fail(f"{p}.objectives", f"must list distinct objectives from {', '.join(OBJECTIVES)} (got {objectives!r})")
    for o in objectives:
        if o not in OBJECTIVES:
            c.fail(f"{p}.objectives", f"has unknown objective {o!r}; known: {', '.join(OBJECTIVES)}")
        if o == "rejection_at_30pct" and not two:
            c.fail(f"{p}.objectives", "rejection_at_30pct is defined for two classes; use accuracy or auc")
    if not any(OBJECTIVES[o] == "maximize" for o in objectives):
        c.fail(f"{p}.objectives", "has no classifier figure to maximize (auc, accuracy or rejection_at_30pct)")
    tolerance = c.number(raw, "tolerance", p, 0.0, 1.0, default=0.0)
    finalists = c.integer(raw, "finalists", p, 0, points, default=0)
    training = _overrides(c, c.get(raw, "training", p, default={}), f"{p}.training",
                          ("epochs", "batch_size", "learning_rate", "patience"))
    pruning = _overrides(c, c.get(raw, "pruning", p, default={}), f"{p}.pruning", ("epochs", "learning_rate"))
    scan = Scan(method, points, population, seed, tuple((o, OBJECTIVES[o]) for o in objectives), tolerance,
                finalists, training, pruning, params)
    try:
        validate_config(derive(cfg, scan, {}))
    except ConfigError as e:
        field, _, msg = str(e).split(": ", 1)[-1].partition(" ")  # e.g. "training.epochs must be ..."
        c.fail(f"{p}.{field}", msg)
    for q in params:
        for v in sorted({q.values[0], q.values[-1]}):
            try:
                validate_config(derive(cfg, scan, {q.name: v}))
            except (ConfigError, FormatError) as e:
                inner = str(e).split(": ", 1)[-1]
                c.fail(f"{p}.space.{q.name}", f"value {v!r} makes the model invalid: {inner}")
    return scan


def _width(fmt: str, bits: int) -> str:
    f = FixedFormat.parse(fmt)
    return str(FixedFormat(bits, f.integer, f.signed))


def _set_layers(architecture, changes):
    """A copy of the architecture with {layer name (models.builder.walk's): {field: value or f(old value)}}
    applied, inside blocks too."""
    architecture = copy.deepcopy(architecture)  # validated layers are (kind, args dict): edited in the copy
    for _, args, name in walk(architecture):
        for field, value in changes.get(name, {}).items():
            args[field] = value(args[field]) if callable(value) else value
    return architecture


def derive(cfg, scan: Scan, point: dict):
    """The raw (YAML-form) config of `cfg` with the scan's schedule and the point's values applied."""
    from l1cnn.config.schema import as_raw

    changes, pruning, hls, quant = {}, {}, {}, {}
    for name, value in point.items():
        key, _, layer = name.partition(".")
        kinds = SPACE[key][0]
        targets = [layer] if layer else [n for k, _, n in walk(cfg.architecture) if kinds and k in kinds]
        if key == "weight_bits":
            if not layer:  # the default of layers added later, too
                quant["weight"] = _width(cfg.quantization.weight, value)
            for t in targets:
                changes.setdefault(t, {})["weight"] = lambda f, b=value: _width(f, b)
        elif key == "activation_bits":
            for t in targets:
                changes.setdefault(t, {})["format"] = lambda f, b=value: _width(f, b)
        elif key in ("filters", "units"):
            changes.setdefault(layer, {})[key] = value
        elif key == "target_sparsity":
            pruning["target_sparsity"] = value
        else:
            hls[key] = value
    new = replace(cfg, architecture=_set_layers(cfg.architecture, changes),
                  quantization=replace(cfg.quantization, **quant),
                  training=replace(cfg.training, **scan.training),
                  pruning=replace(cfg.pruning, **scan.pruning, **pruning),
                  hls=cfg.hls.with_(**hls))
    return as_raw(new)
