"""Bar charts as inline SVG: no library, no CDN, readable without JavaScript.

Labels go through Django's escaping (format_html), since they can come from
reports (reporter addresses) and must never become markup.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, BAR, GAP, LABEL = 640, 16, 6, 220


def bar_chart(rows: list[dict], label: str, value: str, *, title: str) -> SafeString:
    values = [r.get(value) or 0 for r in rows]
    top = max(values, default=0) or 1
    height = max(len(rows), 1) * (BAR + GAP) + GAP
    scale = (WIDTH - LABEL - 60) / top
    bars = format_html_join(
        "",
        '<g><text x="{}" y="{}" text-anchor="end" class="lbl">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="bar"></rect>'
        '<text x="{}" y="{}" class="val">{}</text></g>',
        (
            (
                LABEL - 6,
                GAP + i * (BAR + GAP) + BAR - 3,
                str(r.get(label))[:40],
                LABEL,
                GAP + i * (BAR + GAP),
                round(v * scale, 1),
                BAR,
                LABEL + round(v * scale, 1) + 4,
                GAP + i * (BAR + GAP) + BAR - 3,
                v,
            )
            for i, (r, v) in enumerate(zip(rows, values, strict=True))
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">{}</svg>',
        title,
        WIDTH,
        height,
        WIDTH,
        height,
        bars,
    )
