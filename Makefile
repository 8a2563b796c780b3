# l1cnn: physics data -> QKeras CNN -> hls4ml firmware -> bit-exact C simulation -> report.
# The targets form the pipeline graph; each stage reuses its artifact when its inputs are unchanged.
# MODEL=<name> restricts a target to one model (default: every model in configs/).

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.installed
L1CNN  := $(BIN)/l1cnn
MODEL  ?=
MODEL_ARGS := $(foreach m,$(MODEL),--model $(m))
# Vendor steps `make synth` asks for beyond C synthesis: co-simulation always, Vivado synthesis and
# implementation (per-layer post-route utilization, timing) when vivado is on PATH. Override to choose.
SYNTH_STEPS ?= --cosim $(if $(shell command -v vivado 2>/dev/null),--implementation)

.DEFAULT_GOAL := help
.PHONY: help setup all data train prune convert csim synth rtl report test bench scan sweep external calibrate clean clean-all

help: ## list every target
	@echo "l1cnn make targets (MODEL=<name> restricts to one model; default: all shipped models)"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(READY): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

setup: $(READY) ## create .venv and install the pinned stack (constraints.txt)

data: $(READY) ## generate the data sets (Pythia 8 + FastJet jets; calorimeter shower simulation), cached in data/
	$(L1CNN) data $(MODEL_ARGS)

train: data ## train the float baseline and the quantization-aware QKeras model
	$(L1CNN) train $(MODEL_ARGS)

prune: train ## prune the QKeras model (tensorflow-model-optimization) to the configured sparsity
	$(L1CNN) prune $(MODEL_ARGS)

convert: prune ## write hls4ml HLS C++ projects to firmware_projects/<model>/{pruned,qat,float}
	$(L1CNN) convert $(MODEL_ARGS)

csim: convert ## compile the projects with g++ and check the C simulation against QKeras, bit for bit
	$(L1CNN) csim $(MODEL_ARGS)

synth: convert ## vendor C synthesis, co-simulation, Vivado synthesis + implementation (SYNTH_STEPS) when the tools are on PATH; else the estimate, labelled
	$(L1CNN) synth $(MODEL_ARGS) $(SYNTH_STEPS)

rtl: csim ## open RTL flow: Verilog (alkaid) in firmware_projects/<model>/rtl/, Verilator on the test set, Yosys counts
	$(L1CNN) rtl $(MODEL_ARGS)

report: csim synth rtl ## write reports/<model>/summary.json, report.md and the plots (ROC, confusion, AUC vs energy)
	$(L1CNN) report $(MODEL_ARGS)

all: report ## set up, then run the whole pipeline for every shipped model

test: $(READY) ## run the test suite (small data and models; fits CI)
	$(BIN)/python -m pytest -q

bench: convert ## samples/s of hls4ml predict, parallel C simulation, emulator, Keras; compile cold vs cached -> reports/bench.{json,md}
	$(L1CNN) bench $(MODEL_ARGS)

SCAN_ARGS ?=
scan: data ## design-space scan on Dask (MODEL=<name> required): reports/<model>/scan/ with Pareto plots and best.yaml
	@test -n "$(MODEL)" || { echo "make scan needs MODEL=<name or YAML with a scan: section>" >&2; exit 2; }
	$(L1CNN) scan $(MODEL_ARGS) $(SCAN_ARGS)

SWEEP_MODELS ?= 50
sweep: $(READY) ## bit-exact property sweep: SWEEP_MODELS random QKeras CNNs x {io_parallel, io_stream}
	$(L1CNN) sweep --n-models $(SWEEP_MODELS) --out reports/bit_exact_sweep.json

external: $(READY) ## verify the real models in ../shared/fixtures/external_models beside hls4ml's default conversion
	$(L1CNN) external tests/external_models.yaml --out reports/external_models

calibrate: $(READY) ## compare the offline estimate with the real vendor reports in ../shared/fixtures/hls_reports
	$(L1CNN) calibrate --out reports/calibration --update

clean: ## remove generated artifacts, firmware projects and reports (keeps data/ and .venv)
	rm -rf artifacts firmware_projects/*/ reports

clean-all: clean ## also remove data/ and .venv
	rm -rf data $(VENV)
