# Everything builds in release.
CARGO ?= cargo
EXPERIMENT ?= embeddings-extravaganza-1
VARIANT ?= x01
SEED ?= 0
PRESET ?= cpu
VARIANTS ?= x00,x01,x02,x03,x04
SEEDS ?= 0,1,2,3,4
# The committed CPU runs used 2 threads; a run is bit-for-bit repeatable at the same count.
THREADS ?= 2
# The real-text corpus of the cpu preset (trainer/src/data/corpora.rs pins the same names).
CORPUS ?= tdavid
CORPUS_PACKAGES ?= diatheke sword-comm-tdavid=2.1-1
# Empty: site.toml's [publish] remote (origin when unset).
REMOTE ?=
# Two builds, compiled once each: the report alone (`make post` needs no burn, so a fresh clone
# has the article in about two minutes) and the test build of the whole workspace, which also
# makes both binaries. pins/ gives the report's crates the features the workspace build gives
# them, so neither build compiles what the other already has (tests/pins.rs checks).
BIN := $(or $(CARGO_TARGET_DIR),target)/release
# The trainer's allocator (mimalloc) keeps freed memory instead of returning it to the OS after
# 10 ms: large tensors then skip a page fault per 4 KiB every step (reference config: ~20% faster).
export MIMALLOC_PURGE_DELAY ?= -1

.PHONY: build build-report corpus post run sweep publish serve test bench check import-x0 gpu-check-build

build: ## both release binaries, target/release/report and target/release/trainer (and the tests)
	$(CARGO) test --workspace --release --no-run -q

build-report: ## the report binary alone (no burn), as the workspace build makes it
	$(CARGO) build --release -p report -q

corpus: build ## the cpu preset's real-text corpus: its Debian packages (apt-get, as root) -> shards in data/corpus/
	@missing=; for p in $(CORPUS_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$${p%%=*}" 2>/dev/null | grep -q ' installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(BIN)/trainer corpus --name $(CORPUS) --out data/corpus

post: build-report ## figures + filled markdown + HTML site from the committed runs
	$(BIN)/report build

run: build ## train one ablation: make run VARIANT=x02 SEED=0
	$(BIN)/trainer run --experiment $(EXPERIMENT) --variant $(VARIANT) --seed $(SEED) --preset $(PRESET) --threads $(THREADS)

sweep: build ## every variant x seed not already finished with the same config
	$(BIN)/trainer sweep --experiment $(EXPERIMENT) --variants $(VARIANTS) --seeds $(SEEDS) --preset $(PRESET) --threads $(THREADS)

publish: build-report ## build the committed tree (HEAD) and commit that site to the gh-pages branch of site.toml's remote (or REMOTE=...)
	$(BIN)/report publish $(if $(REMOTE),--remote $(REMOTE))

serve: build-report ## local preview that rebuilds on change
	$(BIN)/report serve

import-x0: build-report ## the original study's 16 runs into runs/x0-experiment (from ../shared/fixtures)
	REPORT=$(abspath $(BIN))/report scripts/import-x0-experiment.sh

test: ## every test
	$(CARGO) test --workspace --release

bench: build ## speed and memory figures; TORCH_PYTHON=<python with torch> adds the PyTorch anchor
	$(BIN)/trainer bench
	$(BIN)/report bench

check: ## lints, and the GPU feature still compiles
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --release --all-targets -- -D warnings
	$(CARGO) check --release -p trainer --features cuda

GPU_CHECK := $(or $(CARGO_TARGET_DIR),target)/gpu-check
gpu-check-build: ## the CUDA trainer, stripped, with scripts/gpu-check.sh in target/gpu-check/ (< 64 MiB)
	$(CARGO) build --release -p trainer --features cuda
	mkdir -p $(GPU_CHECK)
	strip -o $(GPU_CHECK)/trainer $(BIN)/trainer
	cp scripts/gpu-check.sh $(GPU_CHECK)/
	@size=$$(du -cb $(GPU_CHECK)/* | tail -n 1 | cut -f1); echo "$(GPU_CHECK): $$size bytes"; \
	  test $$size -lt 67108864 || { echo "over 64 MiB" >&2; exit 1; }
