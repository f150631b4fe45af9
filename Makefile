# routesec.bgp: every target sets up what it needs (Debian 12, root).
SHELL := /bin/bash
.PHONY: demo onboard test lab-up lab-down lab-reset lint sanity unit bench build

demo:            ## start the lab, then own-prefix filters: check mode with diff, apply, re-run
	bash scripts/demo.sh

onboard:         ## onboard the block 185.230.72.0/22 in the lab: due diligence, ROA, route object, filters, announcement, check
	bash scripts/onboard.sh

test:            ## start the lab and run every test (lint, unit, integration, ansible-test sanity)
	bash scripts/test.sh

lab-up:
	bash tests/lab/lab.sh up

lab-down:
	bash tests/lab/lab.sh down

lab-reset:
	bash tests/lab/lab.sh reset

unit:
	eval "$$(bash scripts/setup.sh)" && python -m pytest tests/unit -q

lint:            ## ruff, and ansible-lint --profile production on the playbooks and roles
	bash scripts/lint.sh

sanity:
	bash scripts/sanity.sh

bench:           ## benchmarks (needs the lab): NetBox read + intent at scale, rendering speed
	bash bench/run.sh

build:
	eval "$$(bash scripts/setup.sh)" && ansible-galaxy collection build --force --output-path "$${ROUTESEC_CACHE}/build"
