"""`l1cnn estimate`: offline resource and latency estimate of any saved model's hls4ml project.

Every figure it prints is labelled `estimate` (hls/estimate.py models hls4ml's implementation,
calibrated on real reports); vendor figures come only from `l1cnn synth` / `parse-report`.
"""

import json
import tempfile

from l1cnn.errors import UserError


def estimate_model(model, hls: dict) -> dict:
    """Convert (no compile) with l1cnn's types (exact for QKeras, ap_fixed<16,6> otherwise) and estimate."""
    from hls import precision
    from hls.convert import reuse_factors_used, to_hls
    from hls.estimate import estimate
    from hls.parts import UnknownPart, lookup

    try:
        lookup(hls["part"])
    except UnknownPart as e:
        raise UserError(str(e)) from None
    try:
        precision.derive(model)
        exact = True
    except precision.UnsupportedLayer:
        exact = False  # a float model: hls4ml's default types, as the float baseline firmware uses
    with tempfile.TemporaryDirectory(prefix="l1cnn-estimate-") as tmp:
        hls_model = to_hls(model, hls, tmp, exact=exact)
        result = estimate(hls_model)
        used = reuse_factors_used(hls_model)
    result["reuse_factor_requested"] = hls["reuse_factor"]
    result["reuse_factors_used"] = used
    if used and used != [hls["reuse_factor"]]:
        result["reuse_factor_note"] = (f"hls4ml replaced reuse factor {hls['reuse_factor']} by {used} where it "
                                       f"does not divide a layer's n_in*n_out (it must, for the Resource strategy)")
    return result


def render(e: dict) -> str:
    t, u = e["total"], e["utilization_percent"]
    lines = [f"estimate (not a vendor figure) for {e['part']} at {e['clock_period_ns']} ns, {e['io_type']}, "
             f"{e['strategy']}:",
             f"  latency {t['latency_cycles']} cycles ({t['latency_ns']:.0f} ns), II {t['ii_cycles']} cycles",
             f"  LUT {t['lut']:.0f} ({u['lut']:.1f}%)  FF {t['ff']:.0f} ({u['ff']:.1f}%)  DSP {t['dsp']} ({u['dsp']:.1f}%)"
             f"  BRAM_18K {t['bram_18k']} ({u['bram_18k']:.1f}%)"]
    if e.get("reuse_factor_note"):
        lines.append(f"  note: {e['reuse_factor_note']}")
    return "\n".join(lines)


def main(args) -> int:
    from models import io

    model = io.load(args.model_file)
    hls = {"backend": "Vitis", "part": args.part, "clock_period_ns": args.clock_period, "io_type": args.io_type,
           "strategy": args.strategy, "reuse_factor": args.reuse_factor, "max_ii_cycles": args.max_ii_cycles}
    result = estimate_model(model, hls)
    print(json.dumps(result) if args.json else render(result))
    return 0
