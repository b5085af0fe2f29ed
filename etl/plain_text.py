"""Names are text: every name that comes from a delivery (partner, team, site, queue, channel, agent, QA item,
reason) is shown as the characters it holds, never as markup.

- `markdown()` for anything Streamlit renders as markdown (st.markdown, st.caption, st.title/header, st.info/
  warning/error, labels and help texts): backslash-escapes every character Streamlit's markdown gives a meaning
  (links and images `[]()!`, emphasis `*_~`, code `` ` ``, directives and emoji `:`, maths `$`, HTML `<>&`,
  headings, lists, tables), turns line breaks into spaces, and puts an invisible word joiner (U+2060) after a
  URL scheme, `www` and `@`, because GFM links bare URLs and e-mail addresses after escapes are resolved.
- `html()` for HTML we write ourselves (reports).
- `plain_figure()` for Plotly: plotly.js renders a small HTML subset (`<a href>`, `<b>`, `<br>`, `<span style>`)
  in category labels, legend names, hover and text, so every string in a trace's data is HTML-escaped (plotly.js
  shows `&lt;` as `<`). Call it once per figure, after the traces are added (etl/charts.py does, in `_layout`);
  layout titles are ours and are left as they are, so a title that includes a name must pass it through `html()`.
Table cells (st.dataframe) and widget options are drawn as text by Streamlit and need nothing.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=^\"'/])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
# GFM turns bare URLs and e-mail addresses into links after parsing, escapes or not: an invisible word joiner after
# a scheme, "www" or "@" stops it without changing what a person reads.
_AUTOLINK_START = re.compile(r"((?:https?|ftp|mailto|xmpp|www)(?=\\[:.])|@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
TRACE_TEXT_FIELDS = ("x", "y", "z", "text", "hovertext", "name", "labels", "customdata", "ids", "parents")


def markdown(value: object) -> str:
    """`value` as markdown that Streamlit shows character for character."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))
    return _AUTOLINK_START.sub(lambda m: m.group(1) + WORD_JOINER, escaped)


def markdown_list(values: Iterable[object], separator: str = ", ") -> str:
    return separator.join(markdown(v) for v in values)


def html(value: object) -> str:
    """`value` as HTML text (quotes escaped too, so it is safe in an attribute)."""
    return _html.escape(str(value), quote=True)


def _escape_plotly(value):
    if isinstance(value, str):
        return _html.escape(value, quote=False)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            return np.vectorize(_escape_plotly, otypes=[object])(value) if value.size else value
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_escape_plotly(v) for v in value)
    return value


def plain_figure(fig: go.Figure) -> go.Figure:
    """Escape every string in the figure's trace data, in place; returns the figure."""
    for trace in fig.data:
        for field in TRACE_TEXT_FIELDS:
            if field in trace and trace[field] is not None:
                escaped = _escape_plotly(trace[field])
                if escaped is not trace[field]:
                    trace[field] = escaped
    return fig
