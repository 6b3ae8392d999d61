# fwproxy: a plain GNU Makefile.
#   make             build bin/fwproxy and bin/fwproxyctl
#   make test        unit tests, fuzz corpus replay, integration tests
#   make check-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-clang the programs and unit tests built by clang
#   make fuzz        run each libFuzzer target for FUZZ_SECONDS (clang)
#   make bench       the benchmark (bench/)
#   make install     PREFIX, DESTDIR (mk/install.mk); make dist, dist-check
#                    (mk/dist.mk)

VERSION  := 0.1.0
CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
BIN      ?= bin
PYTHON   ?= /usr/bin/python3
FUZZ_SECONDS ?= 30

PKGS     := libcares libseccomp libidn2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -fno-strict-aliasing
CPPFLAGS += -D_GNU_SOURCE -DFWPROXY_VERSION='"$(VERSION)"' -Isrc/common \
            $(PKG_CFLAGS) -MMD -MP
LDLIBS   += $(PKG_LIBS)

# One library from src/common, one program from each program folder. A
# program's objects see its own folder and src/common, never the other
# program's.
COMMON_LIB := $(BUILD)/libfwproxy-common.a
COMMON_OBJS := $(patsubst src/common/%.c,$(BUILD)/common/%.o,\
                 $(wildcard src/common/*.c))
define program_objs
$(patsubst src/$(1)/%.c,$(BUILD)/$(1)/%.o,\
  $(filter-out src/$(1)/main.c,$(wildcard src/$(1)/*.c)))
endef
DAEMON_LIB := $(BUILD)/libfwproxy-daemon.a
# What a program built straight from .c files links: its prerequisites
# less the headers that its dependency file (-MMD) adds to them.
LINK_INPUTS = $(filter %.c %.o %.a,$^)
CTL_LIB    := $(BUILD)/libfwproxy-ctl.a

UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
SOURCES   := $(wildcard src/*/*.c src/*/*.h tests/unit/*.h tests/unit/*/*.c)

.PHONY: all check check-clang test unit integration check-asan fuzz fuzz-replay bench install \
        uninstall clean format check-format

all: $(BIN)/fwproxy $(BIN)/fwproxyctl

$(BUILD)/common/%.o: src/common/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/fwproxy/%.o: src/fwproxy/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/fwproxy $(CFLAGS) -c -o $@ $<

$(BUILD)/fwproxyctl/%.o: src/fwproxyctl/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/fwproxyctl $(CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(COMMON_OBJS)
$(DAEMON_LIB): $(call program_objs,fwproxy)
$(CTL_LIB): $(call program_objs,fwproxyctl)
$(COMMON_LIB) $(DAEMON_LIB) $(CTL_LIB):
	rm -f $@
	ar rcs $@ $^

$(BIN)/fwproxy: $(BUILD)/fwproxy/main.o $(DAEMON_LIB) $(COMMON_LIB) | $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/fwproxyctl: $(BUILD)/fwproxyctl/main.o $(CTL_LIB) $(COMMON_LIB) | $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The daemon with test hooks (SIGUSR2 makes a forbidden call), for the
# sandbox tests only; never installed.
$(BUILD)/fwproxy/main-testhooks.o: src/fwproxy/main.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/fwproxy -DFWPROXY_TEST_HOOKS $(CFLAGS) -c -o $@ $<

$(BIN)/fwproxy-testhooks: $(BUILD)/fwproxy/main-testhooks.o $(DAEMON_LIB) \
		$(COMMON_LIB) | $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests mirror src/: tests/unit/DIR/test_X.c sees src/DIR and
# src/common, and links that folder's library.
$(BUILD)/tests/common/%: tests/unit/common/%.c $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $(LINK_INPUTS) $(LDLIBS)

$(BUILD)/tests/fwproxy/%: tests/unit/fwproxy/%.c $(DAEMON_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/fwproxy -Itests/unit $(CFLAGS) $(LDFLAGS) \
		-o $@ $(LINK_INPUTS) $(LDLIBS)

$(BUILD)/tests/fwproxyctl/%: tests/unit/fwproxyctl/%.c $(CTL_LIB) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/fwproxyctl -Itests/unit $(CFLAGS) $(LDFLAGS) \
		-o $@ $(LINK_INPUTS) $(LDLIBS)

$(BIN):
	mkdir -p $@

unit: $(UNIT_BINS) fuzz-replay
	@set -e; for t in $(UNIT_BINS); do echo "# $$t"; $$t; done

# Replays every committed fuzz corpus once through its target, built as a
# plain program (fuzz/replay.c supplies main()).
FUZZ_REPLAY_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz-replay/%)
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/replay.c $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $(LINK_INPUTS) $(LDLIBS)

fuzz-replay: $(FUZZ_REPLAY_BINS)
	@set -e; for t in $(FUZZ_REPLAY_BINS); do \
		n=$$(basename $$t); $$t fuzz/corpus/$${n#fuzz_}; done

# Each run has a temporary folder of its own: pytest makes its shared
# /tmp/pytest-of-USER private again whenever a session starts, which would
# shut the unprivileged workers of a running session out of their files.
integration: all $(BIN)/fwproxy-testhooks
	@t=$$(mktemp -d /tmp/fwproxy-tests.XXXXXX) && \
	FWPROXY_BIN=$(abspath $(BIN)) $(PYTHON) -m pytest -q -p no:cacheprovider \
		--basetemp=$$t tests/integration \
		$(wildcard tests/e2e tests/browser); \
	rc=$$?; rm -rf $$t; exit $$rc

test: unit integration

# Everything CI runs: the format, the suite plain, install and release
# checks, the suite under sanitizers, then each fuzz target for a short
# while.
check:
	$(MAKE) check-format
	$(MAKE) check-clang
	$(MAKE) test
	$(MAKE) test-packaging
	$(MAKE) dist-check
	$(MAKE) check-asan
	$(MAKE) fuzz FUZZ_SECONDS=20

# The programs and unit tests built by clang too: no warning from either
# compiler passes.
check-clang:
	$(MAKE) BUILD=build-clang BIN=bin-clang CC=clang all unit

# The whole suite again with sanitizers, in separate build folders.
check-asan:
	$(MAKE) BUILD=build-asan BIN=bin-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" test

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" lib-fuzz
	@set -e; for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		clang $(CPPFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
			-o build-fuzz/$$n $$f build-fuzz/libfwproxy-common.a $(LDLIBS); \
		mkdir -p build-fuzz/corpus-$$n; \
		./build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			build-fuzz/corpus-$$n fuzz/corpus/$${n#fuzz_}; \
	done

lib-fuzz: $(COMMON_LIB)

# The ClientHello inspection's cost, run by bench/run.
$(BUILD)/bench/tls_hello_cost: bench/tls_hello_cost.c $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(LINK_INPUTS) $(LDLIBS)

bench: all $(BUILD)/bench/tls_hello_cost
	bench/run

format:
	clang-format -i $(SOURCES)

check-format:
	clang-format --dry-run --Werror $(SOURCES)

clean:
	rm -rf build build-asan build-fuzz bin bin-asan

# install, uninstall, dist, dist-check
-include $(wildcard mk/*.mk)

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/tests/*/*.d)
