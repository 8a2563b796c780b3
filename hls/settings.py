"""The HLS target and implementation settings of a firmware project: one typed record, one set of
defaults, used by the config, `verify`, `estimate`, `sweep` and the conversion alike."""

from dataclasses import asdict, dataclass, field, replace

BACKENDS = ("Vitis", "Vivado")
IO_TYPES = ("io_parallel", "io_stream")
STRATEGIES = ("Latency", "Resource")
MAX_REUSE_FACTOR = 4096


@dataclass(frozen=True)
class HlsSettings:
    backend: str = "Vitis"
    part: str = "xcvu13p-flga2577-2-e"   # a Virtex UltraScale+ VU13P, the CMS Phase-2 Level-1 trigger FPGA
    clock_period_ns: float = 5.0          # 200 MHz
    io_type: str = "io_parallel"
    strategy: str = "Latency"
    reuse_factor: int = 1
    # io_parallel convs may compute their output pixels in up to this many partitions (cycles per event)
    max_ii_cycles: int = 1
    layer_reuse_factors: dict = field(default_factory=dict)  # {layer name: reuse factor}, overrides reuse_factor

    def reuse_factor_of(self, layer_name: str) -> int:
        return int(self.layer_reuse_factors.get(layer_name, self.reuse_factor))

    def with_(self, **changes) -> "HlsSettings":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULTS = HlsSettings()
