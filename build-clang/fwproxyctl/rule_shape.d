build-clang/fwproxyctl/rule_shape.o: src/fwproxyctl/rule_shape.c \
  src/fwproxyctl/rule_shape.h src/common/hostname.h src/common/util.h

src/fwproxyctl/rule_shape.h:

src/common/hostname.h:

src/common/util.h:
