build-clang/common/filter_domain.o: src/common/filter_domain.c \
  src/common/filter_int.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/common/hostname.h src/common/util.h

src/common/filter_int.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/common/hostname.h:

src/common/util.h:
