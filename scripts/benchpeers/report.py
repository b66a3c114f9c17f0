# The numbers of scripts/bench-peers' results.json, summed up: medians with min/max per case,
# sweep point and peer (summarize, shared with scripts/bench-plot), and the Markdown table
# docs/bench/results.md with the ratios of ours to the faster peer and to the disk's floor.
# Depends on: Python 3 standard library only.
import statistics

LABELS = {"cyrus": "Cyrus", "dovecot": "Dovecot", "ours": "ours", "floor": "disk floor (files/s)"}
PEERS = ["cyrus", "dovecot", "ours"]


def size_label(size):
    return f"{size >> 20} MB" if size >= 1 << 20 else f"{size >> 10} KB"


def peer_label(meta, peer):
    version = meta["versions"].get(peer)
    if peer == "floor":
        return LABELS[peer]
    if peer == "ours":
        return f"ours ({version})" if version else "ours"
    # Debian's version without epoch, revision and repack suffix: 1:2.3.19.1+dfsg1-2.1 -> 2.3.19.1
    return f"{LABELS[peer]} {version.split(':')[-1].split('-')[0].split('+')[0]}" if version else LABELS[peer]


def stats(values):
    return dict(median=statistics.median(values), min=min(values), max=max(values), n=len(values))


def summarize(results):
    """{group: {key: {peer: {median, min, max, n}}}} of the rates (deliveries per second)."""
    rates = {}
    for run in results["runs"]:
        rates.setdefault(run["group"], {}).setdefault(run["key"], {}).setdefault(run["peer"], []).append(run["rate"])
    return {g: {k: {p: stats(v) for p, v in peers.items()} for k, peers in keys.items()} for g, keys in rates.items()}


def memory(results):
    """{peer: {processes, rss_kb, pss_kb, all_pss_kb}}: medians over the memory case's runs."""
    out = {}
    for peer in PEERS:
        samples = [r["memory"] for r in results["runs"] if r["peer"] == peer and "memory" in r]
        processes = [p for s in samples for p in s["lmtp"]]
        if processes:
            out[peer] = dict(processes=statistics.median(len(s["lmtp"]) for s in samples),
                             rss_kb=statistics.median(p["rss_kb"] for p in processes),
                             pss_kb=statistics.median(p["pss_kb"] for p in processes),
                             all_pss_kb=statistics.median(s["all_pss_kb"] for s in samples))
    return out


def number(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def cell(s, scale=1.0):
    if not s:
        return "–"
    if s["n"] == 1:
        return number(s["median"] * scale)
    return f"{number(s['median'] * scale)} ({number(s['min'] * scale)}–{number(s['max'] * scale)})"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def faster_peer(row, peers):
    others = [(row[p]["median"], p) for p in peers if p != "ours" and p in row]
    return max(others) if others else (None, None)


def ratios(row, peers):
    """"ours / faster peer | ours / floor" of a table row."""
    ours = row.get("ours", {}).get("median")
    return f"{ratio(ours, faster_peer(row, peers)[0])} | {ratio(ours, row.get('floor', {}).get('median'))}"


def write(results, path):
    meta, summary = results["meta"], summarize(results)
    peers = meta["peers"]
    cases = {c["id"]: c for c in meta["cases"]}
    p = meta["parameters"]
    lines = [
        "# Side by side: our lmtpd, Cyrus's and Dovecot's over LMTP",
        "",
        f"Written by `scripts/bench-peers` in **{meta['mode']} mode** on {meta['date']} "
        f"({meta['cpus']} CPUs, Linux {meta['kernel']}, {meta['filesystem']['type']} on "
        f"{meta['filesystem']['device']}, load {meta['loadavg'][0]:.1f} at the start; "
        f"{meta['duration_s'] / 60:.1f} minutes): {p['messages']:,} messages per case run, {p['sweep']:,} per "
        f"sweep point, {p['reps']} repetitions, peers interleaved. "
        + ("Quick-mode figures are few and noisy: for developers, not for comparisons "
           f"(at these rates the full mode would take about {meta['full_estimate_s'] / 60:.0f} minutes). "
           if meta["mode"] == "quick" else "")
        + "Each cell: the median, then (min–max) of the repetitions. "
        "Each run starts a fresh instance with fresh mailboxes, warms it up (one message to each of the "
        "5 users per client), times `smtp-source -L` from start to exit, and checks every delivery "
        "is on disk. Cyrus: master + `lmtpd -a`, default durability; Dovecot: `lmtp`, "
        "`mail_fsync = optimized` (its default); ours: minimaster + `lmtpd -a`, defaults "
        "(duplicate suppression on, as in Cyrus). All on 127.0.0.1 TCP; `prefork=1 maxchild=100` "
        "for both masters, Dovecot's default process limit (100).",
        "",
    ]
    for peer, reason in meta.get("not_run", {}).items():
        lines += [f"Not run: {LABELS.get(peer, peer)}: {reason}.", ""]
    cols = peers + ["floor"]
    head = " | ".join(peer_label(meta, x) for x in cols)
    lines += ["## Cases (msgs/s; r5: deliveries/s)", "",
              f"| case | {head} | ours / faster peer | ours / floor |", "|---|" + "---|" * (len(cols) + 2)]
    for key, row in summary.get("case", {}).items():
        c = cases[key]
        lines.append(f"| **{key}**: {c['label']}, {size_label(c['size'])} | "
                     + " | ".join(cell(row.get(x)) for x in cols) + f" | {ratios(row, peers)} |")
    lines += ["", "The disk floor takes its turn beside the servers in every case and sweep point: a naive "
              "durable loop (write the file into tmp/, fsync, rename into new/, fsync new/) with as many "
              "writer processes as the case has clients (1 for c1, 10 for the others), one file per "
              "delivery, of the messages' size, into one folder. Its figure is files/s.", ""]
    for group, title, column in (("concurrency", "Concurrency: 4 KB, new connection per message (msgs/s)", "clients"),
                                 ("size", "Size: 10 clients, new connection per message (msgs/s; MB/s below)", "size")):
        rows = summary.get(group, {})
        if not rows:
            continue
        lines += [f"## {title}", "", f"| {column} | {head} | ours / faster peer | ours / floor |",
                  "|---|" + "---|" * (len(cols) + 2)]
        for key in sorted(rows, key=int):
            label = size_label(int(key)) if group == "size" else key
            lines.append(f"| {label} | " + " | ".join(cell(rows[key].get(x)) for x in cols)
                         + f" | {ratios(rows[key], peers)} |")
        if group == "size":
            lines += ["", "| size | " + " | ".join(f"{peer_label(meta, x).replace(' (files/s)', '')} MB/s" for x in cols) + " |",
                      "|---|" + "---|" * len(cols)]
            for key in sorted(rows, key=int):
                lines.append(f"| {size_label(int(key))} | "
                             + " | ".join(cell(rows[key].get(x), int(key) / 1e6) for x in cols) + " |")
        lines.append("")
    if results.get("syncs"):
        lines += ["## Sync calls per delivery", "",
                  "`strace -f` attached to every process of a warmed-up instance while one client (new "
                  "connection per message) sends "
                  f"{p['sync']} messages to 1 recipient, then {p['sync'] // 2} to 5; calls counted: "
                  "fsync, fdatasync, sync_file_range, syncfs, sync, msync.", "",
                  "| peer | 1 recipient | 5 recipients: per delivery (per message) | calls seen (1 / 5 recipients) |",
                  "|---|---|---|---|"]
        for peer in peers:
            s = results["syncs"].get(peer)
            if not s:
                continue
            one, five = s["1"], s["5"]
            n1, n5 = sum(one["calls"].values()), sum(five["calls"].values())

            def seen(c):
                return ", ".join(f"{k} {v}" for k, v in sorted(c.items())) or "none"
            lines.append(f"| {peer_label(meta, peer)} | {n1 / one['deliveries']:.2f} | "
                         f"{n5 / five['deliveries']:.2f} ({n5 / five['messages']:.2f}) | "
                         f"{seen(one['calls'])} / {seen(five['calls'])} |")
        lines.append("")
    mem = memory(results)
    if mem:
        lines += [f"## Memory of the LMTP server processes (after {meta['memory_case']})", "",
                  "From `/proc/<pid>/smaps_rollup` of each LMTP process (Cyrus's and our lmtpd, "
                  "Dovecot's lmtp) right after the run, medians over processes and repetitions; "
                  "the last column adds up the PSS of every process of the instance (masters, "
                  "Dovecot's auth, log, config...).", "",
                  "| peer | LMTP processes | RSS per process | PSS per process | PSS, whole instance |",
                  "|---|---|---|---|---|"]
        for peer in peers:
            if peer in mem:
                m = mem[peer]
                lines.append(f"| {peer_label(meta, peer)} | {m['processes']:.0f} | {m['rss_kb'] / 1024:.1f} MiB | "
                             f"{m['pss_kb'] / 1024:.1f} MiB | {m['all_pss_kb'] / 1024:.1f} MiB |")
        lines.append("")
    lines += ["Plots: `throughput.png`, `concurrency.png`, `size.png` beside this file; raw runs in `results.json`.", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
