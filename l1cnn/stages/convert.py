"""Stage `convert`: hls4ml HLS C++ projects for the quantized+pruned model (the deliverable), the
quantized model before pruning, and the float baseline (hls4ml's default types), to compare them."""

from l1cnn import paths, stamp
from l1cnn.config import section
from l1cnn.log import info

# variant -> (Keras model it converts, exact per-layer types?)
FIRMWARE_VARIANTS = {"pruned": True, "qat": True, "float": False}


def convert_key(cfg, variant) -> str:
    upstream = stamp.require(paths.keras_model(cfg["name"], variant), f"{variant} model",
                             f"make {'prune' if variant == 'pruned' else 'train'} MODEL={cfg['name']}")
    return stamp.make_key("convert", variant, upstream, section(cfg, "hls", "input"))


def firmware_keys(cfg) -> list:
    """The convert key of every firmware variant; a one-line error when a project is missing."""
    for variant in FIRMWARE_VARIANTS:
        stamp.require(paths.firmware_dir(cfg["name"], variant), f"{variant} firmware project",
                      f"make convert MODEL={cfg['name']}")
    return [convert_key(cfg, v) for v in FIRMWARE_VARIANTS]


def run(cfg, force=False) -> dict:
    from hls.convert import write_project
    from models import io

    name, keys = cfg["name"], {}
    for variant, exact in FIRMWARE_VARIANTS.items():
        key = convert_key(cfg, variant)
        out = paths.firmware_dir(name, variant)
        keys[variant] = key
        if not force and stamp.is_current(out, key):
            info("convert", f"{name}/{variant}: {out} is up to date")
            continue
        model = io.load(paths.keras_model(name, variant))
        settings = write_project(model, cfg["hls"], out, exact, stamp=key[:8])
        stamp.write(out, key)
        info("convert", f"{name}/{variant}: wrote HLS project {out} "
                        f"({settings['hls']['io_type']}, {settings['hls']['strategy']}, "
                        f"reuse factor {settings['hls']['reuse_factor']})")
    return keys
