"""The app's pages as the rest of carekpi names them: each page's URL path, title and the roles that may open it.
dashboard/app.py navigates by these roles; a saved view sent as a subscription (etl/delivery/views.py) is refused
for a recipient whose role cannot open its page. Overview, the default page, is served at the root: its URL path
is "" (Streamlit's `url_path` of the default page), and a saved view of it records "".
"""

from __future__ import annotations

EVERYONE = frozenset({"manager", "partner", "trainer"})
PAGE_ROLES = {  # URL path -> roles that see the page
    "overview": EVERYONE,
    "channels": frozenset({"manager", "partner"}),
    "quality": EVERYONE,
    "coaching": frozenset({"manager", "trainer"}),
    "partner": frozenset({"manager", "partner"}),
    "data_quality": frozenset({"manager"}),
}
PAGE_TITLES = {"overview": "Overview", "channels": "Channels", "quality": "Quality & compliance",
               "coaching": "Coaching", "partner": "Partner scorecard", "data_quality": "Data quality"}


def page_name(url_path: str) -> str:
    """The page a URL path names ("" is Overview, the default page); ValueError for an unknown one."""
    name = url_path.strip("/") or "overview"
    if name not in PAGE_ROLES:
        raise ValueError(f"unknown app page {url_path!r}")
    return name
