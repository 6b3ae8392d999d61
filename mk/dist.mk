# make dist        dist/fwproxy-VERSION-linux-ARCH.tar.gz and its .sha256: a
#                  release that unpacks under /rw/config of a Qubes firewall
#                  VM (or anywhere) and needs no library beyond the C library
# make dist-check  unpacks it into a fresh Debian 12 minbase root (made once
#                  with debootstrap, cached in DIST_BUILD) and fetches a page
#                  through the proxy running there
# make dist-clean  removes dist/ and DIST_BUILD, the cached root included

ARCH        ?= $(shell uname -m)
DIST_DIR    ?= dist
DIST_BUILD  ?= build-dist
DIST_NAME   := fwproxy-$(VERSION)-linux-$(ARCH)
DIST_TAR    := $(DIST_DIR)/$(DIST_NAME).tar.gz
DIST_STAGE  := $(DIST_BUILD)/stage
# Empty: the Debian mirror this machine's apt already uses.
DIST_MIRROR ?=

# glibc stays shared: getpwnam() for User needs its NSS modules, and a
# static glibc would still load them at run time. Everything else is
# linked in, so the firewall VM's template needs no package.
DIST_LDLIBS   := -Wl,-Bstatic $(shell pkg-config --static --libs $(PKGS)) \
                 -Wl,-Bdynamic
# -ffile-prefix-map: the checkout's path stays out of the debug
# information, hence out of the build-id that install -s keeps.
DIST_CFLAGS   := -O2 -g -fstack-protector-strong -fstack-clash-protection \
                 -ffile-prefix-map=$(CURDIR)=.
DIST_CPPFLAGS := -D_FORTIFY_SOURCE=2
DIST_LDFLAGS  := -Wl,-z,relro,-z,now

# Reproducible archives: the same sources give the same bytes wherever
# they are checked out (tests/packaging/test_reproducible_dist.py). Every
# file is dated SOURCE_DATE_EPOCH when set, else from the last commit,
# else from the Makefile (a tree unpacked from an archive).
DIST_EPOCH ?= $(or $(SOURCE_DATE_EPOCH),$(shell \
                git log -1 --format=%ct 2>/dev/null || \
                stat -c %Y $(firstword $(MAKEFILE_LIST))))

.PHONY: dist dist-bin dist-check dist-clean

dist-bin:
	CFLAGS='$(DIST_CFLAGS)' CPPFLAGS='$(DIST_CPPFLAGS)' \
	LDFLAGS='$(DIST_LDFLAGS)' $(MAKE) BUILD=$(DIST_BUILD)/obj \
		BIN=$(DIST_BUILD)/bin LDLIBS='$(DIST_LDLIBS)' \
		$(DIST_BUILD)/bin/fwproxy $(DIST_BUILD)/bin/fwproxyctl
	@for b in fwproxy fwproxyctl; do \
		extra=$$(readelf -d $(DIST_BUILD)/bin/$$b | \
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | \
			grep -v -x -e 'libc\.so\.6' -e 'ld-linux.*' || true); \
		if [ -n "$$extra" ]; then \
			echo "dist: $$b needs $$extra" >&2; exit 1; fi; \
	done

# The tree under /rw/config: fwproxy/ (binaries, manuals, documents,
# examples, completion) and the network hook that keeps the proxies in step
# with the running VMs. The rules directory is fwproxy/ itself; it skips
# the subdirectories, so they never show up as rules files.
dist: dist-bin
	rm -rf $(DIST_STAGE)
	mkdir -p $(DIST_STAGE)/fwproxy/bin $(DIST_STAGE)/fwproxy/man/man5 \
		$(DIST_STAGE)/fwproxy/man/man8 \
		$(DIST_STAGE)/fwproxy/doc/examples \
		$(DIST_STAGE)/fwproxy/bash-completion \
		$(DIST_STAGE)/network-hooks.d $(DIST_DIR)
	install -m 755 -s $(DIST_BUILD)/bin/fwproxy \
		$(DIST_BUILD)/bin/fwproxyctl $(DIST_STAGE)/fwproxy/bin/
	install -m 644 docs/man/fwproxy.conf.5 $(DIST_STAGE)/fwproxy/man/man5/
	install -m 644 docs/man/fwproxy.8 docs/man/fwproxyctl.8 \
		$(DIST_STAGE)/fwproxy/man/man8/
	install -m 644 README.md SECURITY.md docs/install.md docs/fwproxyctl.md \
		docs/allowlists.md $(DIST_STAGE)/fwproxy/doc/
	install -m 644 examples/* contrib/qubes/config.example \
		$(DIST_STAGE)/fwproxy/doc/examples/
	install -m 644 contrib/bash-completion/fwproxyctl \
		$(DIST_STAGE)/fwproxy/bash-completion/
	install -m 755 contrib/qubes/90-fwproxy $(DIST_STAGE)/network-hooks.d/
	echo '$(VERSION)' >$(DIST_STAGE)/fwproxy/doc/VERSION
	tar --sort=name --owner=0 --group=0 --numeric-owner \
		--mode=u+rw,go-w,a+rX --mtime=@$(DIST_EPOCH) \
		-C $(DIST_STAGE) -cf - fwproxy \
		network-hooks.d | gzip -n -9 >$(DIST_TAR).new
	mv $(DIST_TAR).new $(DIST_TAR)
	cd $(DIST_DIR) && sha256sum $(DIST_NAME).tar.gz >$(DIST_NAME).tar.gz.sha256
	@echo "dist: $(DIST_TAR)"

dist-check: dist
	DIST_MIRROR='$(DIST_MIRROR)' $(PYTHON) tests/packaging/dist_check.py \
		--tarball $(DIST_TAR) --cache $(DIST_BUILD)

dist-clean:
	rm -rf $(DIST_DIR) $(DIST_BUILD)
