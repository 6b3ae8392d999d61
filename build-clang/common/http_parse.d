build-clang/common/http_parse.o: src/common/http_parse.c \
  src/common/http_parse.h src/common/hostname.h src/common/util.h

src/common/http_parse.h:

src/common/hostname.h:

src/common/util.h:
