"""The `l1cnn` command: one subcommand per pipeline stage, plus `all`.

Bad input of any kind ends in one line on stderr and exit code 2; nothing on
disk is touched by a stage that fails (artifacts are written atomically).
"""

import argparse
import os
import sys
from pathlib import Path

from common.errors import L1CNNError
from hls.settings import DEFAULTS, IO_TYPES, STRATEGIES
from l1cnn.errors import UserError
from l1cnn.paths import SHARED_FIXTURES

STAGES = ("data", "train", "prune", "convert", "csim", "synth", "rtl", "report")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UserError(f"{message} (see `l1cnn --help`)")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer (got {text!r})")
    return value


def _stage_fn(stage):
    import importlib

    return importlib.import_module(f"l1cnn.stages.{stage}").run


def _models(names):
    from l1cnn import config

    names = names or config.shipped_models()
    return [config.load(n) for n in names]


# HLS setting -> (flag, target-only?, argparse options); the defaults are hls.settings.DEFAULTS, as a config's
HLS_FLAGS = {
    "io_type": ("--io-type", False, dict(choices=IO_TYPES)),
    "strategy": ("--strategy", False, dict(choices=STRATEGIES)),
    "reuse_factor": ("--reuse-factor", False, dict(type=_positive_int)),
    "part": ("--part", True, {}),
    "clock_period_ns": ("--clock-period", True, dict(type=float, help="ns")),
    "max_ii_cycles": ("--max-ii-cycles", True, dict(type=_positive_int, help="io_parallel convs may take this many "
                                                    "cycles per event (ParallelizationFactor)")),
}


def _hls_flags(p, target: bool):
    """The HLS settings as flags (the target ones only where a part and clock make sense)."""
    for key, (flag, target_only, options) in HLS_FLAGS.items():
        if target or not target_only:
            p.add_argument(flag, dest=key, default=getattr(DEFAULTS, key), **options)


def _input_format_flag(p):
    p.add_argument("--input-format", metavar="TYPE",
                   help='the firmware input type of a model without an input quantizer, e.g. "ap_ufixed<9,1>"; '
                        "inputs are rounded and saturated to it for Keras and the firmware alike")


def _hls_settings(args):
    """Validated HlsSettings from the flags, by the config's own rules (the part against the parts table);
    an error names the flag."""
    from common.checks import Checker
    from l1cnn.config import hls_settings

    class FlagChecker(Checker):
        def fail(self, path, msg):
            key = path.rpartition(".")[2]
            raise UserError(f"{HLS_FLAGS[key][0] if key in HLS_FLAGS else path} {msg}")

    return hls_settings(FlagChecker("flags"), {key: getattr(args, key) for key in HLS_FLAGS if hasattr(args, key)})


def _input_format(args):
    """--input-format as a FixedFormat (None when not given), at most FLOAT32_EXACT_BITS wide."""
    if args.input_format is None:
        return None
    from quantize.formats import FLOAT32_EXACT_BITS, FixedFormat, FormatError

    try:
        fmt = FixedFormat.parse(args.input_format)
    except FormatError as e:
        raise UserError(f"--input-format: {e}") from None
    if fmt.width > FLOAT32_EXACT_BITS:
        raise UserError(f"--input-format {args.input_format} is {fmt.width} bits wide; at most "
                        f"{FLOAT32_EXACT_BITS} bits keep QKeras float32 arithmetic exact")
    return fmt


def build_parser():
    p = _Parser(prog="l1cnn", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    helps = {"data": "generate the data set (parallel, cached HDF5)",
             "train": "train the float baseline and the quantization-aware QKeras model",
             "prune": "prune the QKeras model to the configured sparsity",
             "convert": "write hls4ml HLS projects to firmware_projects/<model>/",
             "csim": "compile the projects, run the C simulation on the test set, compare with Keras",
             "synth": "vendor C synthesis (and co-simulation, Vivado synthesis, implementation) when the tools are "
                      "on PATH; l1cnn's offline estimate beside it, or alone without them",
             "rtl": "open RTL flow: Verilog (alkaid), Verilator simulation of the test set, Yosys counts",
             "report": "write reports/<model>/summary.json, report.md and plots",
             "all": "run every stage in order"}
    for name, text in helps.items():
        sp = sub.add_parser(name, help=text, description=text)
        sp.add_argument("--model", action="append", metavar="NAME_OR_YAML",
                        help="model name (configs/<name>.yaml) or a YAML path; repeatable; default: all shipped")
        sp.add_argument("--force", action="store_true", help="redo the stage even if its inputs are unchanged")
        if name in ("synth", "all"):
            sp.add_argument("--cosim", action="store_true",
                            help="also run C/RTL co-simulation: latency and II measured in RTL simulation")
            sp.add_argument("--logic-synthesis", action="store_true",
                            help="also run Vivado logic synthesis: per-layer post-synthesis utilization, timing")
            sp.add_argument("--implementation", action="store_true",
                            help="also run Vivado place and route: per-layer post-route utilization, timing, power")
        if name == "data":
            sp.add_argument("--scheduler", metavar="ADDRESS",
                            help="run the generator chunks as tasks of this Dask scheduler (same bytes as a local run)")
    sub.add_parser("list", help="list the shipped models")
    v = sub.add_parser("verify", help="check that any saved QKeras CNN converts to a bit-exact C simulation",
                       description="Convert MODEL_FILE with l1cnn's exact types, compile it, run the C simulation "
                                   "on the inputs and compare with Keras. Exit 0 bit-exact, 1 not, 2 bad input.")
    v.add_argument("model_file", help="a saved Keras/QKeras model (.h5, .keras, or .json with its weights beside)")
    v.add_argument("--inputs", required=True, help="a .npy array of inputs, shape (N, *model input shape)")
    _hls_flags(v, target=False)
    _input_format_flag(v)
    v.add_argument("--keep-head", action="store_true",
                   help="keep a softmax/sigmoid head in the firmware (default: end at the logits and compare them)")
    v.add_argument("--against-hls4ml-default", action="store_true",
                   help="also run hls4ml's default conversion on the same inputs and report its agreement")
    v.add_argument("--output-dir", help="keep the generated HLS project here (default: a temporary directory)")
    v.add_argument("--rtl", metavar="DIR", help="also write the firmware as pipelined Verilog into DIR (open RTL flow), "
                                                "simulate it with Verilator on the inputs and compare")
    v.add_argument("--rtl-synthesize", action="store_true", help="with --rtl: also count its netlist with Yosys")
    v.add_argument("--json", action="store_true", help="print one JSON object")
    es = sub.add_parser("estimate", help="offline resource/latency estimate of a saved model's hls4ml firmware")
    es.add_argument("model_file", help="a saved Keras/QKeras model (.h5, .keras, or .json with its weights beside), "
                                       "or a written hls4ml project directory (its own part, clock and settings)")
    _hls_flags(es, target=True)
    _input_format_flag(es)
    es.add_argument("--json", action="store_true", help="print one JSON object")
    em = sub.add_parser("emulate", help="the firmware's exact outputs for any number of inputs (the emulator, "
                                        "proven identical to the C simulation)",
                        description="Emulate a written hls4ml project (or a saved model, converted with l1cnn's exact "
                                    "types) on a .npy of inputs, in batches. Exit 0, or 2 on bad input.")
    em.add_argument("model_or_project", help="a written hls4ml project directory, or a saved Keras/QKeras model")
    em.add_argument("--inputs", required=True, help="a .npy array of inputs, (N, *input shape); read memory-mapped")
    em.add_argument("--out", help="write the outputs here, a (N, outputs) float64 .npy (default: print the first few)")
    em.add_argument("--batch-size", type=_positive_int, default=8192, help="samples emulated at once (memory bound)")
    _hls_flags(em, target=False)
    _input_format_flag(em)
    em.add_argument("--json", action="store_true", help="print one JSON object")
    pr = sub.add_parser("parse-report", help="read Vivado/Vitis HLS and Vivado reports into one schema")
    pr.add_argument("path", help="an HLS project directory (searched for every report), or one report file: "
                                 "*_csynth.xml|rpt, *_cosim.rpt, Vivado utilization (flat or hierarchical), "
                                 "timing summary or power report")
    pr.add_argument("--json", action="store_true", help="print one JSON object")
    x = sub.add_parser("external", help="verify a list of models other people trained, beside hls4ml's default")
    x.add_argument("list", help="a YAML list of models (see tests/external_models.yaml)")
    x.add_argument("--root", default=str(SHARED_FIXTURES / "external_models"),
                   help="the folder the list's paths start from")
    x.add_argument("--out", default="reports/external_models", help="folder for external.json and table.md")
    x.add_argument("--no-default", action="store_true", help="skip hls4ml's default conversion")
    c = sub.add_parser("calibrate", help="compare the offline estimate with real vendor reports (per design, figure, layer)")
    c.add_argument("--fixtures", default=str(SHARED_FIXTURES / "hls_reports"),
                   help="a folder of designs, each with reports/ and the hls4ml project model/")
    c.add_argument("--external", default=str(SHARED_FIXTURES / "external_models"),
                   help="the real trained models some rebuilt designs take their weights from")
    c.add_argument("--out", default="reports/calibration", help="folder for calibration.json and table.md")
    c.add_argument("--update", action="store_true",
                   help="also write hls/estimate/calibration_data.json, the intervals every estimate carries")
    c.add_argument("--fit", action="store_true",
                   help="refit the FIT coefficients of hls/estimate/coefficients.py and print them with their "
                        "leave-one-design-out errors (the file is not changed)")
    b = sub.add_parser("bench", help="samples/s of hls4ml predict, the parallel C simulation, the emulator and "
                                     "Keras predict, side by side; compile cold vs cached",
                       description="Measure every way of getting the firmware's answer on the same inputs, in one "
                                   "run, into OUT/bench.json and OUT/bench.md. Needs the shipped projects (make convert).")
    b.add_argument("--model", action="append", metavar="NAME", help="a shipped model; repeatable (default: all)")
    b.add_argument("--external", action="append", metavar="NAME",
                   help="an entry of tests/external_models.yaml; repeatable (default: the 32x32x3 SVHN CNN)")
    b.add_argument("--no-external", action="store_true", help="bench the shipped models only")
    b.add_argument("--samples", type=_positive_int, default=None,
                   help="inputs per shipped model (default: its whole test set)")
    b.add_argument("--external-samples", type=_positive_int, default=512, help="inputs per external model")
    b.add_argument("--repeats", type=_positive_int, default=3, help="timed runs per engine (the median is reported)")
    b.add_argument("--jobs", type=_positive_int, default=None, help="C simulation processes (default: one per core)")
    b.add_argument("--out", default="reports", help="folder for bench.json and bench.md")
    sc = sub.add_parser("scan", help="design-space scan: the most accurate CNN that fits the Level-1 budget (Dask)",
                        description="Search the `scan:` space of a model config: each point is trained, pruned, "
                                    "emulated bit-exactly on the whole test set and estimated, as a Dask task; "
                                    "results are stored as they arrive (a rerun resumes). Writes "
                                    "reports/<model>/scan/: scan.json, scan.md, Pareto plots, best.yaml.")
    sc.add_argument("--model", required=True, metavar="NAME_OR_YAML", help="a model name or YAML path with a scan: section")
    sc.add_argument("--workers", type=_positive_int, default=None,
                    help="local Dask worker processes (default: one per core)")
    sc.add_argument("--scheduler", metavar="ADDRESS", help="use an existing Dask scheduler, e.g. tcp://host:8786")
    sc.add_argument("--cluster", metavar="FILE", help="a YAML file with a cluster: section (Slurm, HTCondor, PBS "
                                                      "through dask-jobqueue; see the README)")
    sc.add_argument("--print-job-script", action="store_true", help="print the batch job script of --cluster and exit")
    sc.add_argument("--out", help="folder for the results (default: reports/<model>/scan)")
    w = sub.add_parser("sweep", help="check the bit-exact property on many random QKeras CNNs (both io types)")
    w.add_argument("--n-models", type=_positive_int, default=50)
    w.add_argument("--first-seed", type=_positive_int, default=1)
    w.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1)
    w.add_argument("--out", help="write every result to this JSON file")
    return p


def run(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        from l1cnn.commands.verify import main as verify_main

        return verify_main(args, _hls_settings(args), _input_format(args))
    if args.command == "estimate":
        from l1cnn.commands.estimate import main as estimate_main

        return estimate_main(args, _hls_settings(args), _input_format(args))
    if args.command == "emulate":
        from l1cnn.commands.emulate import main as emulate_main

        return emulate_main(args, _hls_settings(args), _input_format(args))
    if args.command == "parse-report":
        from l1cnn.commands.parse_report import main as parse_report_main

        return parse_report_main(args)
    if args.command == "calibrate":
        from l1cnn.commands.calibrate import main as calibrate_main

        return calibrate_main(args)
    if args.command == "external":
        from l1cnn.commands.external import main as external_main

        return external_main(args)
    if args.command == "bench":
        from l1cnn.commands.bench import main as bench_main

        return bench_main(args)
    if args.command == "scan":
        from l1cnn.commands.scan import main as scan_main

        return scan_main(args)
    if args.command == "sweep":
        from l1cnn.commands.sweep import main as sweep_main

        return sweep_main(args)
    if args.command == "list":
        from l1cnn import config

        print("\n".join(config.shipped_models()))
        return 0
    stages = STAGES if args.command == "all" else (args.command,)
    if {"train", "prune"} & set(stages):  # before anything starts TensorFlow (a csim of another model)
        from models.training import hold_threads

        hold_threads()
    for cfg in _models(args.model):
        for stage in stages:
            kwargs = {"force": args.force}
            if stage == "synth":
                kwargs.update(cosim=args.cosim, logic_synthesis=args.logic_synthesis,
                              implementation=args.implementation)
            if stage == "data" and getattr(args, "scheduler", None):
                kwargs["scheduler"] = args.scheduler
            _stage_fn(stage)(cfg, **kwargs)
    return 0


def _quiet_libraries():
    """TensorFlow's C++ start-up chatter and Keras' legacy-format warnings drown the stage log."""
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", message=".*HDF5 file via `model.save\\(\\)`.*")
    warnings.filterwarnings("ignore", message=".*keras.constraints.serialize.*")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def main(argv=None) -> int:
    _quiet_libraries()
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except L1CNNError as e:  # every layer's own error class: one line naming the problem and the fix
        print(f"l1cnn: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("l1cnn: interrupted; artifacts on disk are unchanged", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
