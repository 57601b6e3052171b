# Courtside — the two commands of the README, and a few helpers.
#   make run    install what is missing, build, run every service with the simulator
#   make test   install what is missing (apt + pip), then run the whole test suite

.PHONY: run test build deps generate check-generated check-layering format check-format bench clean

run:
	scripts/install-deps
	scripts/run-all

test:
	scripts/install-deps --test
	scripts/test-all

build:
	swift build

deps:
	scripts/install-deps --test

generate:
	scripts/generate-proto

check-generated:
	scripts/check-generated

check-layering:
	scripts/check-layering

format:
	scripts/format

check-format:
	scripts/check-format

clean:
	rm -rf .build .build-*
