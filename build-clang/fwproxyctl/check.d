build-clang/fwproxyctl/check.o: src/fwproxyctl/check.c \
  src/fwproxyctl/check.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/fwproxyctl/rule_shape.h src/common/hostname.h \
  src/common/util.h

src/fwproxyctl/check.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/fwproxyctl/rule_shape.h:

src/common/hostname.h:

src/common/util.h:
