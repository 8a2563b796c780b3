"""`l1cnn verify`: convert any saved QKeras CNN, C-simulate it, and compare with Keras bit for bit.

Exit code 0 when every sample is bit-exact, 1 when not (with the first diverging
layer), 2 on bad input (unreadable model or inputs, wrong shape, unsupported layer).
"""

import json
from pathlib import Path

import numpy as np

from l1cnn.errors import UserError


def load_inputs(path, model) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise UserError(f"inputs file {path} does not exist")
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise UserError(f"inputs file {path} is not a readable .npy array ({e})") from None
    if not isinstance(x, np.ndarray):  # an .npz archive
        raise UserError(f"inputs file {path} is an .npz archive; save one array with numpy.save (a .npy file)")
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
        raise UserError(f"inputs file {path} holds {x.dtype} values; it must hold real numbers")
    want = tuple(model.input_shape[1:])
    if x.shape[1:] != want:
        if x.shape == want:  # a single sample
            x = x[None]
        else:
            raise UserError(f"inputs have shape {x.shape} but the model reads (N, {', '.join(map(str, want))}); "
                            f"reshape them to (N, {', '.join(map(str, want))})")
    if len(x) == 0:
        raise UserError(f"inputs file {path} holds no samples")
    if not np.all(np.isfinite(x)):
        raise UserError(f"inputs file {path} holds NaN or infinite values")
    return x.astype(np.float32)


def verify(model_path, inputs_path, hls, output_dir=None, input_format=None, keep_head=False,
           against_default=False, rtl_dir=None, rtl_synthesize=False) -> dict:
    """The shared bit-exact check (hls/check.py) of a saved model on saved inputs (see verify_model)."""
    from models import io

    model = io.load(model_path)
    return verify_model(model, load_inputs(inputs_path, model), hls, output_dir, input_format, keep_head,
                        against_default, label=str(model_path), rtl_dir=rtl_dir, rtl_synthesize=rtl_synthesize)


def verify_model(model, x, hls, output_dir=None, input_format=None, keep_head=False, against_default=False,
                 label="the model", rtl_dir=None, rtl_synthesize=False) -> dict:
    """`input_format` (a FixedFormat) declares the input of a model without an input quantizer: the
    inputs are rounded and saturated to it for Keras and the firmware alike. `against_default` also
    runs hls4ml's own default conversion on the same inputs, for comparison. `rtl_dir`: also take the
    firmware through the open RTL flow (hls/rtl/) there and compare its Verilator simulation."""
    if rtl_dir is not None and output_dir is None:  # the RTL flow reads the written project: keep it meanwhile
        import tempfile

        with tempfile.TemporaryDirectory(prefix="l1cnn-verify-") as tmp:
            return verify_model(model, x, hls, Path(tmp) / "project", input_format, keep_head, against_default,
                                label, rtl_dir, rtl_synthesize)
    from hls.check import check_model, default_conversion
    from hls.precision import NoInputFormat
    from hls.prepare import NOT_EXACT, prepare

    try:
        prepared = prepare(model, input_format=input_format, keep_head=keep_head)  # fail fast, before any compile
    except NoInputFormat:
        raise UserError(f"{label} has no input quantizer, so the firmware's input type is not declared; "
                        f"{suggest_input_format(x)}") from None
    except NOT_EXACT as e:
        raise UserError(f"{label}: {e}") from None
    if input_format is not None:
        x = input_format.quantize(x).astype(np.float32)
    res = check_model(model, x, hls, output_dir=output_dir, prepared=prepared)
    res["input_format"] = None if input_format is None else input_format.hls_type()
    if against_default:
        res["hls4ml_default"] = default_conversion(model, x, hls)
    if rtl_dir is not None:
        res["rtl"] = _rtl(prepared, x, output_dir, rtl_dir, rtl_synthesize)
    return res


def _rtl(prepared, x, project, rtl_dir, synthesize) -> dict:
    """The written project through the open RTL flow: its Verilator outputs against Keras (at the logits)
    and the emulator (checked against the C simulation in the same run)."""
    from hls.check import keras_logits
    from hls.csim import default_jobs
    from hls.rtl import run_flow
    from hls.rtl.check import against

    y, res = run_flow(project, x, rtl_dir, synthesize=synthesize, jobs=default_jobs())
    res["keras"] = against(y, keras_logits(prepared.reference, x), as_float32=True)
    return res


def suggest_input_format(x) -> str:
    """What the inputs seem to need, said as the flag to pass."""
    from quantize.formats import covering_format

    fmt, on_grid = covering_format(x)
    grid = (f"they are exact in {fmt.hls_type()}" if on_grid else
            f"they lie on no power-of-two grid, so {fmt.hls_type()} rounds them to {fmt.lsb:g}")
    return (f"the inputs span [{float(np.min(x)):g}, {float(np.max(x)):g}] and {grid}: pass "
            f"--input-format \"{fmt.hls_type()}\" (or the format the detector delivers)")


def _float32_lines(res) -> list:
    lines = []
    for f in res.get("float32_layers", []):
        counted = (f"; {f['n_values_differing']:,} of {f['n_values']:,} of its values differ from Keras' own "
                   f"float32 result on the firmware's input (max {f['max_abs_diff']:.3g}), in "
                   f"{f['n_samples_with_difference']} of {f['n_samples_traced']} samples") if "n_values" in f else ""
        q = f.get("after_quantizer")
        if q:
            counted += (f"; after its quantizer '{q['layer']}' {q['n_values_rounding_differently']:,} values round "
                        f"differently ({q['n_samples_affected']} samples affected)")
        lines.append(f"  layer '{f['layer']}': {f['reason']}{counted}")
    return lines


def render(res: dict) -> str:
    lines = []
    if res.get("head_removed"):
        lines.append(f"compared at the logits: the '{res['head_removed']}' head (softmax/sigmoid, monotone) is not in "
                     f"the firmware (--keep-head keeps it)")
    lines.append(_verdict(res))
    lines.append(_emulator_line(res.get("emulator") or {}))
    if "rtl" in res:
        lines.append(_rtl_line(res["rtl"]))
    if "hls4ml_default" in res:
        d = res["hls4ml_default"]
        lines.append(f"hls4ml's default conversion (ap_fixed<16,6>) on the same inputs: {d['bit_exact_fraction']:.2%} "
                     f"bit-exact, argmax agreement {d['argmax_agreement']:.2%}, max |diff| {d['max_abs_diff']:.4g}")
    if res.get("float32_layers"):
        lines.append("exactness of these layers rests on Keras' float32 arithmetic (measured, not guaranteed):")
        lines += _float32_lines(res)
    return "\n".join(lines)


def _rtl_line(r: dict) -> str:
    n, d = r["keras"]["n_samples"], r["design"]
    line = (f"RTL ({r['rtl_dir']}): Verilator identical to Keras on {n - r['keras']['n_mismatched']}/{n}, to the "
            f"firmware (emulator) on {n - r['emulator']['n_mismatched']}/{n}; {d['latency_cycles']} pipeline stages "
            f"({r['latency_ns']:g} ns at {d['clock_period_ns']:g} ns), II 1")
    if r.get("diagnosis"):
        line += f"; differs first in {r['diagnosis']['where']}"
    if r.get("synthesis"):
        c = r["synthesis"]["counts"]
        line += (f"; {r['synthesis']['tool']}: LUT {c['lut_total']:,}, FF {c['ff']:,}, DSP {c['dsp']}, "
                 f"carry {c['carry']:,} (netlist counts, no place and route or timing)")
    return line


def _emulator_line(emu: dict) -> str:
    """The third agreement: the vectorized emulator against the C simulation of the same project."""
    if emu.get("status") == "identical":
        return f"emulator == C simulation on all {emu['n_samples']} samples"
    if emu.get("status") == "failed":
        return f"emulator FAILED ({emu['reason']}): an l1cnn defect, please report it"
    if emu.get("status") == "differs":
        return (f"emulator DIFFERS from the C simulation on {emu['n_samples'] - emu['n_identical']} of "
                f"{emu['n_samples']} samples (first: {emu['first_differing_samples']}): an l1cnn defect, please report it")
    return f"emulator: {emu.get('reason', 'not run')}"


def _verdict(res: dict) -> str:
    head = (f"{res['n_samples']} samples, {res['io_type']}, {res['strategy']}, reuse factor {res['reuse_factor']}: ")
    if res["bit_exact_fraction"] == 1.0:
        return head + "bit-exact on every sample (C simulation == Keras)" + (
            "" if res.get("guaranteed", True) else " - on these inputs; not guaranteed for all inputs")
    d = res["diagnosis"] or {}
    return (head + f"NOT bit-exact: {res['n_mismatched']} samples differ "
            f"({res['bit_exact_fraction']:.4%} exact, argmax agreement {res['argmax_agreement']:.4%}, "
            f"max |diff| {res['max_abs_diff']:.6g}); first diverging layer '{res['first_mismatch_layer']}': "
            f"{d.get('n_values_differing')} of {d.get('n_values')} values differ, up to "
            f"{d.get('max_diff_lsb')} LSB of {d.get('hls_type')}, looks like {d.get('looks_like')}")


def main(args, hls, input_format=None) -> int:
    rtl, rtl_synthesize = getattr(args, "rtl", None), getattr(args, "rtl_synthesize", False)
    if rtl_synthesize and not rtl:
        raise UserError("--rtl-synthesize counts the Verilog of --rtl DIR; pass --rtl DIR as well")
    if rtl and Path(rtl).exists() and not Path(rtl).is_dir():
        raise UserError(f"--rtl {rtl} is a file; name a directory for the Verilog project")
    res = verify(args.model_file, args.inputs, hls, args.output_dir, input_format, args.keep_head,
                 args.against_hls4ml_default, rtl, rtl_synthesize)
    print(json.dumps(res) if args.json else render(res))
    emulator_ok = (res.get("emulator") or {}).get("status") not in ("differs", "failed")
    rtl_ok = "rtl" not in res or (res["rtl"]["keras"]["n_mismatched"] == 0 and res["rtl"]["emulator"]["n_mismatched"] == 0)
    return 0 if res["bit_exact_fraction"] == 1.0 and emulator_ok and rtl_ok else 1
