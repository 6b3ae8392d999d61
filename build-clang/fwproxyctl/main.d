build-clang/fwproxyctl/main.o: src/fwproxyctl/main.c \
  src/fwproxyctl/check.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/fwproxyctl/denied.h src/fwproxyctl/instance.h \
  src/fwproxyctl/firewall.h src/fwproxyctl/rulesdir.h \
  src/fwproxyctl/vms.h src/common/hostname.h src/fwproxyctl/qubes.h \
  src/fwproxyctl/template.h src/fwproxyctl/test.h src/common/util.h

src/fwproxyctl/check.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/fwproxyctl/denied.h:

src/fwproxyctl/instance.h:

src/fwproxyctl/firewall.h:

src/fwproxyctl/rulesdir.h:

src/fwproxyctl/vms.h:

src/common/hostname.h:

src/fwproxyctl/qubes.h:

src/fwproxyctl/template.h:

src/fwproxyctl/test.h:

src/common/util.h:
