build-clang/fwproxyctl/proc.o: src/fwproxyctl/proc.c \
  src/fwproxyctl/proc.h src/common/util.h

src/fwproxyctl/proc.h:

src/common/util.h:
