# make install    PREFIX (default /usr/local), DESTDIR for staged installs
# make uninstall  removes exactly what install put there
#
# The systemd units go to $(SYSTEMDDIR) with their ExecStart pointing at
# $(SBINDIR); they are installed, never enabled or started.

SBINDIR        ?= $(PREFIX)/sbin
MANDIR         ?= $(PREFIX)/share/man
DOCDIR         ?= $(PREFIX)/share/doc/fwproxy
EXAMPLESDIR    ?= $(DOCDIR)/examples
COMPLETIONSDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDDIR     ?= $(PREFIX)/lib/systemd/system
INSTALL        ?= install

INSTALL_EXAMPLES := $(notdir $(wildcard examples/*)) config.example \
                    fwproxy.conf.example
INSTALL_DOCS     := README.md SECURITY.md install.md fwproxyctl.md \
                    allowlists.md
INSTALL_UNITS    := fwproxy@.service fwproxy@.socket

.PHONY: install uninstall

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(EXAMPLESDIR) \
		$(DESTDIR)$(COMPLETIONSDIR) $(DESTDIR)$(SYSTEMDDIR)
	$(INSTALL) -m 755 $(BIN)/fwproxy $(BIN)/fwproxyctl $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 644 docs/man/fwproxy.conf.5 $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 644 docs/man/fwproxy.8 docs/man/fwproxyctl.8 \
		$(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 README.md SECURITY.md docs/install.md \
		docs/fwproxyctl.md docs/allowlists.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 examples/* contrib/qubes/config.example \
		contrib/fwproxy.conf.example $(DESTDIR)$(EXAMPLESDIR)/
	$(INSTALL) -m 644 contrib/bash-completion/fwproxyctl \
		$(DESTDIR)$(COMPLETIONSDIR)/fwproxyctl
	for u in $(INSTALL_UNITS); do \
		sed 's|/usr/local/sbin/|$(SBINDIR)/|g' contrib/$$u \
			>$(DESTDIR)$(SYSTEMDDIR)/$$u.new && \
		chmod 644 $(DESTDIR)$(SYSTEMDDIR)/$$u.new && \
		mv $(DESTDIR)$(SYSTEMDDIR)/$$u.new \
			$(DESTDIR)$(SYSTEMDDIR)/$$u || exit 1; \
	done

# Only fwproxy's own directories go on a real system; in a staged install
# (DESTDIR set) every directory left empty goes too, up to DESTDIR.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/fwproxy $(DESTDIR)$(SBINDIR)/fwproxyctl \
		$(DESTDIR)$(MANDIR)/man5/fwproxy.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/fwproxy.8 \
		$(DESTDIR)$(MANDIR)/man8/fwproxyctl.8 \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(INSTALL_DOCS)) \
		$(addprefix $(DESTDIR)$(EXAMPLESDIR)/,$(INSTALL_EXAMPLES)) \
		$(DESTDIR)$(COMPLETIONSDIR)/fwproxyctl \
		$(addprefix $(DESTDIR)$(SYSTEMDDIR)/,$(INSTALL_UNITS))
	rmdir $(DESTDIR)$(EXAMPLESDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null || true
	@if [ -n "$(DESTDIR)" ]; then \
		for d in $(EXAMPLESDIR) $(SBINDIR) $(MANDIR)/man5 $(MANDIR)/man8 \
			$(COMPLETIONSDIR) $(SYSTEMDDIR); do \
			while [ "$$d" != / ] && [ "$$d" != . ]; do \
				if [ -d "$(DESTDIR)$$d" ]; then \
					rmdir "$(DESTDIR)$$d" 2>/dev/null || break; \
				fi; \
				d=$$(dirname "$$d"); \
			done; \
		done; \
	fi

# Install and uninstall into a scratch DESTDIR, the manuals, the completion
# and the units (tests/packaging/test_install.py); then the other
# tests/packaging/test_*.py: the README's dependency table against the
# install scripts, and make dist in two folders giving the same bytes.
.PHONY: test-packaging
test-packaging: all
	$(PYTHON) tests/packaging/test_install.py
	$(PYTHON) -m pytest -q -p no:cacheprovider \
		$(filter-out %/test_install.py,$(wildcard tests/packaging/test_*.py))
