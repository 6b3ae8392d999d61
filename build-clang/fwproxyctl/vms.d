build-clang/fwproxyctl/vms.o: src/fwproxyctl/vms.c src/fwproxyctl/vms.h \
  src/common/util.h

src/fwproxyctl/vms.h:

src/common/util.h:
