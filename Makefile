# Two commands matter: `make run` (set up, ingest, serve) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
SHARED_LAWS = $(abspath ../shared/corpus/laws)

export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export GRADIO_ANALYTICS_ENABLED = False
export DO_NOT_TRACK = true
export UNSTRUCTURED_DISABLE_NOTICE = 1

.PHONY: setup browser run ingest serve test eval lint

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.lock
	# unstructured-inference pulls torchvision (a CUDA build) through its own
	# requirements; the PDF "fast" strategy only needs its Python code.
	$(BIN)/pip install -q --no-deps unstructured-inference==1.6.14
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# The shared law folder, when present beside the checkout, adds the State
# Council regulations and ministry rules that the packaged database lacks.
run: setup
	MINQIAN_CORPUS_PATHS="$${MINQIAN_CORPUS_PATHS:-$(wildcard $(SHARED_LAWS))}" $(BIN)/minqian ingest
	MINQIAN_CORPUS_PATHS="$${MINQIAN_CORPUS_PATHS:-$(wildcard $(SHARED_LAWS))}" $(BIN)/minqian serve

ingest: setup
	MINQIAN_CORPUS_PATHS="$${MINQIAN_CORPUS_PATHS:-$(wildcard $(SHARED_LAWS))}" $(BIN)/minqian ingest

# Browser tests drive Debian's Chromium (Playwright cannot download browsers
# here); the font renders Chinese in screenshots.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-wqy-microhei >/dev/null; \
	fi

test: setup browser
	$(BIN)/python -m pytest -q

eval: setup
	$(BIN)/python -m evals.retrieval_benchmark
	$(BIN)/python -m evals.risk_identification_benchmark --report evals/reports/risk_identification.md
	$(BIN)/python -m evals.inspection_warnings_benchmark --report evals/reports/inspections.md

lint: setup
	$(BIN)/python -m ruff check .
