build-clang/fwproxyctl/rules_source.o: src/fwproxyctl/rules_source.c \
  src/fwproxyctl/rules_source.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/fwproxyctl/instance.h \
  src/fwproxyctl/firewall.h src/fwproxyctl/rulesdir.h \
  src/fwproxyctl/vms.h src/common/buf.h src/fwproxyctl/qubes_rules.h \
  src/common/hostname.h src/fwproxyctl/qubesdb.h src/common/util.h

src/fwproxyctl/rules_source.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/fwproxyctl/instance.h:

src/fwproxyctl/firewall.h:

src/fwproxyctl/rulesdir.h:

src/fwproxyctl/vms.h:

src/common/buf.h:

src/fwproxyctl/qubes_rules.h:

src/common/hostname.h:

src/fwproxyctl/qubesdb.h:

src/common/util.h:
