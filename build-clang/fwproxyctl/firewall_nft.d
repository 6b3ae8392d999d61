build-clang/fwproxyctl/firewall_nft.o: src/fwproxyctl/firewall_nft.c \
  src/fwproxyctl/exec.h src/fwproxyctl/firewall.h src/common/util.h

src/fwproxyctl/exec.h:

src/fwproxyctl/firewall.h:

src/common/util.h:
