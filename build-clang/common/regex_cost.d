build-clang/common/regex_cost.o: src/common/regex_cost.c \
  src/common/regex_cost.h

src/common/regex_cost.h:
