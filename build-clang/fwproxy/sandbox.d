build-clang/fwproxy/sandbox.o: src/fwproxy/sandbox.c \
  src/fwproxy/sandbox.h src/common/util.h

src/fwproxy/sandbox.h:

src/common/util.h:
