build-clang/fwproxyctl/denied.o: src/fwproxyctl/denied.c \
  src/fwproxyctl/denied.h src/fwproxyctl/instance.h \
  src/fwproxyctl/firewall.h src/fwproxyctl/rulesdir.h \
  src/fwproxyctl/vms.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/common/hostname.h src/fwproxyctl/test.h \
  src/common/html.h src/common/buf.h src/common/util.h

src/fwproxyctl/denied.h:

src/fwproxyctl/instance.h:

src/fwproxyctl/firewall.h:

src/fwproxyctl/rulesdir.h:

src/fwproxyctl/vms.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/common/hostname.h:

src/fwproxyctl/test.h:

src/common/html.h:

src/common/buf.h:

src/common/util.h:
