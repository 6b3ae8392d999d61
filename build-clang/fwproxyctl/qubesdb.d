build-clang/fwproxyctl/qubesdb.o: src/fwproxyctl/qubesdb.c \
  src/fwproxyctl/qubesdb.h src/fwproxyctl/exec.h

src/fwproxyctl/qubesdb.h:

src/fwproxyctl/exec.h:
