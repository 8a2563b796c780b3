"""Stage `prune`: magnitude pruning of the QKeras model with tensorflow-model-optimization.

Only convolution and dense kernels are pruned (QKeras layers implement tfmot's
PrunableLayer; a separable convolution prunes both its kernels); sparsity ramps polynomially to the target during fine-tuning,
then the pruning wrappers are stripped. Reported sparsity counts weights that
are exactly zero after quantization: what the firmware sees.
"""

import numpy as np

from common.atomic import write_json
from common.log import info
from l1cnn import cache, dataset, paths

PRUNABLE = ("QConv2D", "QConv1D", "QDepthwiseConv2D", "QSeparableConv1D", "QSeparableConv2D", "QDense",
            "Conv2D", "Conv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Dense")
KERNELS = (("kernel", "kernel_quantizer_internal"), ("depthwise_kernel", "depthwise_quantizer_internal"),
           ("pointwise_kernel", "pointwise_quantizer_internal"))  # (weight, its QKeras quantizer)


def prune_key(cfg) -> str:
    tkey = cache.require(paths.keras_model(cfg.name, "qat"), "quantized model", f"make train MODEL={cfg.name}")
    return cache.make_key("prune", tkey, cfg.section("pruning"))


def layer_sparsity(model) -> dict:
    """{layer: {'weights': n, 'zeros': n, 'sparsity': f}} of the quantized kernels."""
    out = {}
    for layer in model.layers:
        if type(layer).__name__ not in PRUNABLE:
            continue
        ws = []
        for kernel, quantizer in KERNELS:
            if hasattr(layer, kernel):
                q = getattr(layer, quantizer, None)
                w = getattr(layer, kernel)
                ws.append(np.asarray(q(w) if q is not None else w).ravel())
        w = np.concatenate(ws)
        zeros = int(np.sum(w == 0))
        out[layer.name] = {"weights": int(w.size), "zeros": zeros, "sparsity": zeros / w.size}
    return out


def prune_model(cfg, qat, train, val, verbose=None):
    """The QKeras model pruned to cfg.pruning.target_sparsity, in memory: (pruned, history, sparsity)."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    from models import training

    p, t = cfg.pruning, cfg.training
    x, xv = (dataset.model_inputs(cfg, s, True) for s in (train, val))
    steps = -(-len(x) // t.batch_size) * p.epochs
    # Ramp over the first 70% of the steps, then fine-tune at the target; prune at least 20 times
    # (tfmot's default frequency of 100 steps never fires on a short run).
    end = max(1, int(0.7 * steps))
    schedule = tfmot.sparsity.keras.PolynomialDecay(initial_sparsity=0.0, final_sparsity=p.target_sparsity,
                                                    begin_step=0, end_step=end, frequency=max(1, end // 20))

    def wrap(layer):
        if type(layer).__name__ in PRUNABLE:
            return tfmot.sparsity.keras.prune_low_magnitude(layer, pruning_schedule=schedule)
        return layer.__class__.from_config(layer.get_config())

    training.seed_everything(t.seed)
    wrapped = tf.keras.models.clone_model(qat, clone_function=wrap)
    _copy_weights(qat, wrapped)
    info("prune", f"{cfg.name}: pruning to {p.target_sparsity:.0%} over {p.epochs} epochs")
    history = training.fit(wrapped, (x, train.labels), (xv, val.labels), epochs=p.epochs,
                           batch_size=t.batch_size, learning_rate=p.learning_rate, patience=p.epochs,
                           seed=t.seed, early_stopping=False, verbose=verbose,
                           extra_callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
    pruned = tfmot.sparsity.keras.strip_pruning(wrapped)
    return pruned, history, layer_sparsity(pruned)


def run(cfg, force=False) -> str:
    key = prune_key(cfg)
    name, p = cfg.name, cfg.pruning
    out = paths.keras_model(name, "pruned")
    if not force and cache.is_current(out, key):
        info("prune", f"{name}: pruned model is up to date")
        return key
    from models import io, training

    training.hold_threads()  # before the QKeras model is loaded
    qat = io.load(paths.keras_model(name, "qat"))
    train, val = dataset.load(cfg, "train"), dataset.load(cfg, "val")
    pruned, history, sparsity = prune_model(cfg, qat, train, val)
    io.save(pruned, out)
    write_json(paths.artifact_dir(name) / "prune.json", {"history": history, "sparsity": sparsity,
                                                          "target_sparsity": p.target_sparsity})
    cache.write(out, key)
    for layer, s in sparsity.items():
        info("prune", f"{name}: {layer}: {s['sparsity']:.1%} of {s['weights']} weights are zero")
    return key


def _copy_weights(src, dst):
    """Copy kernels/biases layer by layer, by name (the pruning wrappers add mask variables)."""
    inner = {getattr(b, "layer", b).name: getattr(b, "layer", b) for b in dst.layers}
    for a in src.layers:
        if a.weights:
            inner[a.name].set_weights(a.get_weights())
