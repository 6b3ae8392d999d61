"""The README's dependency table says what tools/install-deps and
bench/run install, package for package, and the README's first commands
run with what `tools/install-deps build` installs."""

import os
import re
import shlex

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
INSTALLERS = ("install-deps build", "install-deps", "bench/run")


def read(*parts):
    with open(os.path.join(REPO, *parts)) as f:
        return f.read()


def readme_section(title):
    text = read("README.md")
    start = text.index("\n## %s\n" % title)
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def table():
    """{installer: set of packages} from the Dependencies table."""
    rows = {}
    for line in readme_section("Dependencies").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("package", "---"):
            continue
        assert cells[1] in INSTALLERS, "unknown installer: %s" % line
        names = {n.strip().strip("`") for n in cells[0].split(",")}
        rows.setdefault(cells[1], set()).update(names)
    return rows


def bash_array(name):
    m = re.search(r"^%s=\(([^)]*)\)" % name, read("tools", "install-deps"),
                  re.M)
    assert m, name
    return set(shlex.split(m.group(1), comments=True))


def bench_packages():
    m = re.search(r'^packages="([^"]*)"', read("bench", "run"), re.M)
    assert m
    return set(m.group(1).split())


def test_build_group():
    assert table()["install-deps build"] == bash_array("BUILD_PKGS")


def test_test_group():
    assert table()["install-deps"] == bash_array("TEST_PKGS")


def test_bench_group():
    assert table()["bench/run"] == bench_packages()


def test_each_package_once_in_install_deps():
    build, test = bash_array("BUILD_PKGS"), bash_array("TEST_PKGS")
    assert not build & test


def test_first_commands_need_only_the_build_group():
    """The README's opening lines: command 1 runs install-deps build, and
    every program the follow-up lines run comes with it."""
    head = read("README.md").split("\n## ", 1)[0]
    first = re.search(r"```sh\n# [^\n]*\n([^\n]+)\n", head).group(1)
    assert first.startswith("tools/install-deps build && "), first
    after = head[head.index("Then, from another terminal"):]
    programs = set(re.findall(r"`([a-z0-9-]+) ", after))
    assert programs and programs <= bash_array("BUILD_PKGS"), programs
