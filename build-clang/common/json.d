build-clang/common/json.o: src/common/json.c src/common/json.h \
  src/common/buf.h

src/common/json.h:

src/common/buf.h:
