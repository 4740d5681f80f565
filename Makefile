# Everything goes through scripts/ so the same steps work from make, CI and by hand.
# Ports: K3_PORT (API, 8000), K3_PG_PORT (55432), K3_REDIS_PORT (56379), read by scripts/.
.PHONY: screenshots run backup restore test test-unit test-integration test-e2e lint format lock bench services-start services-stop migrate clean

run:            ## install what is missing, start everything, serve on 127.0.0.1:$K3_PORT (8000)
	scripts/run.sh

test:           ## unit tests (no services), then integration and e2e against PostGIS, Redis, workers
	scripts/test.sh

test-unit:      ## no PostgreSQL, no Redis
	scripts/test.sh tests/unit

test-integration:
	scripts/test.sh tests/integration

test-e2e:
	scripts/test.sh tests/e2e

screenshots:    ## every console view at 1366x768 and 390x844, into screenshots/ (not part of make test)
	K3_TAKE_SCREENSHOTS=1 scripts/test.sh tests/e2e/test_console.py tests/e2e/test_console_kantor.py -k screenshots

lint:           ## ruff (lint + format check) and mypy --strict on k3zones/, api/, workers/
	scripts/bootstrap.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

lock:           ## regenerate requirements/*.txt from pyproject.toml (see scripts/lock.sh)
	scripts/lock.sh

bench:          ## benchmarks (never part of make test); make bench WHAT=plans runs one (post|reports|stages|json|photos|memory|snapshot|plans|chain)
	K3_BENCH=1 scripts/bootstrap.sh
	scripts/services.sh start
	bash -c 'eval "$$(scripts/services.sh env-test)"; .venv/bin/python -m bench $(WHAT)'

backup:         ## database dump + photo folder + manifest into var/backups/<UTC time>/ (K3_BACKUP_DIR)
	scripts/backup.sh

restore:        ## make restore BACKUP=<dir> [FORCE=1]: into an empty database and photo folder, checked
	FORCE="$(FORCE)" scripts/restore.sh "$(BACKUP)"

services-start:
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

migrate:
	bash -c 'eval "$$(scripts/services.sh env)"; .venv/bin/alembic upgrade head'

clean:          ## stop services and delete local data (var/) and the virtualenv
	-scripts/services.sh stop
	rm -rf var .venv
