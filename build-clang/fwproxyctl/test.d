build-clang/fwproxyctl/test.o: src/fwproxyctl/test.c \
  src/fwproxyctl/test.h src/common/config.h src/common/netaddr.h \
  src/fwproxyctl/instance.h src/fwproxyctl/firewall.h \
  src/fwproxyctl/rulesdir.h src/fwproxyctl/vms.h src/common/filter.h \
  src/common/hostname.h src/fwproxyctl/denied.h src/common/util.h

src/fwproxyctl/test.h:

src/common/config.h:

src/common/netaddr.h:

src/fwproxyctl/instance.h:

src/fwproxyctl/firewall.h:

src/fwproxyctl/rulesdir.h:

src/fwproxyctl/vms.h:

src/common/filter.h:

src/common/hostname.h:

src/fwproxyctl/denied.h:

src/common/util.h:
