build-clang/fwproxyctl/qubes.o: src/fwproxyctl/qubes.c \
  src/fwproxyctl/qubes.h src/common/util.h

src/fwproxyctl/qubes.h:

src/common/util.h:
