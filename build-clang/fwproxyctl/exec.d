build-clang/fwproxyctl/exec.o: src/fwproxyctl/exec.c \
  src/fwproxyctl/exec.h src/common/util.h

src/fwproxyctl/exec.h:

src/common/util.h:
