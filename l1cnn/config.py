"""Model configs: YAML a person can read and edit, validated field by field.

Every error names the file, the field and the fix, e.g.
`configs/jet_cnn.yaml: training.epochs must be an integer >= 1 (got -3)`.
"""

import copy
import hashlib
import json
from pathlib import Path

import yaml

from l1cnn.errors import UserError
from l1cnn.paths import CONFIG_DIR
from physics import SEED_MAX, SEED_MIN
from quantize.formats import FixedFormat

GENERATORS = ("jets", "calo")
IO_TYPES = ("io_parallel", "io_stream")
STRATEGIES = ("Latency", "Resource")
BACKENDS = ("Vitis", "Vivado")
LAYER_KINDS = ("conv", "dense", "relu", "maxpool", "avgpool", "flatten")


class _Checker:
    """Reads one config dict, collecting the path of each field for its error message."""

    def __init__(self, source):
        self.source = source

    def fail(self, path, msg):
        raise UserError(f"{self.source}: {path} {msg}")

    def section(self, d, path, known):
        if not isinstance(d, dict):
            self.fail(path, f"must be a mapping (got {type(d).__name__})")
        unknown = sorted(set(d) - set(known))
        if unknown:
            self.fail(f"{path}.{unknown[0]}" if path else unknown[0],
                      f"is not a known field; known fields here: {', '.join(known)}")
        return d

    def named_sections(self, d, key, path, fields, hint):
        """(name, section, path) for each entry of a mapping of named sub-sections, e.g. dataset.grids."""
        m = self.get(d, key, path)
        if not isinstance(m, dict) or not m:
            self.fail(f"{path}.{key}", f"must map an image name to {hint}")
        for name, v in m.items():
            yield name, self.section(v, f"{path}.{key}.{name}", fields), f"{path}.{key}.{name}"

    def get(self, d, key, path, default=...):
        if key not in d:
            if default is ...:
                self.fail(f"{path}.{key}" if path else key, "is missing")
            return default
        return d[key]

    def integer(self, d, key, path, lo=None, hi=None, default=...):
        v = self.get(d, key, path, default)
        where = f"{path}.{key}" if path else key
        if isinstance(v, bool) or not isinstance(v, int) or (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = f" >= {lo}" if hi is None else f" in {lo}..{hi}"
            self.fail(where, f"must be an integer{rng} (got {v!r})")
        return v

    def number(self, d, key, path, lo=None, hi=None, lo_open=False, default=...):
        v = self.get(d, key, path, default)
        where = f"{path}.{key}" if path else key
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
        if ok and lo is not None:
            ok = v > lo if lo_open else v >= lo
        if ok and hi is not None:
            ok = v <= hi
        if not ok:
            lo_txt = "" if lo is None else (f" > {lo}" if lo_open else f" >= {lo}")
            hi_txt = "" if hi is None else f" and <= {hi}"
            self.fail(where, f"must be a number{lo_txt}{hi_txt} (got {v!r})")
        return float(v)

    def choice(self, d, key, path, choices, default=...):
        v = self.get(d, key, path, default)
        if v not in choices:
            self.fail(f"{path}.{key}" if path else key, f"must be one of {', '.join(map(str, choices))} (got {v!r})")
        return v

    def fixed(self, d, key, path, signed=None, default=...):
        v = self.get(d, key, path, default)
        where = f"{path}.{key}" if path else key
        try:
            fmt = FixedFormat.parse(v)
        except ValueError as e:
            self.fail(where, f"is invalid: {e}")
        if signed is not None and fmt.signed != signed:
            self.fail(where, f"must be {'a signed ap_fixed' if signed else 'an unsigned ap_ufixed'} type (got {v})")
        if fmt.width > 24:
            # QKeras computes in float32: wider words would not be exact there.
            self.fail(where, f"is {fmt.width} bits wide; at most 24 bits keep QKeras float32 arithmetic exact")
        return v


def _check_dataset(c, d):
    p = "dataset"
    per_generator = {"jets": ("grids",), "calo": ("energy_gev", "views", "validation_events")}
    gen = c.choice(c.section(d, p, ("generator", "seed", "n_per_class", "chunk_size", "split",
                                    "grids", "energy_gev", "views", "validation_events")), "generator", p, GENERATORS)
    for other, keys in per_generator.items():
        for k in keys:
            if other != gen and k in d:
                c.fail(f"{p}.{k}", f"belongs to the {other} generator, not {gen}")
    c.integer(d, "seed", p, SEED_MIN, SEED_MAX)
    c.integer(d, "n_per_class", p, 1)
    c.integer(d, "chunk_size", p, 1)
    split = c.section(c.get(d, "split", p), f"{p}.split", ("train", "val", "test"))
    for k in ("train", "val", "test"):
        c.number(split, k, f"{p}.split", 0.0, 1.0, lo_open=True)
    if abs(sum(split.values()) - 1.0) > 1e-9:
        c.fail(f"{p}.split", f"fractions must add up to 1 (got {sum(split.values()):.3f})")
    if gen == "jets":
        for _, g, gp in c.named_sections(d, "grids", p, ("pixels", "half_width"), "{pixels, half_width}"):
            c.integer(g, "pixels", gp, 2, 128)
            c.number(g, "half_width", gp, 0.0, 3.0, lo_open=True)
    else:
        _check_calo(c, d, p)


def _check_calo(c, d, p):
    from physics.calo import E_MAX_SUPPORTED, E_MIN_SUPPORTED, ECAL_N_CELLS, ECAL_N_LAYERS

    e = c.get(d, "energy_gev", p)
    if (not isinstance(e, list) or len(e) != 2 or not all(isinstance(v, (int, float)) for v in e)
            or not E_MIN_SUPPORTED <= e[0] < e[1] <= E_MAX_SUPPORTED):
        c.fail(f"{p}.energy_gev", f"must be [min, max] with {E_MIN_SUPPORTED:g} <= min < max <= "
                                  f"{E_MAX_SUPPORTED:g} GeV, the range the shower parametrization supports (got {e!r})")
    c.integer(d, "validation_events", p, 0, default=0)
    for _, v, vp in c.named_sections(d, "views", p, ("segments", "pool"),
                                     "{segments: [[first, last+1], ...], pool: n}"):
        c.integer(v, "pool", vp, 1, ECAL_N_CELLS)
        segs = c.get(v, "segments", vp)
        if (not isinstance(segs, list) or not segs or
                not all(isinstance(sg, list) and len(sg) == 2 and all(isinstance(x, int) for x in sg)
                        and 0 <= sg[0] < sg[1] <= ECAL_N_LAYERS for sg in segs)):
            c.fail(f"{vp}.segments", f"must list ECAL layer ranges [first, last+1] within 0..{ECAL_N_LAYERS} "
                                     f"(got {segs!r})")


def _check_input(c, cfg):
    from physics import GENERATORS

    gen = GENERATORS[cfg["dataset"]["generator"]]
    images = gen.images(cfg["dataset"])
    inp = c.section(c.get(cfg, "input", ""), "input", ("image", "lsb_gev", "format"))
    image = c.get(inp, "image", "input")
    if image not in images:
        c.fail("input.image", f"must name one of the data set's images ({', '.join(images)}), got {image!r}")
    lsb = c.get(inp, "lsb_gev", "input")
    n_ch = images[image][2]
    ok = (isinstance(lsb, (int, float)) and not isinstance(lsb, bool) and lsb > 0) or (
        isinstance(lsb, list) and len(lsb) == n_ch and all(isinstance(v, (int, float)) and v > 0 for v in lsb))
    if not ok:
        c.fail("input.lsb_gev", f"must be a positive number or a list of {n_ch} (one per channel) (got {lsb!r})")
    c.fixed(inp, "format", "input", signed=False)
    unknown = [k for k in cfg["classes"] if k not in gen.classes]
    if unknown:
        c.fail("classes", f"'{unknown[0]}' is not made by the {cfg['dataset']['generator']} generator; "
                          f"it makes {', '.join(gen.classes)}")


def _check_architecture(c, layers, n_classes):
    p = "architecture"
    if not isinstance(layers, list) or not layers:
        c.fail(p, "must be a non-empty list of layers, e.g. '- conv: {filters: 4, kernel: 3}'")
    fields = {
        "conv": ("filters", "kernel", "strides", "padding", "weight", "bias"),
        "dense": ("units", "weight", "bias"),
        "relu": ("format",),
        "maxpool": ("size",),
        "avgpool": ("size",),
        "flatten": (),
    }
    for i, item in enumerate(layers):
        lp = f"{p}[{i}]"
        if not isinstance(item, dict) or len(item) != 1:
            c.fail(lp, f"must be one '<kind>: {{...}}' entry with kind one of {', '.join(LAYER_KINDS)}")
        kind, args = next(iter(item.items()))
        if kind not in fields:
            c.fail(lp, f"has unknown layer kind '{kind}'; use one of {', '.join(LAYER_KINDS)}")
        args = {} if args is None else args
        c.section(args, f"{lp}.{kind}", fields[kind])
        ap = f"{lp}.{kind}"
        if kind == "conv":
            c.integer(args, "filters", ap, 1, 256)
            c.integer(args, "kernel", ap, 1, 11)
            c.integer(args, "strides", ap, 1, 8, default=1)
            c.choice(args, "padding", ap, ("valid", "same"), default="valid")
        elif kind == "dense":
            c.integer(args, "units", ap, 1, 4096)
        elif kind == "relu":
            c.fixed(args, "format", ap, signed=False)
        elif kind in ("maxpool", "avgpool"):
            c.integer(args, "size", ap, 1, 8)
        for q, signed in (("weight", True), ("bias", True)):
            if q in args:
                c.fixed(args, q, ap, signed=signed)
        item[kind] = args
    last_kind, last = next(iter(layers[-1].items()))
    if last_kind != "dense" or last.get("units") != n_classes:
        c.fail(f"{p}[{len(layers) - 1}]", f"must be the logits layer 'dense: {{units: {n_classes}}}' (one per class)")


def validate(cfg: dict, source: str) -> dict:
    c = _Checker(source)
    top = ("name", "description", "classes", "dataset", "input", "architecture", "quantization",
           "training", "pruning", "hls", "budget")
    c.section(cfg, "", top)
    name = c.get(cfg, "name", "")
    if not isinstance(name, str) or not name.isidentifier():
        c.fail("name", f"must be an identifier like jet_cnn (got {name!r})")
    classes = c.get(cfg, "classes", "")
    if not isinstance(classes, list) or len(classes) < 2 or len(set(classes)) != len(classes):
        c.fail("classes", f"must list at least two distinct class names (got {classes!r})")
    _check_dataset(c, c.get(cfg, "dataset", ""))

    _check_input(c, cfg)

    _check_architecture(c, c.get(cfg, "architecture", ""), len(classes))

    q = c.section(c.get(cfg, "quantization", ""), "quantization", ("weight", "bias"))
    c.fixed(q, "weight", "quantization", signed=True)
    c.fixed(q, "bias", "quantization", signed=True)

    t = c.section(c.get(cfg, "training", ""), "training",
                  ("seed", "epochs", "batch_size", "learning_rate", "patience"))
    c.integer(t, "seed", "training", 0)
    c.integer(t, "epochs", "training", 1)
    c.integer(t, "batch_size", "training", 1)
    c.number(t, "learning_rate", "training", 0.0, 1.0, lo_open=True)
    c.integer(t, "patience", "training", 1)

    pr = c.section(c.get(cfg, "pruning", ""), "pruning", ("target_sparsity", "epochs", "learning_rate"))
    c.number(pr, "target_sparsity", "pruning", 0.0, 0.95)
    c.integer(pr, "epochs", "pruning", 1)
    c.number(pr, "learning_rate", "pruning", 0.0, 1.0, lo_open=True)

    h = c.section(c.get(cfg, "hls", ""), "hls",
                  ("backend", "part", "clock_period_ns", "io_type", "strategy", "reuse_factor", "max_ii_cycles"))
    c.choice(h, "backend", "hls", BACKENDS)
    if not isinstance(c.get(h, "part", "hls"), str):
        c.fail("hls.part", "must be an FPGA part name like xcvu13p-flga2577-2-e")
    c.number(h, "clock_period_ns", "hls", 0.5, 100.0)
    c.choice(h, "io_type", "hls", IO_TYPES)
    c.choice(h, "strategy", "hls", STRATEGIES)
    c.integer(h, "reuse_factor", "hls", 1, 4096)
    c.integer(h, "max_ii_cycles", "hls", 1, 4096, default=1)

    b = c.section(c.get(cfg, "budget", ""), "budget", ("latency_ns", "rate_mhz", "resource_share"))
    c.number(b, "latency_ns", "budget", 0.0, lo_open=True)
    c.number(b, "rate_mhz", "budget", 0.0, 1000.0, lo_open=True)
    c.number(b, "resource_share", "budget", 0.0, 1.0, lo_open=True)
    return cfg


def shipped_models() -> list[str]:
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def load(name_or_path) -> dict:
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
        cfg = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path}: malformed YAML{where}: {getattr(e, 'problem', e)}") from None
    if not isinstance(cfg, dict):
        raise UserError(f"{path}: must be a YAML mapping with name, dataset, architecture, ...")
    return validate(cfg, str(path))


def fingerprint(*parts) -> str:
    """Stable short hash of config sections (and artifact hashes): the cache key of a stage."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def section(cfg, *keys) -> dict:
    return copy.deepcopy({k: cfg[k] for k in keys})
