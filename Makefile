# Ward Portal: every target installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export PYTHONDONTWRITEBYTECODE = 1

CHARTJS_VERSION ?= 4.5.0
LEAFLET_VERSION ?= 1.9.4

.PHONY: vendor run install install-test translations translate test lint format chromium fonts servers-tools oidc-provider wrk bench bench-dialogues bench-feedback bench-satisfaction bench-dashboard bench-pages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Compile the translation catalogues (.mo files are build output, not committed).
translations: install
	$(BIN)/pybabel compile -d translations -f

## Extract every string, update the vi/en catalogues, compile them.
translate: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --add-comments=Translators: \
		--no-location --sort-output --project="Ward Portal" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete -w 100
	$(BIN)/pybabel compile -d translations -f

## Set everything up and serve the portal with demo data on SQLite at http://127.0.0.1:5000
run: translations fonts
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo load
	@$(FLASK) demo logins
	$(FLASK) run --host 127.0.0.1 --port 5000

## Debian's chromium for the browser tests (never a downloaded browser).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## Liberation Serif (Times New Roman's metrics) for the official PDF documents, from Debian's
## fonts-liberation2: the older fonts-liberation has no Vietnamese letters such as ộ, ậ, ự,
## which WeasyPrint would then draw from another font.
fonts:
	@[ -f /usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf ] \
		|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq fonts-liberation2 >/dev/null; }

## Debian's nginx and PgBouncer for the several-servers test (tests/test_several_servers.py),
## which starts them itself as ordinary processes; installed when missing. (On a machine with
## systemd the packages also start their own services: `systemctl disable --now nginx
## pgbouncer` where they are not wanted.)
servers-tools:
	@{ [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; } \
		&& { [ -x /usr/sbin/pgbouncer ] || command -v pgbouncer >/dev/null 2>&1; } \
		|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nginx pgbouncer >/dev/null; }

## The real OpenID Connect provider the VNeID tests start: the certified `oidc-provider` from
## the npm registry, at the version pinned in tests/oidc/package-lock.json, on the machine's
## Node.js; installed when missing (or when the lock file changes).
oidc-provider: tests/oidc/node_modules/.package-lock.json

tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json tests/oidc/package.json
	npm ci --prefix tests/oidc --no-audit --no-fund

## Install the test extras and run the whole suite (PostgreSQL too when TEST_DATABASE_URL is set),
## in parallel over PYTEST_WORKERS processes (pytest-xdist, one per CPU core by default, a worker
## that is done stealing tests queued for another; each has its own databases). PYTEST_ARGS come
## last and win: PYTEST_ARGS="-n 0" runs in one process.
PYTEST_WORKERS ?= auto
test: install-test translations chromium fonts servers-tools oidc-provider
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

## ruff, and bandit: no finding of medium severity or above unless its line says why (# nosec).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -r portal -ll

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Chart.js for the dashboard's charts and Leaflet for the feedback maps, from the npm registry
## (the files are committed under portal/static/vendor/; this refreshes them: no CDN is ever used).
vendor:
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent chart.js@$(CHARTJS_VERSION) >/dev/null \
		&& tar xzf chart.js-$(CHARTJS_VERSION).tgz \
		&& cp package/dist/chart.umd.min.js package/LICENSE.md $(CURDIR)/portal/static/vendor/chartjs/ \
		&& rm -rf $$tmp
	sha256sum portal/static/vendor/chartjs/chart.umd.min.js
	@tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent leaflet@$(LEAFLET_VERSION) >/dev/null \
		&& tar xzf leaflet-$(LEAFLET_VERSION).tgz \
		&& mkdir -p $(CURDIR)/portal/static/vendor/leaflet \
		&& cp -r package/dist/leaflet.js package/dist/leaflet.css package/dist/images package/LICENSE \
			$(CURDIR)/portal/static/vendor/leaflet/ \
		&& rm -rf $$tmp
	sha256sum portal/static/vendor/leaflet/leaflet.js portal/static/vendor/leaflet/leaflet.css

## wrk, the benches' load generator (they fall back to a Python one when it cannot be installed).
wrk:
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null; } \
		|| echo "wrk is not available: using the Python load generator."

## Throughput of the home page against a bare hello route, under gunicorn on loopback.
bench: install translations wrk
	$(BIN)/python bench/home_vs_hello.py $(BENCH_ARGS)

## Dialogues under load: a booking burst (never overbooked) and the conference list against hello,
## on SQLite; the burst on PostgreSQL too when TEST_DATABASE_URL is set (a temporary database).
bench-dialogues: install translations wrk
	$(BIN)/python bench/booking_burst.py $(BURST_ARGS)
	$(BIN)/python bench/upcoming_vs_hello.py $(UPCOMING_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo $(BIN)/python bench/booking_burst.py --database-url '<TEST_DATABASE_URL>' $(BURST_ARGS); \
		$(BIN)/python bench/booking_burst.py --database-url "$(TEST_DATABASE_URL)" $(BURST_ARGS); \
	fi

## Feedback under load: the staff inbox (50 rows) and sending feedback against hello, and the
## inbox's query count, on SQLite; on PostgreSQL too when TEST_DATABASE_URL is set (a temporary
## database).
bench-feedback: install translations wrk
	$(BIN)/python bench/feedback_vs_hello.py $(FEEDBACK_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo $(BIN)/python bench/feedback_vs_hello.py --database-url '<TEST_DATABASE_URL>' $(FEEDBACK_ARGS); \
		$(BIN)/python bench/feedback_vs_hello.py --database-url "$(TEST_DATABASE_URL)" $(FEEDBACK_ARGS); \
	fi

## Satisfaction under load: the rating page and the one-time rating POST (one token per
## request; the per-IP rating limit raised for the bench server) against hello, with the
## ratings counted in the database, on SQLite; on PostgreSQL too when TEST_DATABASE_URL is set
## (a temporary database).
bench-satisfaction: install translations wrk
	$(BIN)/python bench/rating_vs_hello.py $(SATISFACTION_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo $(BIN)/python bench/rating_vs_hello.py --database-url '<TEST_DATABASE_URL>' $(SATISFACTION_ARGS); \
		$(BIN)/python bench/rating_vs_hello.py --database-url "$(TEST_DATABASE_URL)" $(SATISFACTION_ARGS); \
	fi

## The chairman's dashboard at scale: its time with 10 thousand, 100 thousand and 1 million
## ratings over the 126 Hà Nội wards (target: within 2x of the time at 10 thousand), beside the
## raw aggregation, and its throughput at 1 million against hello, on SQLite; on PostgreSQL too,
## up to 10 million, when TEST_DATABASE_URL is set (a temporary database). DASHBOARD_ARGS=--quick
## for a short run.
bench-dashboard: install translations wrk
	$(BIN)/python bench/dashboard_scale.py $(DASHBOARD_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo $(BIN)/python bench/dashboard_scale.py --database-url '<TEST_DATABASE_URL>' $(DASHBOARD_ARGS); \
		$(BIN)/python bench/dashboard_scale.py --database-url "$(TEST_DATABASE_URL)" $(DASHBOARD_ARGS); \
	fi

## Every page of issue 17 against hello and the floor app (bench/floor_app.py: the portal's
## extension stack, nothing else), interleaved, medians of three rounds: ratios, worker CPU ms
## per request, SQL statements / round trips, worker RSS, cached pages' p50/p99 (docs/performance.md).
## SQLite; PostgreSQL, directly and through PgBouncer, when TEST_DATABASE_URL is set (a temporary
## database). PAGES_ARGS="--seconds 2 --warmup 1 --rounds 1" for a short run. (install-test: the
## PgBouncer run starts it with tests/nodes_support.py.)
bench-pages: install-test translations wrk
	$(BIN)/python bench/pages_vs_floor.py $(PAGES_ARGS)
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
		echo $(BIN)/python bench/pages_vs_floor.py --database-url '<TEST_DATABASE_URL>' $(PAGES_ARGS); \
		$(BIN)/python bench/pages_vs_floor.py --database-url "$(TEST_DATABASE_URL)" $(PAGES_ARGS); \
		echo $(BIN)/python bench/pages_vs_floor.py --database-url '<TEST_DATABASE_URL>' --pgbouncer $(PAGES_ARGS); \
		$(BIN)/python bench/pages_vs_floor.py --database-url "$(TEST_DATABASE_URL)" --pgbouncer $(PAGES_ARGS); \
	fi

clean:
	rm -rf $(VENV) instance/*.db .pytest_cache translations/*/LC_MESSAGES/*.mo
