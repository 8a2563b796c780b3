"""Stage `train`: the float baseline, then the quantization-aware QKeras model.

The QKeras model starts from the float weights (same shapes) and is trained on
the quantized inputs the firmware will read.
"""

from common.atomic import write_json
from common.log import info
from l1cnn import cache, dataset, paths
from l1cnn.errors import UserError


def train_key(cfg) -> str:
    dkey = cache.require(dataset.data_path(cfg), "data file", f"make data MODEL={cfg.name}")
    from models.training import THREADS

    return cache.make_key("train", dkey, cfg.section("classes", "input", "architecture", "quantization", "training"),
                          {"threads": THREADS})


def build(cfg, quantized: bool):
    from models import builder

    try:
        return builder.build(cfg.architecture, dataset.image_shape(cfg), cfg.input.format, cfg.name, quantized)
    except builder.ArchitectureError as e:
        raise UserError(f"{cfg.source}: architecture: {e}") from None


def _xy(cfg, split, quantized):
    return dataset.model_inputs(cfg, split, quantized), split.labels


def fit_models(cfg, train, val, checkpoint_dir=None, verbose=None):
    """The float baseline, then the QKeras model initialised from its weights: (float, qat, histories).
    In memory; `run` writes them (a design-space scan point keeps them in memory)."""
    from models import training

    t = cfg.training
    hp = dict(epochs=t.epochs, batch_size=t.batch_size, learning_rate=t.learning_rate,
              patience=t.patience, seed=t.seed, verbose=verbose)
    ckpt = {v: None if checkpoint_dir is None else checkpoint_dir / f"{v}.h5" for v in ("float", "qat")}
    histories = {}
    training.seed_everything(t.seed)
    float_model = build(cfg, quantized=False)
    info("train", f"{cfg.name}: float baseline, {float_model.count_params()} parameters, up to {t.epochs} epochs")
    histories["float"] = training.fit(float_model, _xy(cfg, train, False), _xy(cfg, val, False),
                                      checkpoint=ckpt["float"], **hp)

    training.seed_everything(t.seed)
    qat_model = build(cfg, quantized=True)
    qat_model.set_weights(float_model.get_weights())
    info("train", f"{cfg.name}: quantization-aware QKeras model, initialised from the float weights")
    histories["qat"] = training.fit(qat_model, _xy(cfg, train, True), _xy(cfg, val, True),
                                    checkpoint=ckpt["qat"], **hp)
    return float_model, qat_model, histories


def run(cfg, force=False) -> str:
    key = train_key(cfg)
    name = cfg.name
    outputs = [paths.keras_model(name, v) for v in ("float", "qat")]
    if not force and all(cache.is_current(p, key) for p in outputs):
        info("train", f"{name}: float and quantized models are up to date")
        return key
    from models import io

    train, val = dataset.load(cfg, "train"), dataset.load(cfg, "val")
    info("train", f"{name}: {len(train)} training / {len(val)} validation examples")
    float_model, qat_model, histories = fit_models(cfg, train, val, paths.artifact_dir(name) / "checkpoints")
    io.save(float_model, outputs[0])
    io.save(qat_model, outputs[1])
    write_json(paths.artifact_dir(name) / "train_history.json", histories)
    for p in outputs:
        cache.write(p, key)
    info("train", f"{name}: wrote {outputs[0]} and {outputs[1]}")
    return key
