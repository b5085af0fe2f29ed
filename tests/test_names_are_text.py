"""Names are text: on p14a's hostile delivery, every page for every role shows delivery names only as plain text
(markdown escaped, Plotly data HTML-escaped) and no planted identifier; plus the escaping helpers themselves and
a link whose filters make no sense."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl import charts
from etl.access import User, add_user, load_users, session_token
from etl.kpis import KPI_BY_NAME
from etl.load import load
from etl.plain_text import html, markdown, plain_figure
from etl.settings import Settings
from tests.conftest import SESSION_SECRET, TEST_KEY
from tests.hostile_delivery import (EVIL_HOST, MD_COLOUR, MD_LINK, PAYLOAD_PARTNER, PAYLOADS, found_markers,
                                    write_hostile_delivery)

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGES = {"manager": ["overview", "channels", "quality", "coaching", "partner", "data_quality"],
         "partner": ["overview", "channels", "quality", "partner"],
         "trainer": ["overview", "quality", "coaching"]}
ROLE_USERS = {
    "manager": User(username="manager", role="manager"),
    "partner": User(username="partner", role="partner", partners=[PAYLOAD_PARTNER]),
    "trainer": User(username="trainer", role="trainer", teams=[MD_COLOUR, MD_LINK]),
}
# What markdown would turn into something other than its characters (a link, an image, colour, HTML).
RENDERED = re.compile(r"(?<!\\)\]\(|(?<!\\)!\[|(?<!\\):red\[|(?<!\\)<(img|script|a)\b", re.I)
AUTOLINK = re.compile(r"https?://|www\.|@[-\w]+\.", re.I)  # what GFM links in the text once escapes resolve


def would_render(source: str) -> bool:
    return bool(RENDERED.search(source) or AUTOLINK.search(re.sub(r"\\(.)", r"\1", source)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(db_path=root / "carekpi.duckdb", pseudonym_key=TEST_KEY)
    load([write_hostile_delivery(root / "delivery")], settings)
    users = root / "users.toml"
    for user in ROLE_USERS.values():
        add_user(users, user, "a-long-and-strong-passphrase")
    return root


@pytest.fixture
def hostile_env(hostile, monkeypatch) -> Path:
    monkeypatch.setenv("CAREKPI_DB_PATH", str(hostile / "carekpi.duckdb"))
    monkeypatch.setenv("CAREKPI_USERS_FILE", str(hostile / "users.toml"))
    monkeypatch.setenv("CAREKPI_SESSION_SECRET", SESSION_SECRET)
    monkeypatch.setenv("CAREKPI_AUDIT_LOG", str(hostile / "audit.jsonl"))
    st.cache_resource.clear()
    st.cache_data.clear()
    return hostile


def session(role: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    user = load_users(Path(os.environ["CAREKPI_USERS_FILE"]))[role]
    at.session_state["carekpi_session"] = session_token(SESSION_SECRET.encode(), user, time.time())
    at.query_params["period"] = "Custom"
    at.query_params["dates"] = ["2026-01-01", "2026-01-31"]
    for key, value in params.items():
        at.query_params[key] = value
    return at


def markdown_sources(at: AppTest) -> list[str]:
    """Every text Streamlit renders as markdown on the page."""
    parts = [str(e.value) for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                                       "error", "success") for e in getattr(at, kind)]
    parts += [f"{m.label}\n{m.proto.help}" for m in at.metric]
    return parts


def plain_texts(at: AppTest) -> list[str]:
    """Text Streamlit draws as text: table cells and headers, widget options."""
    parts = [frame.value.to_string() + " " + " ".join(map(str, frame.value.columns)) for frame in at.dataframe]
    parts += [" ".join(map(str, w.options)) for w in (*at.multiselect, *at.selectbox)]
    return parts


def chart_strings(at: AppTest) -> list[str]:
    strings: list[str] = []

    def walk(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for chart in at.get("plotly_chart"):
        walk(json.loads(chart.proto.spec).get("data", []))
    return strings


@pytest.mark.prove
def test_every_page_for_every_role_shows_hostile_names_as_plain_text(hostile_env):
    figures = {"pages": 0, "rendered": 0, "markers": 0, "chart_html": 0}
    problems, shown = [], []
    for role, pages in PAGES.items():
        at = session(role).run()
        for page in pages:
            if page != "overview":
                at.switch_page(f"app_pages/{page}.py").run()
            assert not at.exception, (role, page, [e.value for e in at.exception])
            figures["pages"] += 1
            sources = markdown_sources(at)
            rendered = [s for s in sources if would_render(s)]
            markers = found_markers("\n".join(sources + plain_texts(at) + chart_strings(at)))
            chart_html = [s for s in chart_strings(at) if re.search(r"<(a|img|script)\b", s, re.I)]
            figures["rendered"] += len(rendered)
            figures["markers"] += len(markers)
            figures["chart_html"] += len(chart_html)
            if rendered or chart_html:
                problems.append((role, page, rendered[:3], chart_html[:3]))
            if markers:
                shown.append((role, page, markers))
    print(f"\nnames-are-text sweep: {figures['pages']} pages x roles; markdown that would render: "
          f"{figures['rendered']}; HTML in chart data: {figures['chart_html']}; planted identifiers shown (kept "
          f"out by the loader's scrubber, etl/privacy.py): {figures['markers']}")
    for row in shown:
        print("  identifiers shown:", *row)
    assert problems == []
    assert figures["pages"] == 13
    assert figures["markers"] == 0, shown  # was 51 before the quarantine kept allow-listed typed columns only


def test_hostile_names_are_on_the_pages_as_their_own_characters(hostile_env):
    """The sweep above is not empty: the payloads are there, escaped."""
    at = session("manager").run()
    at.switch_page("app_pages/data_quality.py").run()
    captions = " ".join(str(c.value) for c in at.caption)
    assert markdown(MD_LINK) in captions  # an uncatalogued QA item named like a link
    at.switch_page("app_pages/partner.py").run()
    at.selectbox(key="scorecard_partner").set_value(PAYLOAD_PARTNER).run()
    assert [h.value for h in at.main.header] == [markdown(PAYLOAD_PARTNER)] == ["Harbor \\=HYPERLINK partner"]


def test_markdown_escapes_every_construct():
    for payload in PAYLOADS + (":material/home:", "**bold** _it_ ~~s~~ `c` $x^2$", "# heading\n- item",
                               "https://evil.example/x www.evil.example", "&lt;b&gt;", "jane.doe@example.com"):
        escaped = markdown(payload)
        assert "\n" not in escaped
        assert not would_render(escaped)
        shown = re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "")
        assert shown == payload.replace("\n", " ")  # nothing but escapes and invisible word joiners added
        assert re.search(r"(?<!\\)[\[\]()*_~`$<>:&#!]", escaped) is None
    assert html('<img src="x">') == "&lt;img src=&quot;x&quot;&gt;"


def test_charts_carry_names_as_escaped_text():
    queue_frame = pd.DataFrame({"queue": [MD_LINK, '<a href="http://evil.example">q</a>'],
                                "channel": ["voice", "<b>chat</b>"], "service_level": [0.5, 0.7]})
    fig = charts.queue_channel_heatmap(queue_frame, KPI_BY_NAME["service_level"])
    assert sorted(fig.data[0].y) == ['&lt;a href="http://evil.example"&gt;q&lt;/a&gt;', MD_LINK]
    assert sorted(fig.data[0].x) == ["&lt;b&gt;chat&lt;/b&gt;", "voice"]
    mix = pd.DataFrame({"day": ["2026-01-01", "2026-01-01"], "channel": ["voice", "<img src=x>"],
                        "channel_share": [0.5, 0.5]})
    fig = charts.channel_mix_chart(mix)
    assert sorted(t.name for t in fig.data) == ["&lt;img src=x&gt;", "voice"]
    assert all("<img" not in (t.hovertemplate or "") for t in fig.data)
    assert plain_figure(charts.go.Figure()).data == ()


@pytest.mark.parametrize("params", [
    {"period": "Forever"}, {"period": "Custom", "dates": ["not-a-date", "2026-13-45"]},
    {"period": "Custom", "dates": ["0001-01-01", "9999-12-31"]}, {"channel": ["fax", "<b>x</b>"]},
    {"licensed": "maybe"}, {"agent": ["' or 1=1 --"]}])
def test_a_link_with_garbage_filters_still_shows_a_page(hostile_env, params):
    at = session("manager", **params).run()
    assert not at.exception
    assert len(at.metric) > 0 or [i.value for i in at.info]


def test_a_link_with_dates_the_wrong_way_round_shows_a_message_not_a_traceback(hostile_env):
    at = AppTest.from_file(APP, default_timeout=90)
    user = load_users(hostile_env / "users.toml")["manager"]
    at.session_state["carekpi_session"] = session_token(SESSION_SECRET.encode(), user, time.time())
    at.query_params["period"] = "Custom"
    at.query_params["dates"] = ["2026-01-31", "2026-01-01"]
    at.run()
    assert not at.exception
    assert [w.value for w in at.sidebar.warning] == [
        "The dates asked for end before they start: showing the last 7 days instead."]
    assert EVIL_HOST not in " ".join(markdown_sources(at))
