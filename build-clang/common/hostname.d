build-clang/common/hostname.o: src/common/hostname.c \
  src/common/hostname.h src/common/util.h

src/common/hostname.h:

src/common/util.h:
