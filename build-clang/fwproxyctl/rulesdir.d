build-clang/fwproxyctl/rulesdir.o: src/fwproxyctl/rulesdir.c \
  src/fwproxyctl/rulesdir.h src/common/util.h

src/fwproxyctl/rulesdir.h:

src/common/util.h:
