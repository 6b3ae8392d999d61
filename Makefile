# fwproxy: a plain GNU Makefile.
#   make             build bin/fwproxy and bin/fwproxyctl
#   make test        unit tests, fuzz corpus replay, integration tests
#   make check-asan  the same under AddressSanitizer + UndefinedBehaviorSanitizer
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
CPPFLAGS += -D_GNU_SOURCE -DFWPROXY_VERSION='"$(VERSION)"' -Isrc $(PKG_CFLAGS) \
            -MMD -MP
LDLIBS   += $(PKG_LIBS)

MAINS    := src/fwproxy.c src/fwproxyctl.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard src/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libfwproxy.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)

.PHONY: all check test unit integration check-asan fuzz fuzz-replay bench install \
        uninstall clean format check-format

all: $(BIN)/fwproxy $(BIN)/fwproxyctl

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BIN)/%: $(BUILD)/%.o $(LIB) | $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# The daemon with test hooks (SIGUSR2 makes a forbidden call), for the
# sandbox tests only; never installed.
$(BUILD)/fwproxy-testhooks.o: src/fwproxy.c | $(BUILD)
	$(CC) $(CPPFLAGS) -DFWPROXY_TEST_HOOKS $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD) $(BIN) $(BUILD)/tests:
	mkdir -p $@

unit: $(UNIT_BINS) fuzz-replay
	@set -e; for t in $(UNIT_BINS); do echo "# $$t"; $$t; done

# Replays every committed fuzz corpus once through its target, built as a
# plain program (fuzz/replay.c supplies main()).
FUZZ_REPLAY_BINS := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz-replay/%)
$(BUILD)/fuzz-replay/%: fuzz/%.c fuzz/replay.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< fuzz/replay.c $(LIB) $(LDLIBS)

fuzz-replay: $(FUZZ_REPLAY_BINS)
	@set -e; for t in $(FUZZ_REPLAY_BINS); do \
		n=$$(basename $$t); $$t fuzz/corpus/$${n#fuzz_}; done

integration: all $(BIN)/fwproxy-testhooks
	FWPROXY_BIN=$(abspath $(BIN)) $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/integration $(wildcard tests/e2e tests/browser)

test: unit integration

# Everything CI runs: the format, the suite plain, install and release
# checks, the suite under sanitizers, then each fuzz target for a short
# while.
check:
	$(MAKE) check-format
	$(MAKE) test
	$(MAKE) test-packaging
	$(MAKE) dist-check
	$(MAKE) check-asan
	$(MAKE) fuzz FUZZ_SECONDS=20

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
			-o build-fuzz/$$n $$f build-fuzz/libfwproxy.a $(LDLIBS); \
		mkdir -p build-fuzz/corpus-$$n; \
		./build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			build-fuzz/corpus-$$n fuzz/corpus/$${n#fuzz_}; \
	done

lib-fuzz: $(LIB)

bench: all
	bench/run

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h

check-format:
	clang-format --dry-run --Werror src/*.c src/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build build-asan build-fuzz bin bin-asan

# install, uninstall, dist, dist-check
-include $(wildcard mk/*.mk)

-include $(wildcard $(BUILD)/*.d $(BUILD)/tests/*.d)
