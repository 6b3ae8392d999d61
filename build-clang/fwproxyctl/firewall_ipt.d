build-clang/fwproxyctl/firewall_ipt.o: src/fwproxyctl/firewall_ipt.c \
  src/fwproxyctl/exec.h src/fwproxyctl/firewall.h src/common/util.h

src/fwproxyctl/exec.h:

src/fwproxyctl/firewall.h:

src/common/util.h:
