# swclone: build, demo, test, install, package. Run as root on Debian; missing packages are
# installed (except by `make install`, which only copies).
SWIFT ?= swift
# Where `make install` copies (DESTDIR: the staging root of a package). The completions go where
# each shell looks on Debian: bash-completion reads $(PREFIX)/share/bash-completion/completions
# for /usr and /usr/local; zsh's $fpath has /usr/share/zsh/vendor-completions and
# /usr/local/share/zsh/site-functions; fish reads /usr/share/fish/vendor_completions.d, and for
# another prefix only /etc/fish/completions (it finds /usr/local/share only through
# XDG_DATA_DIRS, which a console or ssh login does not set).
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(DATADIR)/zsh/vendor-completions,$(DATADIR)/zsh/site-functions)
FISHCOMPDIR ?= $(if $(filter /usr,$(PREFIX)),$(DATADIR)/fish/vendor_completions.d,/etc/fish/completions)
# The AppArmor profile that lets swclone create user namespaces on Ubuntu 23.10 and later
# (kernel.apparmor_restrict_unprivileged_userns=1): installed as data, put in /etc/apparmor.d
# by the package where the system's AppArmor parser reads it (see Tests/Tools/make-deb.sh).
APPARMORDIR ?= $(DATADIR)/swclone/apparmor
# The release build is tuned for start-up (measured in Tests/Benchmarks/README.md):
# -static-executable: no dynamic loader; it relocated libstdc++, libm, libcap and the Swift
#   runtime at every launch (2.4 M instructions, half the wall time of a launch). A static
#   program cannot load glibc's name-service modules, so user and group names come from
#   /etc/passwd and /etc/group (Sources/CShim/static_nss.c), then getent for a name those
#   lack (Sources/CShim/name_service.c); libcap.a is in libcap-dev, libseccomp.a
#   (--seccomp-default's filter) in libseccomp-dev.
# -disable-concrete-type-metadata-mangled-name-accessors: generic types such as Set<Namespace>
#   get their metadata from direct accessor calls instead of demangling a name at run time,
#   which scanned all 3,800 protocol conformances of the binary (150 k instructions a lookup).
# Function and data sections, linked by lld in the order of $(ORDER) (`make startup-order`):
#   the code and data a launch touches sit together instead of all over 27 MB, so a launch
#   faults in about 60 fewer pages (195 to 132 for `--uts /bin/true`), 6-10% of its time.
# Rejected, no gain measured: -Osize (slower), -enforce-exclusivity=unchecked (drops a safety
# check for 0.5%), LTO (experimental in SwiftPM, no gain); stripping changes size, not speed,
# so `make install` strips the installed copy and .build keeps its symbols for profiling.
# -I $(BUILD_INFO)'s directory: --version's commit and compiler (Sources/CShim/build_info.c).
ORDER = Tests/Tools/startup.order
BUILD_INFO = .build/make/swclone_build.h
COMMIT ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
RELEASE_FLAGS = -c release -Xswiftc -static-executable -Xcc -I$(CURDIR)/$(dir $(BUILD_INFO)) \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
	-Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcc -fdata-sections \
	-Xswiftc -use-ld=lld -Xlinker --symbol-ordering-file=$(CURDIR)/$(ORDER) -Xlinker --no-warn-symbol-ordering
BIN = .build/release/swclone
CONFORMANCE ?= ../shared/conformance/run
# Debian packages the build needs, and those the tests and swclone's own use need
# (package:check, the check a shell command): newuidmap for ID ranges; ip, ps, capsh in tests;
# strace to kill or hold swclone at a chosen system call (tests, `make faults`); bwrap to compare
# the filesystem view with, and cc to build the seccomp tests' helper, in tests.
BUILD_DEPS = libcap-dev:pkg-config\ --exists\ libcap libseccomp-dev:pkg-config\ --exists\ libseccomp \
       pkg-config:command\ -v\ pkg-config
RUN_DEPS = uidmap:command\ -v\ newuidmap iproute2:command\ -v\ ip procps:command\ -v\ ps \
       libcap2-bin:command\ -v\ capsh strace:command\ -v\ strace bubblewrap:command\ -v\ bwrap gcc:command\ -v\ cc
# What only the tests use: the terminal driver, and the shells whose completion they test.
TEST_DEPS = python3:command\ -v\ python3 zsh:test\ -x\ /usr/bin/zsh fish:test\ -x\ /usr/bin/fish \
       bash-completion:test\ -f\ /usr/share/bash-completion/bash_completion
# What `make bench` compares with and measures by.
BENCH_DEPS = hyperfine:command\ -v\ hyperfine bubblewrap:command\ -v\ bwrap valgrind:command\ -v\ valgrind \
       time:test\ -x\ /usr/bin/time jq:command\ -v\ jq util-linux:command\ -v\ unshare
# What `make check` measures by and compares with (nm, strip, readelf: binutils), and checks the
# package and the manual with.
CHECK_DEPS = valgrind:command\ -v\ valgrind util-linux:command\ -v\ unshare binutils:command\ -v\ nm \
       lintian:command\ -v\ lintian mandoc:command\ -v\ mandoc
# swift-format's configuration (.swift-format) and what it covers.
FORMAT = --configuration .swift-format --recursive --parallel Sources Tests Package.swift

.PHONY: all deps build-deps test-deps bench-deps check-deps build build-info release demo test check format bench \
	startup-order stress fuzz faults conformance install uninstall deb clean

all: release

# Installs the Debian packages of a list that are missing (apt-get update only when needed).
define install-missing
	@missing=""; for d in $(1); do pkg=$${d%%:*}; check=$${d#*:}; \
	  sh -c "$$check" >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root (or install:$$missing)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

build-deps:
	$(call install-missing,$(BUILD_DEPS))

deps: build-deps
	$(call install-missing,$(RUN_DEPS))

test-deps:
	$(call install-missing,$(TEST_DEPS))

bench-deps:
	$(call install-missing,$(BENCH_DEPS))

check-deps:
	$(call install-missing,$(CHECK_DEPS))

build: build-deps
	$(SWIFT) build

release: build-deps build-info
	$(SWIFT) build $(RELEASE_FLAGS)

# $(BUILD_INFO): the commit and the compiler's version, rewritten only when they change (a
# rewrite recompiles build_info.c alone). A build without make, or without git, has none.
build-info:
	@mkdir -p $(dir $(BUILD_INFO))
	@{ echo '#define SWCLONE_COMMIT "$(COMMIT)"'; \
	  echo "#define SWCLONE_SWIFT \"$$($(SWIFT) --version 2>/dev/null | head -1)\""; } >$(BUILD_INFO).new
	@if cmp -s $(BUILD_INFO).new $(BUILD_INFO); then rm $(BUILD_INFO).new; else mv $(BUILD_INFO).new $(BUILD_INFO); fi

# The main job: builds swclone and runs a small project's CI step in a sandbox (Tests/Demo/run.sh:
# read-only host, writable workspace, private /tmp, no network, /root and /home hidden, timeout
# and limits), then a step that hangs under a 2-second timeout. Leaves nothing behind.
demo: deps release
	@Tests/Demo/run.sh $(BIN) .build/demo

# Every test: command line, plan and clone core unit tests, and integration tests in real
# namespaces (root runs the privileged ones).
test: deps test-deps
	$(SWIFT) build
	$(SWIFT) test --disable-xctest

# What CI checks beside `make test` (root). Each part runs even when one before failed, so one
# run shows every failure:
# - swift format lint --strict. .swift-format (JSON, no comments: the choices are here) keeps
#   the code's own style, so findings are code that left it, not a rewrite of everything:
#   4 spaces; 140 columns (31 lines are longer, most of them messages and help texts); #if
#   blocks not indented; OneVariableDeclarationPerLine and OneCasePerLine off (`var a = 0,
#   b = 0`, one-line enums). swift-format's layout cannot be turned off: continuation lines
#   are indented, not aligned under an opening parenthesis; `make format` applies it.
# - the instruction budget: start-up is a launcher's speed, and an instruction count (callgrind,
#   up to the hand-over) is the same on a noisy shared machine where a wall time is not. The
#   release build (what users run) may not run more instructions than util-linux unshare
#   doing the same work, in place and forked.
# - Tests/Tools/startup.order still names the release binary's symbols (90% of all, 75% of
#   swclone's own): the link ignores names it lacks, so a stale order only shows as slower
#   launches (20 more page faults, 0.9 MB more RSS for `--uts /bin/true` after the last
#   rewrites).
# - the Debian package (`make deb`): lintian finds no error or warning, and it installs with
#   apt-get, runs (--version names this commit) and purges in a throwaway root
#   (Tests/Tools/check-deb.sh).
# - the manual: `mandoc -Tlint -W style` prints nothing (no warning, no style finding such as
#   a text line over 80 bytes).
# - the fuzz target still builds and finds nothing in $(CHECK_FUZZ_RUNS) inputs: it is built
#   only by `make fuzz`, so a change of the code it calls would otherwise break it unseen.
check: release check-deps
	@failed=""; \
	echo "== swift format lint (.swift-format)"; \
	if $(SWIFT) format lint --strict $(FORMAT) >.build/lint.out 2>&1; then echo "no findings"; else \
	  cat .build/lint.out; failed="$$failed lint"; \
	  echo "$$(grep -c ': error: ' .build/lint.out) findings:" $$(sed -n 's/.*: error: \[\([A-Za-z]*\)\].*/\1/p' \
	    .build/lint.out | sort | uniq -c | sort -rn | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $$2, $$1 }'); \
	  echo "(\`make format\` rewrites the files to the style: it fixes all but a few rules' findings)"; \
	fi; \
	echo "== manual: mandoc -Tlint -W style man/swclone.1"; \
	if mandoc -Tlint -W style man/swclone.1 >.build/mandoc.out 2>&1 && [ ! -s .build/mandoc.out ]; then \
	  echo "no findings"; else cat .build/mandoc.out; failed="$$failed manual"; fi; \
	echo "== instruction budget: callgrind, up to the hand-over, $(BIN)"; \
	Tests/Tools/instruction-budget.sh $(BIN) || failed="$$failed instruction-budget"; \
	echo "== startup order"; \
	Tests/Tools/check-startup-order.sh $(BIN) $(ORDER) || failed="$$failed startup-order"; \
	echo "== fuzz target: make fuzz FUZZ_RUNS=$(CHECK_FUZZ_RUNS)"; \
	$(MAKE) --no-print-directory fuzz FUZZ_RUNS=$(CHECK_FUZZ_RUNS) >.build/fuzz.log 2>&1 && tail -1 .build/fuzz.log || \
	  { tail -20 .build/fuzz.log; failed="$$failed fuzz"; }; \
	echo "== package: make deb, lintian, apt-get install in a throwaway root"; \
	if $(MAKE) --no-print-directory deb >.build/deb.log 2>&1; then \
	  COMMIT=$(COMMIT) Tests/Tools/check-deb.sh .build/deb/swclone_*.deb || failed="$$failed package"; \
	else cat .build/deb.log; failed="$$failed package"; fi; \
	if [ -n "$$failed" ]; then echo "make check failed:$$failed" >&2; exit 1; fi

# Rewrites the Swift files to .swift-format's style, as `make check` lints them.
format:
	$(SWIFT) format format --in-place $(FORMAT)

# swclone against util-linux unshare and bubblewrap on the same launches: one Markdown table
# (median times from one hyperfine run, instructions, peak RSS). Not part of `make test`.
bench: release bench-deps
	Tests/Benchmarks/bench.sh $(BIN)

# Rewrites $(ORDER) from traces of representative launches (valgrind's lackey); run it when
# the launch path changed much. The release build then links in the new order.
startup-order: release bench-deps
	Tests/Tools/startup-order.sh $(BIN) $(ORDER)
	rm -f $(BIN)
	$(SWIFT) build $(RELEASE_FLAGS)

# Not part of `make test`: 1000 sequential and 50 concurrent launches over every namespace
# type; reports failures, leftover processes, mounts and descriptors (all must be 0) and the time.
stress: release
	Tests/Stress/stress.sh $(BIN) 1000 50

# Not part of `make test`: libFuzzer over the command line, spec and plan with fixed facts
# (Tests/Fuzz; nothing is launched), from the committed seed command lines. SWCLONE_FUZZ=1 adds
# the target to the package: any other build leaves it out, as libFuzzer brings its main. Its own
# build directory, optimized for inputs per second but with -enable-testing to reach the
# internal option tables (preconditions and overflow checks stay on in -c release).
FUZZ_RUNS ?= 1000000
CHECK_FUZZ_RUNS = 20000
FUZZ_BIN = .build-fuzz/release/swclone-fuzz
fuzz: build-deps
	SWCLONE_FUZZ=1 $(SWIFT) build -c release --build-path .build-fuzz --product swclone-fuzz \
	  -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing
	Tests/Fuzz/fuzz.sh $(FUZZ_BIN) $(FUZZ_RUNS)

# Not part of `make test`: $(FAULT_KILLS) launches of every kind (in place, forked, --pid, --init,
# ID maps, unprivileged, --json-status, kept namespaces, --kill-child, --set-tid, --into-cgroup,
# enter) killed at random points, most under strace holding swclone at one system call to widen
# the windows around it; reports per kind processes left in set-up, mounts, bound namespace files
# and cgroups (all must be 0). Python for a child subreaper, a mount namespace and timing.
FAULT_KILLS ?= 300
faults: release deps
	$(call install-missing,python3:command\ -v\ python3)
	Tests/Faults/faults.py $(BIN) $(FAULT_KILLS)

# The release build, its manual, completions and AppArmor profile, copied: no apt, no network,
# nothing written but DESTDIR and .build (package-building chroots). Where swift and libcap-dev
# are installed the binary is brought up to date first; elsewhere `make release` must have built it.
# Stripped first, then copied: launches from a file strip has just rewritten in place (as
# `install -s` does) were measured 5-8% slower than from the same bytes copied sequentially.
install:
	@if command -v $(SWIFT) >/dev/null 2>&1 && pkg-config --exists libcap 2>/dev/null; then \
	  $(MAKE) --no-print-directory build-info && $(SWIFT) build $(RELEASE_FLAGS); \
	elif [ ! -x $(BIN) ]; then \
	  echo "make install: $(BIN) is not built, and swift or libcap-dev (pkg-config) is missing to build it: run make release" >&2; \
	  exit 1; \
	fi
	strip -R .comment -o $(BIN)-stripped $(BIN)
	install -D -m 755 $(BIN)-stripped $(DESTDIR)$(BINDIR)/swclone
	install -D -m 644 man/swclone.1 $(DESTDIR)$(MANDIR)/man1/swclone.1
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR) $(DESTDIR)$(APPARMORDIR)
	$(BIN) --generate-completion-script bash >$(DESTDIR)$(BASHCOMPDIR)/swclone
	$(BIN) --generate-completion-script zsh >$(DESTDIR)$(ZSHCOMPDIR)/_swclone
	$(BIN) --generate-completion-script fish >$(DESTDIR)$(FISHCOMPDIR)/swclone.fish
	printf '%s\n' '# AppArmor profile for swclone: Ubuntu 23.10 and later let a program create user' \
	  '# namespaces only under a profile that allows it (kernel.apparmor_restrict_unprivileged_userns).' \
	  '# Local additions: /etc/apparmor.d/local/swclone. Needs AppArmor 4 (the userns rule).' \
	  'abi <abi/4.0>,' 'include <tunables/global>' '' 'profile swclone $(BINDIR)/swclone flags=(unconfined) {' \
	  '  userns,' '' '  include if exists <local/swclone>' '}' >$(DESTDIR)$(APPARMORDIR)/swclone

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/swclone $(DESTDIR)$(MANDIR)/man1/swclone.1 $(DESTDIR)$(BASHCOMPDIR)/swclone \
	  $(DESTDIR)$(ZSHCOMPDIR)/_swclone $(DESTDIR)$(FISHCOMPDIR)/swclone.fish $(DESTDIR)$(APPARMORDIR)/swclone
	-rmdir $(DESTDIR)$(APPARMORDIR) $(DESTDIR)$(DATADIR)/swclone 2>/dev/null

# A Debian package (.build/deb/swclone_VERSION_ARCH.deb) of `make install PREFIX=/usr`, for
# `apt install ./swclone_*.deb`: Tests/Tools/make-deb.sh writes what Debian policy asks for
# around it. `make check` checks it (lintian, an install in a throwaway root).
deb: release
	rm -rf .build/deb
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/.build/deb/root PREFIX=/usr
	Tests/Tools/make-deb.sh .build/deb/root .build/deb

clean:
	rm -rf .build .build-fuzz
