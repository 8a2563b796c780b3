"""The typed model config: what validation returns, fully defaulted. Stages read attributes
(`cfg.training.epochs`, `cfg.hls.part`), never raw YAML; `section()` gives the plain dicts a
stage's cache key hashes."""

from dataclasses import asdict, dataclass, fields, is_dataclass

from hls.settings import HlsSettings


@dataclass(frozen=True)
class Dataset:
    generator: str
    seed: int
    n_per_class: int
    chunk_size: int
    split: dict                 # {"train": f, "val": f, "test": f}, adding up to 1
    params: dict                # the generator's own fields (physics.GENERATORS[generator].fields)

    def as_dict(self) -> dict:
        """The flat `dataset:` mapping the generators read (and the data key hashes)."""
        return {"generator": self.generator, "seed": self.seed, "n_per_class": self.n_per_class,
                "chunk_size": self.chunk_size, "split": dict(self.split), **self.params}


@dataclass(frozen=True)
class InputSpec:
    image: str
    lsb_gev: object             # GeV per count: a number, or a list with one per channel
    format: str                 # the firmware's input word, e.g. ap_ufixed<10,2>

    def as_dict(self) -> dict:
        return {"image": self.image, "lsb_gev": self.lsb_gev, "format": self.format}


@dataclass(frozen=True)
class Quantization:
    weight: str
    bias: str


@dataclass(frozen=True)
class Training:
    seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    patience: int


@dataclass(frozen=True)
class Pruning:
    target_sparsity: float
    epochs: int
    learning_rate: float


@dataclass(frozen=True)
class Budget:
    latency_ns: float           # from input to decision
    rate_mhz: float             # the bunch-crossing rate the II must sustain
    resource_share: float       # share of the part's LUT, FF, DSP and BRAM the model may use


@dataclass(frozen=True)
class Rtl:
    """The open RTL flow (`l1cnn rtl`): which firmware variants become Verilog (each simulated on the
    whole test set), which of them Yosys synthesizes (minutes per 100k LUTs), and the logic delay each
    pipeline stage may hold (None: hls.rtl.STAGE_DELAY_SHARE of the clock period)."""
    variants: tuple = ("pruned", "qat")
    synthesize: tuple = ("pruned",)
    stage_delay_ns: object = None


@dataclass(frozen=True)
class ModelConfig:
    name: str
    description: str
    classes: tuple
    dataset: Dataset
    input: InputSpec
    architecture: tuple         # ((kind, {field: value}), ...), every field defaulted
    quantization: Quantization
    training: Training
    pruning: Pruning
    hls: HlsSettings
    budget: Budget
    rtl: Rtl = Rtl()
    scan: object = None         # config.scan.Scan: the design space `l1cnn scan` searches (None: not given)
    source: str = ""            # the file it was read from

    def section(self, *names) -> dict:
        """Plain (JSON-able) copies of the named sections, for cache keys and reports."""
        return {n: plain(getattr(self, n)) for n in names}


def _raw_layers(layers) -> list:
    out = []
    from models.builder import BLOCK_KINDS

    for kind, args in layers:
        if kind in BLOCK_KINDS:  # fields of layer lists (branches: a list of them); an absent one is ()
            args = {f: ([_raw_layers(b) for b in v] if f == "branches" else _raw_layers(v))
                    for f, v in args.items() if v != ()}
        else:
            args = {f: v for f, v in args.items() if v is not None}
        out.append({kind: args})
    return out


def as_raw(cfg: ModelConfig) -> dict:
    """The YAML form of a config, every default written out: validate(as_raw(cfg)) gives cfg back."""
    return {"name": cfg.name, "description": cfg.description, "classes": list(cfg.classes),
            "dataset": plain(cfg.dataset), "input": plain(cfg.input), "architecture": _raw_layers(cfg.architecture),
            "quantization": plain(cfg.quantization), "training": plain(cfg.training),
            "pruning": plain(cfg.pruning), "hls": plain(cfg.hls), "budget": plain(cfg.budget),
            "rtl": {k: v for k, v in plain(cfg.rtl).items() if v is not None}}


def plain(value):
    """A dataclass/tuple tree as plain dicts and lists."""
    if is_dataclass(value):
        if hasattr(value, "as_dict"):
            return plain(value.as_dict())
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


__all__ = ["as_raw", "Dataset", "InputSpec", "Quantization", "Training", "Pruning", "Budget", "ModelConfig", "plain", "asdict"]
