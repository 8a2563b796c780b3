"""The layer graph of a Keras model, as hls4ml can express it (an analysis: it changes nothing).

hls4ml converts one input, one output, and each layer applied once; branches that meet again in an
`Add` or `Concatenate` (residual and inception blocks) are fine. `edges(model)` gives every layer's
inbound layers (by name) in the model's topological order, for Sequential and functional models alike,
and refuses any other graph with the layer and the reason.
"""

from common.errors import L1CNNError

MERGES = ("Add", "Concatenate")  # the merge layers l1cnn types exactly


class UnsupportedGraph(L1CNNError, ValueError):
    """A graph hls4ml cannot express; the message names the layer and what to use instead."""


def edges(model) -> dict:
    """{layer name: [inbound layer names]}, in model.layers order (the first layer of a Sequential model
    without an InputLayer reads the model input: [])."""
    import tensorflow as tf

    if isinstance(model, tf.keras.Sequential):
        names = [l.name for l in model.layers]
        return {n: ([names[i - 1]] if i else []) for i, n in enumerate(names)}
    cfg = model.get_config()
    if len(cfg.get("input_layers", [])) != 1 or len(cfg.get("output_layers", [])) != 1:
        raise UnsupportedGraph(f"model '{model.name}' has {len(cfg.get('input_layers', []))} inputs and "
                               f"{len(cfg.get('output_layers', []))} outputs; hls4ml firmware reads one input and "
                               f"writes one output: split it into one model per output")
    out = {}
    for entry in cfg["layers"]:
        nodes = entry.get("inbound_nodes") or []
        if len(nodes) > 1:
            raise UnsupportedGraph(f"layer '{entry['name']}' is applied {len(nodes)} times (shared weights); hls4ml "
                                   f"converts each layer once: use a separate layer for each use")
        inbound = nodes[0] if nodes else []
        if isinstance(inbound, dict):  # a Keras 3 style node
            raise UnsupportedGraph(f"layer '{entry['name']}': a Keras 3 model config; save it with TensorFlow 2.14")
        out[entry["name"]] = [item[0] for item in inbound]
    return out


def consumers(model) -> dict:
    """{layer name: [names of the layers reading its output]}."""
    users = {l.name: [] for l in model.layers}
    for name, ins in edges(model).items():
        for i in ins:
            users[i].append(name)
    return users


def check(model) -> dict:
    """edges(model), after refusing multi-input layers other than the supported merges."""
    e = edges(model)
    by_name = {l.name: l for l in model.layers}
    for name, ins in e.items():
        kind = type(by_name[name]).__name__
        if len(ins) > 1 and kind not in MERGES:
            raise UnsupportedGraph(f"layer '{name}' ({kind}) reads {len(ins)} tensors; only "
                                   f"{' and '.join(MERGES)} may join branches")
    return e
