build-clang/fwproxy/proxy.o: src/fwproxy/proxy.c src/fwproxy/proxy.h \
  src/common/buf.h src/common/config.h src/common/netaddr.h \
  src/fwproxy/event.h src/common/filter.h src/common/hostname.h \
  src/common/http_parse.h src/common/util.h src/fwproxy/resolve.h \
  src/fwproxy/conn.h src/fwproxy/log.h

src/fwproxy/proxy.h:

src/common/buf.h:

src/common/config.h:

src/common/netaddr.h:

src/fwproxy/event.h:

src/common/filter.h:

src/common/hostname.h:

src/common/http_parse.h:

src/common/util.h:

src/fwproxy/resolve.h:

src/fwproxy/conn.h:

src/fwproxy/log.h:
