"""Stage `convert`: hls4ml HLS C++ projects for the quantized+pruned model (the deliverable), the
quantized model before pruning, and the float baseline (hls4ml's default types), to compare them."""

from common.log import info
from l1cnn import cache, paths
from l1cnn.errors import UserError

# variant -> exact per-layer types? (the float baseline keeps hls4ml's defaults)
FIRMWARE_VARIANTS = {"pruned": True, "qat": True, "float": False}


def convert_key(cfg, variant) -> str:
    upstream = cache.require(paths.keras_model(cfg.name, variant), f"{variant} model",
                             f"make {'prune' if variant == 'pruned' else 'train'} MODEL={cfg.name}")
    return cache.make_key("convert", variant, upstream, cfg.section("hls", "input"))


def firmware_keys(cfg) -> list:
    """The convert key of every firmware variant; a one-line error when a project is missing or stale."""
    keys = []
    for variant in FIRMWARE_VARIANTS:
        key = convert_key(cfg, variant)
        cache.require_current(paths.firmware_dir(cfg.name, variant), key, f"{variant} firmware project",
                              f"make convert MODEL={cfg.name}")
        keys.append(key)
    return keys


def run(cfg, force=False) -> dict:
    from hls.convert import reuse_factors_used, write_project
    from hls.prepare import NOT_EXACT, prepare
    from models import io

    name, keys = cfg.name, {}
    for variant, exact in FIRMWARE_VARIANTS.items():
        key = convert_key(cfg, variant)
        out = paths.firmware_dir(name, variant)
        keys[variant] = key
        if not force and cache.is_current(out, key):
            info("convert", f"{name}/{variant}: {out} is up to date")
            continue
        model_file = paths.keras_model(name, variant)
        try:
            prepared = prepare(io.load(model_file), exact=exact)
        except NOT_EXACT as e:
            raise UserError(f"{model_file}: {e}") from None
        settings = write_project(prepared, cfg.hls, out, stamp=key[:8])
        cache.write(out, key)
        info("convert", f"{name}/{variant}: wrote HLS project {out} ({cfg.hls.io_type}, {cfg.hls.strategy}, "
                        f"reuse factors used {reuse_factors_used(settings['layer_reuse_factors'])})")
    return keys
