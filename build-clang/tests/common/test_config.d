build-clang/tests/common/test_config: tests/unit/common/test_config.c \
  src/common/base64.h src/common/buf.h src/common/config.h \
  src/common/netaddr.h tests/unit/tap.h src/common/util.h

src/common/base64.h:

src/common/buf.h:

src/common/config.h:

src/common/netaddr.h:

tests/unit/tap.h:

src/common/util.h:
