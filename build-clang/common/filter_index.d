build-clang/common/filter_index.o: src/common/filter_index.c \
  src/common/filter_int.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/common/util.h

src/common/filter_int.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/common/util.h:
