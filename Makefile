# Two commands a newcomer needs: `make run` (the app on the demo database) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DB     := data/warehouse.duckdb
# Where `make run` listens: this machine only unless told otherwise (make run ADDRESS=0.0.0.0).
ADDRESS ?= 127.0.0.1
PORT    ?= 8501
# The server's upload limit is .streamlit/config.toml's maxUploadSize, the intake's limit;
# PARKS_MAX_UPLOAD_MB (whole megabytes) raises or lowers both.
SERVE   := --server.address $(ADDRESS) --server.port $(PORT) \
           $(if $(PARKS_MAX_UPLOAD_MB),--server.maxUploadSize $(PARKS_MAX_UPLOAD_MB))

.PHONY: run test lint demo check bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: requirements-test.txt requirements.txt scripts/install_system_deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	bash scripts/install_system_deps.sh
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $(VENV)/.runtime $@

$(DB): | $(VENV)/.runtime
	$(PY) -m analytics demo

# The demo warehouse is built on first use. A warehouse of one's own named by PARKS_DB (a file
# or a PostgreSQL URL) is served as it is: the demo is never written onto it (a new or empty
# one opens on "getting started"; `make demo` writes the demo there when asked to).
RUN_DB := $(if $(PARKS_DB),,$(DB))

run: $(VENV)/.runtime $(RUN_DB)
	$(PY) -m streamlit run dashboard.py $(SERVE)

test: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	# Two workers on two cores: one BLAS thread each, or they fight over the cores.
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 --dist loadgroup

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

demo: $(VENV)/.runtime
	$(PY) -m analytics demo

check: $(VENV)/.runtime
	$(PY) -m analytics check

bench: $(VENV)/.test
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DB) $(DB).wal test-artifacts .pytest_cache .ruff_cache
