"""The open RTL flow with the real tools: alkaid's Verilog simulated by Verilator equals the firmware
(emulator, C simulation, QKeras) on every sample, for a small model with every common layer kind and
for random architectures of the property generator; Yosys counts a netlist; failures are one line."""

import numpy as np
import pytest

from tests.helpers import inputs, random_model

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from hls.convert import write_project
    from hls.prepare import prepare
    from hls.settings import DEFAULTS

    path = tmp_path_factory.mktemp("rtl") / "prj"
    model = random_model(11)
    write_project(prepare(model), DEFAULTS, path, stamp="0badcafe")
    return path, model


def test_verilator_equals_qkeras_c_simulation_and_emulator(project, tmp_path):
    """conv (same padding) -> relu -> average pooling -> strided conv -> relu -> max pooling -> dense,
    400 inputs with saturating ones: the Verilog's outputs are the C simulation's and QKeras' exactly;
    Yosys counts its netlist."""
    from hls.check import keras_logits
    from hls.csim import CSim
    from hls.rtl import run_flow

    path, model = project
    x = inputs(400, 5)
    y, res = run_flow(path, x, tmp_path / "rtl", jobs=2)
    assert res["emulator"]["n_mismatched"] == 0 and res["diagnosis"] is None
    assert np.array_equal(y.astype(np.float32), CSim(path).predict(x).reshape(y.shape))
    from quantize.formats import FixedFormat
    from tests.helpers import IN_FMT

    assert np.array_equal(y.astype(np.float32), keras_logits(model, FixedFormat.parse(IN_FMT).quantize(x)))
    d = res["design"]
    assert d["latency_cycles"] >= 2 and res["latency_ns"] == d["latency_cycles"] * 5.0
    c = res["synthesis"]["counts"]
    assert c["lut"] > 0 and c["ff"] > 0 and c["carry"] > 0 and not res["synthesis"]["unmapped_cells"]
    assert set(res["synthesis"]["modules"]) == {"l1cnn_top", *(f"logic{i}" for i in range(len(
        res["synthesis"]["modules"]) - 1))}
    assert res["synthesis"]["modules"]["l1cnn_top"]["ff"] == c["ff"]  # the stages are combinational
    assert (tmp_path / "rtl/src/l1cnn_top.v").exists() and (tmp_path / "rtl/verilator/tb").exists()


def test_rebuilds_only_what_changed(project, tmp_path):
    """Same logic: the Verilator binary and every stage's Yosys counts are reused; a different clock
    (other pipeline) builds again."""
    from hls.rtl import run_flow

    path, _ = project
    x = inputs(50, 6)
    _, first = run_flow(path, x, tmp_path / "rtl", synthesize=False)
    tb = tmp_path / "rtl/verilator/tb"
    stamp = tb.stat().st_mtime_ns
    _, again = run_flow(path, x, tmp_path / "rtl", synthesize=False)
    assert tb.stat().st_mtime_ns == stamp and again["seconds"]["verilator_build"] < first["seconds"]["verilator_build"]
    _, other = run_flow(path, x, tmp_path / "rtl", stage_delay_ns=1.0, synthesize=False)
    assert other["design"]["latency_cycles"] > first["design"]["latency_cycles"]
    assert other["emulator"]["n_mismatched"] == 0 and tb.stat().st_mtime_ns != stamp


def test_random_architectures_are_bit_exact_in_verilator(tmp_path):
    """The property generator's models (1D/2D, depthwise and separable, padding, average and max
    pooling, global pooling, batch norm, residual and inception merges, wide weights): the Verilator
    simulation equals the emulator (proven equal to the C simulation elsewhere) on every input."""
    from hls.convert import write_project
    from hls.prepare import prepare
    from hls.rtl import run_flow
    from hls.settings import DEFAULTS
    from l1cnn.commands.sweep import convertible
    from models.random_cnn import draw

    failures, kinds = [], set()
    for seed in RTL_SEEDS:
        d = draw(seed, n_inputs=100, accept=convertible)
        prj = tmp_path / f"prj{seed}"
        write_project(prepare(d.model, input_format=d.input_format), DEFAULTS, prj, stamp="0badcafe")
        x = d.inputs if d.input_format is None else d.input_format.quantize(d.inputs).astype(np.float32)
        _, res = run_flow(prj, x, tmp_path / f"rtl{seed}", synthesize=False, jobs=2)
        kinds |= {type(layer).__name__ for layer in d.model.layers}
        if res["emulator"]["n_mismatched"]:
            failures.append((seed, res["emulator"], res["diagnosis"]))
    assert not failures, failures
    assert len(RTL_SEEDS) >= 20 and {"Add", "Concatenate", "AveragePooling2D"} & kinds


RTL_SEEDS = list(range(1, 12)) + list(range(13, 22))  # 20 models; seed 12 (a 1.2M-cost design) is in `make sweep`


def test_a_layer_without_a_rule_is_one_line(project):
    from hls.project import read_project
    from hls.rtl.trace import NotTraced, trace_project

    path, _ = project
    p = read_project(path)
    p.layers[-1].function = "softmax"
    with pytest.raises(NotTraced, match=r"no RTL rule for d1: nnet::softmax; the RTL flow traces"):
        trace_project(p)


def test_a_design_larger_than_the_part_is_refused_before_any_tool(tmp_path, monkeypatch):
    import hls.parts
    from hls.convert import write_project
    from hls.prepare import prepare
    from hls.rtl import TooLarge, run_flow
    from hls.settings import DEFAULTS

    prj = tmp_path / "prj"
    write_project(prepare(random_model(11)), DEFAULTS.with_(part="xc7z007sclg225-1"), prj, stamp="0badcafe")
    real = hls.parts.lookup
    monkeypatch.setattr(hls.parts, "lookup", lambda part: {**real(part), "lut": 100})  # smaller than the logic
    with pytest.raises(TooLarge, match=r"costs about [\d,]+ LUTs .* more than the xc7z007sclg225-1's 100; choose"):
        run_flow(prj, inputs(4, 1), tmp_path / "rtl")
    assert not (tmp_path / "rtl").exists()  # refused before anything was written


def test_broken_verilog_is_one_line_naming_the_tool(project, tmp_path):
    from hls.rtl import run_flow
    from hls.rtl.simulate import build
    from hls.rtl.tools import ToolError
    from hls.rtl.verilog import read_design
    from hls.rtl.yosys import synthesize

    path, _ = project
    run_flow(path, inputs(8, 1), tmp_path / "rtl", synthesize=False)
    d = read_design(tmp_path / "rtl")
    (tmp_path / "rtl/src/logic0.v").write_text("module logic0 (input [3:0] model_inp, output [3:0] model_out);\n"
                                               "  assign model_out = model_inp + ;\nendmodule\n")
    with pytest.raises(ToolError, match=r"^Verilator 5\.48\.0 failed to build .*full log: .*verilator\.log"):
        build(tmp_path / "rtl", d.wrapper, d.inp, d.out, d.latency_cycles, log=tmp_path / "rtl/verilator.log")
    src = tmp_path / "rtl/src"
    with pytest.raises(ToolError, match=r"^Yosys .* failed \(.*ERROR"):
        synthesize(sorted((src / "static").glob("*.v")), [src / "logic0.v"], src / "l1cnn_top.v", "l1cnn_top",
                   d.part, tmp_path / "synth")


def test_verify_takes_any_saved_model_through_the_rtl_flow(project, tmp_path):
    """`l1cnn verify MODEL --inputs X --rtl DIR`: a saved model's firmware as Verilog, its Verilator outputs
    compared with Keras; --rtl-synthesize without --rtl is one line."""
    from tests.helpers import one_line_error, run_cli

    _, model = project
    model.save(tmp_path / "m.h5")
    np.save(tmp_path / "x.npy", inputs(64, 3))
    r = run_cli("verify", tmp_path / "m.h5", "--inputs", tmp_path / "x.npy", "--rtl", tmp_path / "rtl")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Verilator identical to Keras on 64/64, to the firmware (emulator) on 64/64" in r.stdout, r.stdout
    assert (tmp_path / "rtl/src/l1cnn_top.v").exists()
    bad = run_cli("verify", tmp_path / "m.h5", "--inputs", tmp_path / "x.npy", "--rtl-synthesize")
    one_line_error(bad, "--rtl-synthesize", "--rtl DIR")
