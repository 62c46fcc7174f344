# swclone: build, demo, test, install. Run as root on Debian; missing packages are installed.
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
# The release build is tuned for start-up (see README, "Speed").
RELEASE_FLAGS = -c release --static-swift-stdlib
BIN = .build/release/swclone
CONFORMANCE ?= ../shared/conformance/run
# Debian packages the build and the tests need (pkg-config name or command -> package).
DEPS = libcap-dev:pkg-config\ --exists\ libcap pkg-config:command\ -v\ pkg-config \
       uidmap:command\ -v\ newuidmap iproute2:command\ -v\ ip procps:command\ -v\ ps \
       libcap2-bin:command\ -v\ capsh

.PHONY: all deps build release demo test stress conformance install uninstall clean

all: release

# Installs the Debian packages that are missing (apt-get update only when needed).
deps:
	@missing=""; for d in $(DEPS); do pkg=$${d%%:*}; check=$${d#*:}; \
	  sh -c "$$check" >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root (or install:$$missing)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Builds swclone and shows what it isolates: ps sees only the namespace's processes.
demo: release
	@echo '$$ swclone --pid --mount --uts --ipc --net --fork --mount-proc --hostname demo -- sh -c "hostname; ps -ef; ip -o link"'
	@$(BIN) --pid --mount --uts --ipc --net --fork --mount-proc --hostname demo -- \
	  sh -c 'echo "hostname: $$(hostname)"; ps -ef; ip -o link'

# Every test: unit tests and integration tests in real namespaces (root runs the privileged ones).
test: deps
	$(SWIFT) build
	$(SWIFT) test

# Not part of `make test`: 1000 sequential and 50 concurrent launches over every namespace
# type; reports failures, leftover processes, mounts and descriptors (all must be 0) and the time.
stress: release
	Tests/Stress/stress.sh $(BIN) 1000 50

install: release
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/swclone
	install -D -m 644 man/swclone.1 $(DESTDIR)$(PREFIX)/share/man/man1/swclone.1
	mkdir -p $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN) --generate-completion-script bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/swclone
	$(BIN) --generate-completion-script zsh >$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_swclone
	$(BIN) --generate-completion-script fish >$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/swclone.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/swclone $(DESTDIR)$(PREFIX)/share/man/man1/swclone.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/swclone \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_swclone \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/swclone.fish

clean:
	rm -rf .build
