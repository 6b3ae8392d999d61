build-clang/common/html.o: src/common/html.c src/common/html.h \
  src/common/buf.h src/common/config.h src/common/netaddr.h \
  src/common/util.h

src/common/html.h:

src/common/buf.h:

src/common/config.h:

src/common/netaddr.h:

src/common/util.h:
