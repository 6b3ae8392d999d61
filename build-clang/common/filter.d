build-clang/common/filter.o: src/common/filter.c src/common/filter.h \
  src/common/config.h src/common/netaddr.h src/common/filter_int.h \
  src/common/regex_cost.h src/common/util.h

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/common/filter_int.h:

src/common/regex_cost.h:

src/common/util.h:
