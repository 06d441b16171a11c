# The two commands of the README: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow bench clean

# setup.py builds the optional C kernels (ember/backend/numpy/_fused.c, _conv.c): a change
# rebuilds.
$(STAMP): pyproject.toml setup.py ember/backend/numpy/_fused.c ember/backend/numpy/_conv.c \
		ember/backend/numpy/_conv_kernels.h ember/backend/numpy/_conv_bn.h \
		ember/backend/numpy/_pool.h
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

DEMO_STAMP := $(VENV)/.demo-installed

$(DEMO_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[demo]"
	touch $(DEMO_STAMP)

demo: $(DEMO_STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -n 2 -m "not slow"

test-slow: $(STAMP)
	$(PY) -m pytest -n 2 -m slow

bench: $(STAMP)
	$(PY) benchmarks/bench_eager.py
	$(PY) benchmarks/bench_function.py
	$(PY) benchmarks/bench_keras.py
	$(PY) benchmarks/bench_training.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build ember/backend/numpy/_fused*.so
