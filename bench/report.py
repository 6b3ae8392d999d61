"""Turn the benchmark's measurements into one Markdown report: a table per
section with every figure as a ratio to direct nginx and to the best peer,
then the issue's targets checked against the same run."""

PEERS = ("tinyproxy", "privoxy", "squid")
RULE_PEER = "tinyproxy (regex)"
DIRECT_RPS = "50 keep-alive: req/s"
# Not a proxy: the smallest process, for scale. It gets no ratios.
FLOOR = "sleep(1)"


def fmt(value, unit):
    if unit == "req/s":
        return "{:,.0f} req/s".format(value)
    if unit == "ms":
        return "%.2f ms" % value if value < 100 else "%.0f ms" % value
    if unit == "tunnels/s":
        return "{:,.0f} tunnels/s".format(value)
    if unit == "MB/s":
        return "{:,.0f} MB/s".format(value)
    if unit == "conn/s":
        return "{:,.0f} conn/s".format(value)
    if unit == "us":
        return "%.2f us" % value
    if unit in ("MiB", "KiB"):
        return "%.2f %s" % (value, unit) if value < 10 else "%.1f %s" % (value, unit)
    return "%g %s" % (value, unit)


def ratio(value, ref):
    if ref is None or ref == 0:
        return ""
    return "%.2fx" % (value / ref)


def best(rows, better):
    vals = [r["value"] for r in rows]
    if not vals:
        return None
    return max(vals) if better == "high" else min(vals)


def table(header, rows):
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    right = [False] + [i >= 2 for i in range(1, len(header))]

    def line(cells):
        out = []
        for c, w, r in zip(cells, widths, right):
            out.append(str(c).rjust(w) if r else str(c).ljust(w))
        return "| " + " | ".join(out) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if r else ("-" * (w + 2))
                         for w, r in zip(widths, right)) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])


def lookup(results, figure, subject):
    for r in results:
        if r["figure"] == figure and r["subject"] == subject:
            return r["value"]
    return None


def section_table(results, section):
    rows = [r for r in results if r["section"] == section]
    figures = []
    for r in rows:
        if r["figure"] not in figures:
            figures.append(r["figure"])
    rules = section.startswith("Rule scaling")
    lists = section.startswith("Configuration parsing")
    if lists:
        return lists_table(rows)
    header = ["figure", "subject", "value", "x direct", "x best peer"]
    if rules:
        header.append("x fewest rules")
    out = []
    for fig in figures:
        group = [r for r in rows if r["figure"] == fig]
        better = group[0]["better"]
        if rules:
            peers = [r for r in group if r["subject"] == RULE_PEER]
            direct = lookup(results, DIRECT_RPS, "direct") if fig.endswith("req/s") else None
        else:
            peers = [r for r in group if r["subject"] in PEERS]
            direct = lookup(results, fig, "direct")
        ref_peer = best(peers, better)
        for r in group:
            plain = r["subject"] in ("direct", FLOOR)
            cells = [fig, r["subject"], fmt(r["value"], r["unit"]),
                     "" if plain else ratio(r["value"], direct),
                     "" if plain else ratio(r["value"], ref_peer)]
            if rules:
                kind = fig.split(": ", 1)[1]
                first = [x for x in rows if x["subject"] == r["subject"]
                         and x["figure"].endswith(": " + kind)]
                cells.append(ratio(r["value"], first[0]["value"]) if first else "")
            out.append(cells)
    return table(header, out)


def lists_table(rows):
    """Per directive: the time for each count and its ratio to the
    smallest count's, about the count ratio when parsing is linear."""
    out = []
    first = {}
    for r in rows:
        directive = r["figure"].split(":")[0]
        base = first.setdefault(directive, r["value"])
        out.append([r["figure"], r["subject"], fmt(r["value"], r["unit"]),
                    ratio(r["value"], base)])
    return table(["figure", "subject", "value", "x fewest lines"], out)


def targets(results):
    """The targets of issues 5, 14 and 15, each checked only where this
    run measured it."""
    lines = []

    def check(desc, ok):
        lines.append("- %s %s" % ("met:" if ok else "NOT met:", desc))

    def peer_best(fig, better):
        vals = [lookup(results, fig, p) for p in PEERS]
        vals = [v for v in vals if v is not None]
        if not vals:
            return None
        return max(vals) if better == "high" else min(vals)

    for load in ("50 keep-alive", "500 keep-alive", "no keep-alive, 50"):
        fig = load + ": req/s"
        fw = lookup(results, fig, "fwproxy")
        if fw is None:
            continue
        bp = peer_best(fig, "high")
        d = lookup(results, fig, "direct")
        if bp:
            check("%s: fwproxy %.0f req/s >= 2x best peer (%.0f)" % (load, fw, bp), fw >= 2 * bp)
        if d:
            check("%s: fwproxy %.0f req/s >= 0.5x direct (%.0f)" % (load, fw, d), fw >= 0.5 * d)
        p99 = lookup(results, load + ": p99", "fwproxy")
        bp99 = peer_best(load + ": p99", "low")
        if p99 is not None and bp99 is not None:
            check("%s: fwproxy p99 %.2f ms <= best peer's (%.2f ms)" % (load, p99, bp99),
                  p99 <= bp99)
    for fig in ("plain HTTP", "CONNECT tunnel"):
        fw, d = lookup(results, fig, "fwproxy"), lookup(results, fig, "direct")
        if fw is not None and d:
            check("%s download: fwproxy %.0f MB/s >= 0.9x direct (%.0f)" % (fig, fw, d),
                  fw >= 0.9 * d)
    for fig, socks, unit in (("CONNECT tunnel", "SOCKS5 tunnel", "MB/s"),
                             ("CONNECT: tunnels/s", "SOCKS5: tunnels/s", "tunnels/s")):
        c, s5 = lookup(results, fig, "fwproxy"), lookup(results, socks, "fwproxy")
        if c and s5 is not None:
            check("%s: fwproxy %.0f %s >= 0.9x its %s (%.0f) (issue 15)" % (
                socks, s5, unit, fig, c), s5 >= 0.9 * c)
    c = lookup(results, "CONNECT: proxy CPU per tunnel", "fwproxy")
    s5 = lookup(results, "SOCKS5: proxy CPU per tunnel", "fwproxy")
    if c and s5 is not None:
        check("SOCKS5: fwproxy's CPU %.1f us per tunnel <= 1.1x CONNECT's (%.1f us) "
              "(issue 15)" % (s5, c), s5 <= 1.1 * c)
    for subject in ("fwproxy (regex)", "fwproxy (domain)"):
        rps = [(r["figure"], r["value"]) for r in results
               if r["subject"] == subject and r["figure"].endswith("rules: req/s")]
        if len(rps) >= 2 and rps[-1][0].startswith("100k"):
            check("%s 100k rules: %.0f req/s >= 0.9x the %s figure (%.0f)" % (
                subject, rps[-1][1], rps[0][0].split(":")[0], rps[0][1]),
                rps[-1][1] >= 0.9 * rps[0][1])
            up = lookup(results, "100k rules: start-up", subject)
            rss = lookup(results, "100k rules: peak RSS", subject)
            if up is not None:
                check("%s 100k rules: start-up %.0f ms < 500 ms" % (subject, up), up < 500)
            if rss is not None:
                check("%s 100k rules: peak RSS %.1f MiB < 40 MiB" % (subject, rss), rss < 40)
    # Issue 15: transparent mode within 10% of CONNECT, the ClientHello
    # inspection under 20 us per connection.
    for fig in ("100 MiB download", "sequential connections, 1 KiB each"):
        tr = lookup(results, fig, "transparent, by address")
        co = lookup(results, fig, "CONNECT tunnel")
        if tr is not None and co:
            check("%s: transparent %.0f >= 0.9x CONNECT (%.0f)" % (fig, tr, co),
                  tr >= 0.9 * co)
    for r in results:
        if r["figure"] == "ClientHello inspection, per connection":
            check("ClientHello inspection, %s: %.2f us < 20 us" % (
                r["subject"], r["value"]), r["value"] < 20)
    idle = lookup(results, "idle RSS", "fwproxy")
    if idle is not None:
        floor = lookup(results, "idle RSS", FLOOR)
        check("idle fwproxy RSS %.2f MiB < 2 MiB%s" % (
            idle, "" if floor is None else
            " (sleep(1) alone: %.2f MiB RSS here)" % floor), idle < 2)
    for r in results:
        if r["section"].startswith("Reload under load") and \
                r["figure"] == "reloading: p99":
            check("p99 of running traffic while reloading 100k rules: "
                  "%.2f ms < 10 ms (issue 14)" % r["value"], r["value"] < 10)
    # Issue 12: the Qubes hook path.
    for r in results:
        if not r["section"].startswith("Qubes hook path"):
            continue
        f, v = r["figure"], r["value"]
        if f.startswith("online hook to first answered request: median"):
            check("online hook to the first answered request: %.0f ms < 200 ms "
                  "(issue 12)" % v, v < 200)
        elif f.startswith("fwproxyctl update, 50 running VMs"):
            check("fwproxyctl update with 50 running VMs: %.0f ms < 1 s "
                  "(issue 12)" % v, v < 1000)
        elif f.endswith("VMs never answered"):
            check("50 VMs online at once through hooks: %d never answered "
                  "(issue 12)" % v, v == 0)
        elif f.endswith("proxies without pid file"):
            check("50 VMs online at once: %d proxies orphaned (issue 12)" % v,
                  v == 0)
    per = lookup(results, "RSS per idle keep-alive", "fwproxy")
    if per is not None:
        check("fwproxy %.2f KiB per idle keep-alive connection < 16 KiB" % per, per < 16)
    return lines


def markdown(results, notes, machine, pinning, quick):
    out = ["# fwproxy benchmark" + (" (quick smoke run, not for comparison)" if quick else ""),
           "",
           "Reproduce with `make bench` (or `bench/run%s`); see docs/benchmark.md." % (
               " --quick" if quick else ""),
           ""]
    out += ["| machine | |", "|---|---|"] + ["| %s | %s |" % kv for kv in machine]
    out += ["", pinning + ".", "",
            "Ratios divide the value by direct nginx's and by the best peer's "
            "(tinyproxy, privoxy, squid; for rule scaling, tinyproxy with the "
            "same rules) in this same run. For latency and memory lower is "
            "better, so a ratio under 1 is the better one there.", ""]
    sections = []
    for r in results:
        if r["section"] not in sections:
            sections.append(r["section"])
    for s in sections:
        out += ["## " + s, "", section_table(results, s), ""]
    t = targets(results)
    if t:
        out += ["## Targets of issues 5, 12, 14 and 15", ""] + t + [""]
    if notes:
        out += ["## Notes", ""] + ["- " + n.replace("\n", " ") for n in notes] + [""]
    return "\n".join(out)
