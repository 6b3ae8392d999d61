build-clang/common/config_directives.o: src/common/config_directives.c \
  src/common/base64.h src/common/config_int.h src/common/config.h \
  src/common/netaddr.h src/common/hostname.h src/common/util.h

src/common/base64.h:

src/common/config_int.h:

src/common/config.h:

src/common/netaddr.h:

src/common/hostname.h:

src/common/util.h:
