# Everything builds in release: one build serves the tests, the article and training.
CARGO ?= cargo
EXPERIMENT ?= embeddings-extravaganza-1
VARIANT ?= x01
SEED ?= 0
PRESET ?= tiny
VARIANTS ?= x00,x01,x02,x03,x04
SEEDS ?= 0,1,2
REMOTE ?= origin
# The trainer's allocator (mimalloc) keeps freed memory instead of returning it to the OS after
# 10 ms: large tensors then skip a page fault per 4 KiB every step (reference config: ~20% faster).
export MIMALLOC_PURGE_DELAY ?= -1

.PHONY: post run sweep publish serve test bench check fmt

post: ## figures + filled markdown + HTML site from the committed runs
	$(CARGO) run --release -q -p report -- build

run: ## train one ablation: make run VARIANT=x02 SEED=0
	$(CARGO) run --release -q -p trainer -- run --experiment $(EXPERIMENT) --variant $(VARIANT) --seed $(SEED) --preset $(PRESET)

sweep: ## every variant x seed not already finished with the same config
	$(CARGO) run --release -q -p trainer -- sweep --experiment $(EXPERIMENT) --variants $(VARIANTS) --seeds $(SEEDS) --preset $(PRESET)

publish: post ## commit site/ to the gh-pages branch of $(REMOTE)
	$(CARGO) run --release -q -p report -- publish --remote $(REMOTE)

serve: ## local preview that rebuilds on change
	$(CARGO) run --release -q -p report -- serve

test: ## every test
	$(CARGO) test --workspace --release

bench: ## speed and memory figures
	$(CARGO) run --release -q -p trainer --bin trainer -- bench
	$(CARGO) run --release -q -p report -- bench

check: ## lints, and the GPU feature still compiles
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --release --all-targets -- -D warnings
	$(CARGO) check --release -p trainer --features cuda
