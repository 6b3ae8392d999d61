build-clang/fwproxyctl/template.o: src/fwproxyctl/template.c \
  src/fwproxyctl/template.h src/common/util.h

src/fwproxyctl/template.h:

src/common/util.h:
