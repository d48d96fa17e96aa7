"""The reconcile HTML report: one self-contained page with inline SVG charts, offline.

The summary comes first (verdict, the classes over their threshold, the money at stake), then
the audit and the charts, then per class its listed samples (up to plan.LISTED_PER_CLASS, each
citing its source rows) in a table a small inline script pages and filters; without scripts the
table shows every row. No fonts, no external references: the page renders the same from a CI
artifact, an e-mail attachment or an air-gapped laptop. Every value from the data is
HTML-escaped (and masked before it gets here).
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from gates.checks.reconcile.model import DiscrepancyClass

_COLORS = (
    "#c0392b",
    "#d35400",
    "#8e44ad",
    "#2c3e50",
    "#16a085",
    "#27ae60",
    "#2980b9",
    "#7f8c8d",
    "#f39c12",
    "#e84393",
    "#6c5ce7",
    "#95a5a6",
)
COLOR = {c.value: _COLORS[i % len(_COLORS)] for i, c in enumerate(DiscrepancyClass)}
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}.num{text-align:right;font-variant-numeric:tabular-nums}
.blocked{color:#fff;background:#c0392b;padding:.1rem .5rem;border-radius:3px}
.pass{color:#fff;background:#27ae60;padding:.1rem .5rem;border-radius:3px}
svg text{font-size:12px;fill:#222}.muted{color:#777}code{font-size:.9em}
.samples input{margin:.3rem 0;padding:.2rem;width:20rem}.samples button{margin:0 .3rem}
"""
PAGE_ROWS = 50
# Pages and filters every `.samples` table (rows matching the filter text, PAGE_ROWS a page).
_SCRIPT = """
document.querySelectorAll(".samples").forEach(function (box) {
  var rows = Array.prototype.slice.call(box.querySelectorAll("tbody tr"));
  var size = PAGE_ROWS, page = 0, hits = rows;
  var input = box.querySelector("input"), info = box.querySelector(".page");
  var prev = box.querySelector(".prev"), next = box.querySelector(".next");
  function show() {
    var pages = Math.max(1, Math.ceil(hits.length / size));
    page = Math.min(Math.max(page, 0), pages - 1);
    rows.forEach(function (r) { r.hidden = true; });
    hits.slice(page * size, page * size + size).forEach(function (r) { r.hidden = false; });
    info.textContent = "page " + (page + 1) + " of " + pages + ", " + hits.length + " rows";
  }
  input.addEventListener("input", function () {
    var q = input.value.toLowerCase();
    hits = rows.filter(function (r) { return r.textContent.toLowerCase().indexOf(q) >= 0; });
    page = 0; show();
  });
  prev.addEventListener("click", function () { page -= 1; show(); });
  next.addEventListener("click", function () { page += 1; show(); });
  box.querySelector(".controls").hidden = false;
  show();
});
""".replace("PAGE_ROWS", str(PAGE_ROWS))


def _bars(rows: list[tuple[str, int, str, str]], *, width: int = 720) -> str:
    """Horizontal bars: (label, value, color, value text)."""
    if not rows:
        return '<p class="muted">nothing to chart</p>'
    top = max(v for _, v, _, _ in rows) or 1
    label_w, bar_w, h = 170, width - 170 - 150, 22
    parts = [f'<svg width="{width}" height="{h * len(rows) + 6}" role="img">']
    for i, (label, value, color, text) in enumerate(rows):
        y = i * h + 3
        w = 0 if value <= 0 else max(1, round(bar_w * value / top))
        parts.append(f'<text x="0" y="{y + 15}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{h - 6}" fill="{color}"/>'
        )
        parts.append(f'<text x="{label_w + w + 6}" y="{y + 15}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _timeline(points: list[dict[str, Any]], *, width: int = 1000, height: int = 220) -> str:
    if not points:
        return '<p class="muted">no dated discrepancies</p>'
    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    for p in points:
        by_day[p["day"]][p["class"]] = p["count"]
    days = sorted(by_day)
    top = max(sum(v.values()) for v in by_day.values()) or 1
    left, bottom = 50, 40
    plot_w, plot_h = width - left - 10, height - bottom - 10
    step = plot_w / len(days)
    bar = max(1.0, step * 0.8)
    parts = [f'<svg width="{width}" height="{height}" role="img">']
    parts.append(f'<text x="0" y="15">{top}</text><text x="0" y="{10 + plot_h}">0</text>')
    parts.append(
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 10}" y2="{10 + plot_h}" stroke="#999"/>'
    )
    label_every = max(1, len(days) // 10)
    for i, day in enumerate(days):
        x = left + i * step
        y = float(10 + plot_h)
        for cls in DiscrepancyClass:
            n = by_day[day].get(cls.value, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOR[cls.value]}"><title>{escape(day)} {cls.value}: {n}</title></rect>'
            )
        if i % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 20}">{escape(day[5:])}</text>')
    parts.append("</svg>")
    present = sorted({p["class"] for p in points}, key=lambda c: list(COLOR).index(c))
    legend = " ".join(f'<span style="color:{COLOR[c]}">&#9632;</span> {escape(c)}' for c in present)
    return "".join(parts) + f"<p>{legend}</p>"


def _summary(summary: dict[str, Any]) -> str:
    """Verdict, the classes over their threshold and the money they put at stake."""
    classes = summary["classes"]
    blocking = summary["blocking"]
    over = [(name, c) for name, c in classes.items() if c["count"] and c.get("over_threshold")]
    rows = "".join(
        f"<tr><td>{escape(name)}</td>"
        f'<td class="num">{c["count"]}</td><td>{escape(_threshold(c["threshold"]))}</td>'
        f"<td>{escape(c['severity'])}</td><td>{'blocks' if name in blocking else ''}</td>"
        f"<td>{escape(', '.join(a['text'] for a in c['amounts'].values()))}</td></tr>"
        for name, c in over
    )
    blocked = [(name, c) for name, c in over if name in blocking]
    currencies = sorted({cur for _, c in blocked for cur in c["amounts"]})
    money = ", ".join(_money_text(blocked, cur) for cur in currencies) or "nothing"
    table = (
        "<table><tr><th>class over its threshold</th><th>count</th><th>threshold</th>"
        f"<th>severity</th><th></th><th>at stake</th></tr>{rows}</table>"
        if rows
        else '<p class="muted">no class is over its threshold</p>'
    )
    return (
        f'<h2>Summary</h2><p>Verdict: <span class="{summary["verdict"]}">'
        f"{escape(summary['verdict'])}</span> (blocks at {escape(summary['fail_on'])} "
        f"and above). Money at stake in the blocking classes: <b>{escape(money)}</b> "
        '<span class="muted">(a payment in two classes counts in both)</span>.</p>'
        f"{table}"
    )


def _money_text(over: list[tuple[str, dict[str, Any]]], cur: str) -> str:
    """The sum of one currency over the classes, in the classes' own text form."""
    from decimal import Decimal

    total = Decimal(0)
    unit = ""
    for _, c in over:
        a = c["amounts"].get(cur)
        if a is not None:
            number, _, unit = a["text"].partition(" ")
            total += Decimal(number)
    return f"{total} {unit}".strip()


def _threshold(t: dict[str, Any]) -> str:
    parts = []
    if t.get("max_count") is not None:
        parts.append(f"count <= {t['max_count']}")
    if t.get("max_ratio") is not None:
        parts.append(f"share <= {t['max_ratio']}")
    return ", ".join(parts) or "none"


def _samples(summary: dict[str, Any]) -> str:
    """Per class with discrepancies: its listed samples, paged and filterable."""
    cap = summary.get("listed_cap", 0)
    parts = []
    for name, c in summary["classes"].items():
        listed = c.get("listed") or c["samples"]
        if not c["count"] or not listed:
            continue
        more = (
            f" (the first {len(listed)} by id; the report lists at most {cap} per class: "
            "every one is in discrepancies.csv)"
            if c["count"] > len(listed) and name != "unreadable"
            else ""
        )
        rows = "".join(f"<tr><td><code>{escape(s)}</code></td></tr>" for s in listed)
        parts.append(
            f'<section class="samples" id="class-{escape(name)}"><h3>'
            f'<span style="color:{COLOR[name]}">&#9632;</span> {escape(name)}: {c["count"]} '
            f"{'rows' if name == 'unreadable' else 'payments'}</h3>"
            f'<p class="muted">{len(listed)} listed{escape(more)}.</p>'
            '<p class="controls" hidden><input type="search" placeholder="filter" '
            'aria-label="filter"><button class="prev" type="button">previous</button>'
            '<button class="next" type="button">next</button> <span class="page"></span></p>'
            f"<table><thead><tr><th>payment (and its source rows)</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>"
        )
    return "".join(parts) or '<p class="muted">no discrepancies</p>'


def render(summary: dict[str, Any], *, title: str = "Reconciliation report") -> str:
    classes = summary["classes"]
    audit = summary["audit"]
    verdict = summary["verdict"]
    counted = [
        (name, c["count"], COLOR[name], str(c["count"]))
        for name, c in classes.items()
        if c["evaluated"]
    ]
    counted.sort(key=lambda r: list(COLOR).index(r[0]))
    currencies = sorted({cur for c in classes.values() for cur in c["amounts"]})
    amount_charts = []
    for cur in currencies:
        rows = [
            (name, c["amounts"][cur]["minor_units"], COLOR[name], c["amounts"][cur]["text"])
            for name, c in classes.items()
            if cur in c["amounts"]
        ]
        rows.sort(key=lambda r: list(COLOR).index(r[0]))
        amount_charts.append(f"<h3>{escape(cur)}</h3>{_bars(rows)}")
    geo_rows = [
        (
            f"{g['country']} {g['class'].removeprefix('geo_')}",
            g["count"],
            COLOR[g["class"]],
            str(g["count"]),
        )
        for g in summary["geo"]
    ]
    class_rows = "".join(
        f'<tr><td><span style="color:{COLOR[name]}">&#9632;</span> {escape(name)}</td>'
        f'<td class="num">{c["count"] if c["evaluated"] else "not checked"}</td>'
        f"<td>{'blocks' if c['blocking'] else ''}</td>"
        f"<td>{escape(', '.join(a['text'] for a in c['amounts'].values()))}</td>"
        f"<td><code>{escape('; '.join(c['samples'][:3]))}</code></td></tr>"
        for name, c in classes.items()
    )
    unreadable_rows = (
        "".join(
            f"<tr><td>{escape(u['side'])}</td><td>{escape(u['reason'])}</td>"
            f'<td class="num">{u["count"]}</td><td><code>{escape("; ".join(u["examples"]))}</code></td></tr>'
            for u in summary["unreadable"]
        )
        or '<tr><td colspan="4" class="muted">none</td></tr>'
    )
    amounts = ", ".join(a["text"] for a in audit["amounts"].values()) or "none"
    state_rows = "".join(
        f'<tr><td>{escape(k)}</td><td class="num">{v}</td></tr>'
        for k, v in audit["statuses"].items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head><body>
<h1>{escape(title)} <span class="{verdict}">{escape(verdict)}</span></h1>
<p>As of <b>{escape(summary["as_of"])}</b> on {escape(summary["engine"])}.
Events: <code>{escape(summary["sources"]["events"])}</code>;
report: <code>{escape(summary["sources"]["report"])}</code>.</p>
{_summary(summary)}
<h2>Audit summary</h2>
<table><tr><th>payments processed</th><td class="num">{audit["payments"]}</td></tr>
<tr><th>events read</th><td class="num">{audit["events"]}</td></tr>
<tr><th>report rows read</th><td class="num">{audit["report_rows"]}</td></tr>
<tr><th>amounts per currency</th><td>{escape(amounts)}</td></tr>
<tr><th>completed / failed / refunded</th><td class="num">{audit["completed"]} / {audit["failed"]} / {audit["refunded"]}</td></tr></table>
<table><tr><th>status implied by the events</th><th>payments</th></tr>{state_rows}</table>
<h2>Discrepancies per class</h2>{_bars(counted)}
<table><tr><th>class</th><th>count</th><th></th><th>at stake</th><th>first samples</th></tr>{class_rows}</table>
<h2>Amounts at stake per class</h2>{"".join(amount_charts) or '<p class="muted">nothing at stake</p>'}
<h2>Discrepancies per day</h2>{_timeline(summary["timeline"])}
<h2>Geo violations per country</h2>{_bars(geo_rows)}
<h2>Unreadable rows</h2>
<table><tr><th>side</th><th>reason</th><th>rows</th><th>examples</th></tr>{unreadable_rows}</table>
<h2>Samples per class</h2>{_samples(summary)}
<script>{_SCRIPT}</script>
</body></html>
"""
