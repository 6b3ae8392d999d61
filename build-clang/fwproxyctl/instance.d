build-clang/fwproxyctl/instance.o: src/fwproxyctl/instance.c \
  src/fwproxyctl/instance.h src/fwproxyctl/firewall.h \
  src/fwproxyctl/rulesdir.h src/fwproxyctl/vms.h src/fwproxyctl/exec.h \
  src/fwproxyctl/proc.h src/fwproxyctl/template.h src/common/util.h

src/fwproxyctl/instance.h:

src/fwproxyctl/firewall.h:

src/fwproxyctl/rulesdir.h:

src/fwproxyctl/vms.h:

src/fwproxyctl/exec.h:

src/fwproxyctl/proc.h:

src/fwproxyctl/template.h:

src/common/util.h:
