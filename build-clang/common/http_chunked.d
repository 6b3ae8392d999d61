build-clang/common/http_chunked.o: src/common/http_chunked.c \
  src/common/http_parse.h src/common/hostname.h src/common/util.h

src/common/http_parse.h:

src/common/hostname.h:

src/common/util.h:
