build-clang/fwproxyctl/qubes_rules.o: src/fwproxyctl/qubes_rules.c \
  src/fwproxyctl/qubes_rules.h src/common/hostname.h \
  src/common/netaddr.h src/common/buf.h src/common/util.h

src/fwproxyctl/qubes_rules.h:

src/common/hostname.h:

src/common/netaddr.h:

src/common/buf.h:

src/common/util.h:
