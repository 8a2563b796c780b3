"""Validation of a model config mapping into one typed, fully defaulted ModelConfig.

Each part of the schema comes from the layer that owns it: the generator's own dataset fields
from physics.GENERATORS, the layer kinds from models.builder.LAYER_KINDS, the HLS settings and
their defaults from hls.settings, the parts from hls.parts. Every error is one line naming the
file, the field and the fix.
"""

from dataclasses import replace

from common.checks import Checker, is_number
from hls.parts import UnknownPart, lookup
from hls.settings import BACKENDS, DEFAULTS, IO_TYPES, MAX_REUSE_FACTOR, STRATEGIES, HlsSettings
from l1cnn.config.scan import scan_section
from l1cnn.config.schema import Budget, Dataset, InputSpec, ModelConfig, Pruning, Quantization, Rtl, Training
from l1cnn.dataset import SPLITS
from models.builder import BLOCK_KINDS, LAYER_KINDS, check_fixed, walk
from physics import GENERATORS, SEED_MAX, SEED_MIN

NUMPY_SEED_MAX = 2 ** 32 - 1  # training seeds go to numpy (and TensorFlow), which take 0..2^32-1
TOP_FIELDS = ("name", "description", "classes", "dataset", "input", "architecture", "quantization",
              "training", "pruning", "hls", "budget", "rtl", "scan")
DATASET_FIELDS = ("generator", "seed", "n_per_class", "chunk_size", "split")


def _dataset(c, d) -> Dataset:
    p = "dataset"
    own = sorted({f for g in GENERATORS.values() for f in g.fields})
    c.section(d, p, DATASET_FIELDS + tuple(own))
    gen_name = c.choice(d, "generator", p, tuple(GENERATORS))
    gen = GENERATORS[gen_name]
    for k in own:
        if k in d and k not in gen.fields:
            owner = next(n for n, g in GENERATORS.items() if k in g.fields)
            c.fail(f"{p}.{k}", f"belongs to the {owner} generator, not {gen_name}")
    split = c.section(c.get(d, "split", p), f"{p}.split", SPLITS)
    split = {k: c.number(split, k, f"{p}.split", 0.0, 1.0, lo_open=True) for k in SPLITS}
    if abs(sum(split.values()) - 1.0) > 1e-9:
        c.fail(f"{p}.split", f"fractions must add up to 1 (got {sum(split.values()):.3f})")
    return Dataset(gen_name, c.integer(d, "seed", p, SEED_MIN, SEED_MAX), c.integer(d, "n_per_class", p, 1),
                   c.integer(d, "chunk_size", p, 1), split, gen.check_config(c, d, p))


def _input(c, d, dataset: Dataset, classes) -> InputSpec:
    gen = GENERATORS[dataset.generator]
    images = gen.images(dataset.as_dict())
    inp = c.section(d, "input", ("image", "lsb_gev", "format"))
    image = c.get(inp, "image", "input")
    if not isinstance(image, str) or image not in images:
        c.fail("input.image", f"must name one of the data set's images ({', '.join(images)}), got {image!r}")
    lsb = c.get(inp, "lsb_gev", "input")
    n_ch = images[image][2]
    if is_number(lsb) and lsb > 0:
        lsb = float(lsb)
    elif isinstance(lsb, list) and len(lsb) == n_ch and all(is_number(v) and v > 0 for v in lsb):
        lsb = [float(v) for v in lsb]
    else:
        c.fail("input.lsb_gev", f"must be a positive number or a list of {n_ch} (one per channel) (got {lsb!r})")
    unknown = [k for k in classes if k not in gen.classes]
    if unknown:
        c.fail("classes", f"'{unknown[0]}' is not made by the {dataset.generator} generator; "
                          f"it makes {', '.join(gen.classes)}")
    return InputSpec(image, lsb, check_fixed(c, inp, "format", "input", signed=False))


def _layer_list(c, layers, p, quantization: Quantization) -> tuple:
    """A list of layers (and blocks, whose branches are layer lists of their own), normalized."""
    kinds = ", ".join((*LAYER_KINDS, *BLOCK_KINDS))
    if not isinstance(layers, list) or not layers:
        c.fail(p, "must be a non-empty list of layers, e.g. '- conv: {filters: 4, kernel: 3}'")
    out = []
    for i, item in enumerate(layers):
        lp = f"{p}[{i}]"
        if not isinstance(item, dict) or len(item) != 1:
            c.fail(lp, f"must be one '<kind>: {{...}}' entry with kind one of {kinds}")
        kind, args = next(iter(item.items()))
        ap = f"{lp}.{kind}"
        if kind in BLOCK_KINDS:
            out.append((kind, _block(c, kind, args, ap, quantization)))
            continue
        if kind not in LAYER_KINDS:
            c.fail(lp, f"has unknown layer kind '{kind}'; use one of {kinds}")
        args = c.section({} if args is None else args, ap, LAYER_KINDS[kind].fields)
        args = LAYER_KINDS[kind].check(c, args, ap)
        for q in ("weight", "bias"):  # per-layer formats default to the quantization section
            if q in args and args[q] is None:
                args[q] = getattr(quantization, q)
        out.append((kind, args))
    return tuple(out)


def _block(c, kind, args, ap, quantization) -> dict:
    block = BLOCK_KINDS[kind]
    if not isinstance(args, dict):
        c.fail(ap, f"must be a mapping like {block.example}")
    c.section(args, ap, block.fields)
    out = {}
    for f in block.fields:
        if f not in args and f not in block.required:
            out[f] = ()  # an absent branch passes the input through
        elif f == "branches":
            branches = c.get(args, f, ap)
            if not isinstance(branches, list) or len(branches) < 2:
                c.fail(f"{ap}.{f}", f"must list at least two branches, each a layer list (got {branches!r})")
            out[f] = tuple(_layer_list(c, b, f"{ap}.{f}[{i}]", quantization) for i, b in enumerate(branches))
        else:
            out[f] = _layer_list(c, c.get(args, f, ap), f"{ap}.{f}", quantization)
    return out


def _architecture(c, layers, n_classes, quantization: Quantization) -> tuple:
    p = "architecture"
    out = _layer_list(c, layers, p, quantization)
    last_kind, last = out[-1]
    if last_kind != "dense" or last.get("units") != n_classes:
        c.fail(f"{p}[{len(out) - 1}]", f"must be the logits layer 'dense: {{units: {n_classes}}}' (one per class)")
    return out


def hls_settings(c, h, path="hls", layer_names=None) -> HlsSettings:
    """The HLS section (also used for command-line flags); omitted fields take hls.settings.DEFAULTS."""
    known = tuple(DEFAULTS.as_dict())
    c.section(h, path, known)
    d = DEFAULTS
    part = c.string(h, "part", path, f"an FPGA part name like {d.part}", default=d.part)
    try:
        lookup(part)
    except UnknownPart as e:
        c.fail(f"{path}.part", f"is not a known FPGA part: {e}")
    per_layer = c.get(h, "layer_reuse_factors", path, default={})
    if not isinstance(per_layer, dict):
        c.fail(f"{path}.layer_reuse_factors", f"must map a layer name to a reuse factor (got {per_layer!r})")
    for name in per_layer:
        c.integer(per_layer, name, f"{path}.layer_reuse_factors", 1, MAX_REUSE_FACTOR)
        if layer_names is not None and name not in layer_names:
            c.fail(f"{path}.layer_reuse_factors.{name}", f"names no layer with weights; those are: "
                                                          f"{', '.join(layer_names)}")
    return HlsSettings(
        backend=c.choice(h, "backend", path, BACKENDS, default=d.backend), part=part,
        clock_period_ns=c.number(h, "clock_period_ns", path, 0.5, 100.0, default=d.clock_period_ns),
        io_type=c.choice(h, "io_type", path, IO_TYPES, default=d.io_type),
        strategy=c.choice(h, "strategy", path, STRATEGIES, default=d.strategy),
        reuse_factor=c.integer(h, "reuse_factor", path, 1, MAX_REUSE_FACTOR, default=d.reuse_factor),
        max_ii_cycles=c.integer(h, "max_ii_cycles", path, 1, MAX_REUSE_FACTOR, default=d.max_ii_cycles),
        layer_reuse_factors=dict(per_layer))


RTL_VARIANTS = ("pruned", "qat")  # the bit-exact firmware variants (the float one is not a fixed-point circuit)


def _rtl(c, r, hls) -> Rtl:
    p, d = "rtl", Rtl()

    def variants(key, default, allow_empty):
        v = c.get(r, key, p, default=list(default))
        if (not isinstance(v, list) or (not v and not allow_empty) or any(x not in RTL_VARIANTS for x in v)
                or len(set(v)) != len(v)):
            c.fail(f"{p}.{key}", f"must list {'' if allow_empty else 'one or more '}of {', '.join(RTL_VARIANTS)}, "
                                 f"each once (got {v!r})")
        return tuple(v)
    c.section(r, p, ("variants", "synthesize", "stage_delay_ns"))
    traced = variants("variants", d.variants, False)
    synth = variants("synthesize", [v for v in d.synthesize if v in traced], True)
    if set(synth) - set(traced):
        c.fail(f"{p}.synthesize", f"lists {', '.join(sorted(set(synth) - set(traced)))}, which rtl.variants does not")
    delay = r.get("stage_delay_ns")
    if delay is not None:
        delay = c.number(r, "stage_delay_ns", p, 0.0, hls.clock_period_ns, lo_open=True)
    return Rtl(traced, synth, delay)


def validate(raw: dict, source: str) -> ModelConfig:
    c = Checker(source)
    c.section(raw, "", TOP_FIELDS)
    name = c.get(raw, "name", "")
    if not isinstance(name, str) or not name.isidentifier():
        c.fail("name", f"must be an identifier like jet_cnn (got {name!r})")
    description = c.get(raw, "description", "", default="")
    if not isinstance(description, str):
        c.fail("description", f"must be text (got {description!r})")
    classes = c.get(raw, "classes", "")
    if (not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(k, str) for k in classes)
            or len(set(classes)) != len(classes)):
        c.fail("classes", f"must list at least two distinct class names (got {classes!r})")
    dataset = _dataset(c, c.get(raw, "dataset", ""))
    inp = _input(c, c.get(raw, "input", ""), dataset, classes)

    q = c.section(c.get(raw, "quantization", ""), "quantization", ("weight", "bias"))
    quant = Quantization(check_fixed(c, q, "weight", "quantization", signed=True),
                         check_fixed(c, q, "bias", "quantization", signed=True))
    arch = _architecture(c, c.get(raw, "architecture", ""), len(classes), quant)

    t = c.section(c.get(raw, "training", ""), "training", ("seed", "epochs", "batch_size", "learning_rate", "patience"))
    training = Training(c.integer(t, "seed", "training", 0, NUMPY_SEED_MAX), c.integer(t, "epochs", "training", 1),
                        c.integer(t, "batch_size", "training", 1),
                        c.number(t, "learning_rate", "training", 0.0, 1.0, lo_open=True),
                        c.integer(t, "patience", "training", 1))
    pr = c.section(c.get(raw, "pruning", ""), "pruning", ("target_sparsity", "epochs", "learning_rate"))
    pruning = Pruning(c.number(pr, "target_sparsity", "pruning", 0.0, 0.95), c.integer(pr, "epochs", "pruning", 1),
                      c.number(pr, "learning_rate", "pruning", 0.0, 1.0, lo_open=True))
    weighted = [n for kind, _, n in walk(arch) if kind in LAYER_KINDS and LAYER_KINDS[kind].weighted]
    hls = hls_settings(c, c.get(raw, "hls", "", default={}), layer_names=weighted)
    b = c.section(c.get(raw, "budget", ""), "budget", ("latency_ns", "rate_mhz", "resource_share"))
    budget = Budget(c.number(b, "latency_ns", "budget", 0.0, lo_open=True),
                    c.number(b, "rate_mhz", "budget", 0.0, 1000.0, lo_open=True),
                    c.number(b, "resource_share", "budget", 0.0, 1.0, lo_open=True))
    cfg = ModelConfig(name, description, tuple(classes), dataset, inp, arch, quant, training, pruning, hls, budget,
                      rtl=_rtl(c, c.get(raw, "rtl", "", default={}), hls), source=source)
    if "scan" in raw:  # validated last: every value of the space is tried on the complete config
        cfg = replace(cfg, scan=scan_section(c, raw["scan"], cfg, lambda derived: validate(derived, source)))
    return cfg
