build-clang/common/base64.o: src/common/base64.c src/common/base64.h \
  src/common/util.h

src/common/base64.h:

src/common/util.h:
