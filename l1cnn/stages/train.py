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
    return cache.make_key("train", dkey, cfg.section("classes", "input", "architecture", "quantization", "training"))


def build(cfg, quantized: bool):
    from models import builder

    try:
        return builder.build(cfg.architecture, dataset.image_shape(cfg), cfg.input.format, cfg.name, quantized)
    except builder.ArchitectureError as e:
        raise UserError(f"{cfg.source}: architecture: {e}") from None


def _xy(cfg, split, quantized):
    return dataset.model_inputs(cfg, split, quantized), split.labels


def run(cfg, force=False) -> str:
    key = train_key(cfg)
    name, t = cfg.name, cfg.training
    outputs = [paths.keras_model(name, v) for v in ("float", "qat")]
    if not force and all(cache.is_current(p, key) for p in outputs):
        info("train", f"{name}: float and quantized models are up to date")
        return key
    from models import io, training

    train, val = dataset.load(cfg, "train"), dataset.load(cfg, "val")
    info("train", f"{name}: {len(train)} training / {len(val)} validation examples")
    hp = dict(epochs=t.epochs, batch_size=t.batch_size, learning_rate=t.learning_rate,
              patience=t.patience, seed=t.seed)
    ckpt = paths.artifact_dir(name) / "checkpoints"
    histories = {}

    training.seed_everything(t.seed)
    float_model = build(cfg, quantized=False)
    info("train", f"{name}: float baseline, {float_model.count_params()} parameters, up to {t.epochs} epochs")
    histories["float"] = training.fit(float_model, _xy(cfg, train, False), _xy(cfg, val, False),
                                      checkpoint=ckpt / "float.h5", **hp)

    training.seed_everything(t.seed)
    qat_model = build(cfg, quantized=True)
    qat_model.set_weights(float_model.get_weights())
    info("train", f"{name}: quantization-aware QKeras model, initialised from the float weights")
    histories["qat"] = training.fit(qat_model, _xy(cfg, train, True), _xy(cfg, val, True),
                                    checkpoint=ckpt / "qat.h5", **hp)

    io.save(float_model, outputs[0])
    io.save(qat_model, outputs[1])
    write_json(paths.artifact_dir(name) / "train_history.json", histories)
    for p in outputs:
        cache.write(p, key)
    info("train", f"{name}: wrote {outputs[0]} and {outputs[1]}")
    return key
