build-clang/fwproxy/event.o: src/fwproxy/event.c src/fwproxy/event.h \
  src/common/util.h

src/fwproxy/event.h:

src/common/util.h:
