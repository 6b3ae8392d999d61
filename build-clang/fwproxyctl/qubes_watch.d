build-clang/fwproxyctl/qubes_watch.o: src/fwproxyctl/qubes_watch.c \
  src/fwproxyctl/qubes_watch.h src/fwproxyctl/instance.h \
  src/fwproxyctl/firewall.h src/fwproxyctl/rulesdir.h \
  src/fwproxyctl/vms.h src/fwproxyctl/exec.h src/fwproxyctl/proc.h \
  src/fwproxyctl/rules_source.h src/common/filter.h src/common/config.h \
  src/common/netaddr.h src/common/util.h

src/fwproxyctl/qubes_watch.h:

src/fwproxyctl/instance.h:

src/fwproxyctl/firewall.h:

src/fwproxyctl/rulesdir.h:

src/fwproxyctl/vms.h:

src/fwproxyctl/exec.h:

src/fwproxyctl/proc.h:

src/fwproxyctl/rules_source.h:

src/common/filter.h:

src/common/config.h:

src/common/netaddr.h:

src/common/util.h:
