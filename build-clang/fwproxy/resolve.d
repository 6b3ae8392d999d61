build-clang/fwproxy/resolve.o: src/fwproxy/resolve.c \
  src/fwproxy/resolve.h src/fwproxy/event.h src/common/hostname.h \
  src/common/util.h

src/fwproxy/resolve.h:

src/fwproxy/event.h:

src/common/hostname.h:

src/common/util.h:
