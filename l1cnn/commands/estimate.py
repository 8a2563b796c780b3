"""`l1cnn estimate`: offline resource and latency estimate of any saved model's hls4ml project.

Every figure it prints is labelled `estimate` (hls/estimate/ models hls4ml's implementation,
calibrated on real reports); vendor figures come only from `l1cnn synth` / `parse-report`.
"""

import json


def render(e: dict) -> str:
    t, u = e["total"], e["utilization_percent"]
    lines = [f"estimate (not a vendor figure) for {e['part']} at {e['clock_period_ns']} ns, {e['io_type']}, "
             f"{e['strategy']}:",
             f"  latency {t['latency_cycles']} cycles ({t['latency_ns']:.0f} ns), II {t['ii_cycles']} cycles",
             f"  LUT {t['lut']:.0f} ({u['lut']:.1f}%)  FF {t['ff']:.0f} ({u['ff']:.1f}%)  DSP {t['dsp']} ({u['dsp']:.1f}%)"
             f"  BRAM_18K {t['bram_18k']} ({u['bram_18k']:.1f}%)",
             f"  reuse factors used: {e['layer_reuse_factors']}"]
    iv = e.get("intervals") or {}
    if iv:
        lines.append("  where the real figure has fallen for such estimates (calibration: "
                     f"{next(iter(iv.values()))['from']}): " + ", ".join(
                         f"{k.replace('_cycles', '')} {v['low']:,.0f}-{v['high']:,.0f}" for k, v in iv.items()))
    if e.get("reuse_factor_note"):
        lines.append(f"  note: {e['reuse_factor_note']}")
    return "\n".join(lines)


def main(args, hls, input_format=None) -> int:
    from pathlib import Path

    from hls.estimate import estimate_model, estimate_project
    from models import io

    if Path(args.model_file).is_dir():  # a written hls4ml project: its own part, clock and settings
        result = estimate_project(args.model_file)
    else:
        result = estimate_model(io.load(args.model_file), hls, input_format)
    print(json.dumps(result) if args.json else render(result))
    return 0
