build-clang/fwproxy/log.o: src/fwproxy/log.c src/fwproxy/log.h \
  src/common/config.h src/common/netaddr.h src/common/buf.h \
  src/common/json.h src/common/util.h

src/fwproxy/log.h:

src/common/config.h:

src/common/netaddr.h:

src/common/buf.h:

src/common/json.h:

src/common/util.h:
