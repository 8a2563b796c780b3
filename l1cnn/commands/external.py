"""`l1cnn external LIST.yaml`: verify models other people trained, each beside hls4ml's own default
conversion on the same inputs, into one JSON summary and a Markdown table.

The list names, per model: its file (relative to --root), the declared input format, the inputs
(a shipped .npy file, or uniform/normal random numbers with a count), the io type and what to
expect (bit-exact, or measured for models with float arithmetic). The results are external.json, not
summary.json: reports/*/summary.json are model reports, which reports/index.md gathers.
"""

import json
from pathlib import Path

import numpy as np
import yaml
from tqdm import tqdm

from common.atomic import write_json, write_text
from l1cnn.errors import UserError

EXPECTATIONS = ("bit-exact", "measured")
INPUT_KINDS = ("file", "uniform", "normal")
MIN_MEASURED_ARGMAX = 0.999  # a model with float arithmetic must still decide like Keras


def read_list(path) -> dict:
    path = Path(path)
    try:
        entries = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise UserError(f"model list {path} is not readable YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(entries, dict) or not entries:
        raise UserError(f"model list {path} must map model names to entries (model, input_format, inputs, ...)")
    for name, e in entries.items():
        for key in ("model", "input_format", "inputs", "io_type", "expect"):
            if not isinstance(e, dict) or key not in e:
                raise UserError(f"model list {path}: entry '{name}' needs '{key}'")
        if e["expect"] not in EXPECTATIONS:
            raise UserError(f"model list {path}: entry '{name}' expect must be one of {', '.join(EXPECTATIONS)}")
        kinds = [k for k in INPUT_KINDS if k in e["inputs"]]
        if len(kinds) != 1:
            raise UserError(f"model list {path}: entry '{name}' inputs needs exactly one of {', '.join(INPUT_KINDS)}")
    return entries


def make_inputs(spec: dict, shape, root: Path, seed: int) -> np.ndarray:
    """The entry's inputs: a shipped .npy file, or seeded random numbers in the documented range."""
    if "file" in spec:
        return np.load(root / spec["file"]).astype(np.float32)
    rng = np.random.default_rng(seed)
    n = int(spec.get("n", 200))
    if "uniform" in spec:
        lo, hi = spec["uniform"]
        return rng.uniform(lo, hi, (n, *shape)).astype(np.float32)
    mu, sigma = spec["normal"]
    return rng.normal(mu, sigma, (n, *shape)).astype(np.float32)


def verify_entry(name, entry, root: Path, against_default=True, n_max=None) -> dict:
    from hls.settings import DEFAULTS
    from l1cnn.commands.verify import verify_model
    from models import io
    from quantize.formats import FixedFormat

    model = io.load(root / entry["model"])
    x = make_inputs(entry["inputs"], model.input_shape[1:], root, seed=sum(map(ord, name)))[:n_max]
    hls = DEFAULTS.with_(io_type=entry["io_type"])
    res = verify_model(model, x, hls, input_format=FixedFormat.parse(entry["input_format"]),
                       against_default=against_default, label=name)
    res.update(name=name, model=entry["model"], expect=entry["expect"])
    res["meets_expectation"] = meets(res)
    return res


def meets(res) -> bool:
    if res["expect"] == "bit-exact":
        return res["bit_exact_fraction"] == 1.0
    # measured: decides like Keras, names its float32-limited layers, and any difference starts at one of them
    return (res["argmax_agreement"] >= MIN_MEASURED_ARGMAX and bool(res["float32_layers"])
            and res["cause"] in (None, "keras-float32"))


def table(rows) -> str:
    head = ("| model | io type | samples | l1cnn bit-exact | l1cnn argmax | l1cnn max logit diff | "
            "hls4ml default bit-exact | hls4ml default argmax | hls4ml default max logit diff | float32-limited layers |")
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for r in rows:
        d = r.get("hls4ml_default") or {}
        fl = ", ".join(f["layer"] for f in r.get("float32_layers", [])) or "none"
        lines.append(f"| {r['name']} | {r['io_type']} | {r['n_samples']} | {r['bit_exact_fraction']:.2%} | "
                     f"{r['argmax_agreement']:.2%} | {r['max_abs_diff']:.3g} | "
                     f"{d.get('bit_exact_fraction', float('nan')):.2%} | {d.get('argmax_agreement', float('nan')):.2%} | "
                     f"{d.get('max_abs_diff', float('nan')):.3g} | {fl} |")
    return "\n".join(lines) + "\n"


def main(args) -> int:
    entries = read_list(args.list)
    root = Path(args.root)
    if not root.is_dir():
        raise UserError(f"--root {root} is not a directory; point it at the folder the list's model paths start from")
    rows = []
    for name, entry in tqdm(entries.items(), unit="model", desc="external models"):
        rows.append(verify_entry(name, entry, root, against_default=not args.no_default))
    out = Path(args.out)
    write_json(out / "external.json", {"models": rows, "all_meet_expectation": all(r["meets_expectation"] for r in rows)})
    write_text(out / "table.md", table(rows))
    print(table(rows), end="")
    for r in rows:
        if not r["meets_expectation"]:
            print(f"{r['name']}: expected {r['expect']}, got {r['bit_exact_fraction']:.2%} bit-exact "
                  f"({json.dumps(r.get('diagnosis'))})")
    return 0 if all(r["meets_expectation"] for r in rows) else 1
