build-clang/fwproxyctl/firewall.o: src/fwproxyctl/firewall.c \
  src/fwproxyctl/firewall.h src/common/util.h

src/fwproxyctl/firewall.h:

src/common/util.h:
