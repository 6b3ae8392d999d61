build-clang/common/config.o: src/common/config.c src/common/config.h \
  src/common/netaddr.h src/common/config_int.h src/common/util.h

src/common/config.h:

src/common/netaddr.h:

src/common/config_int.h:

src/common/util.h:
