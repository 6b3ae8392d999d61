build-clang/common/netaddr.o: src/common/netaddr.c src/common/netaddr.h \
  src/common/util.h

src/common/netaddr.h:

src/common/util.h:
