"""The sidebar's saved views: name the current page with its filters, come back to it later; a manager may share a
view with roles; a user deletes their own views (a manager's shared ones included) after a confirmation. Stored by
etl.saved_views beside the users file."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from etl.access import User
from etl.plain_text import markdown
from etl.saved_views import ROLES, SavedView, delete_view, save_view, views_file, views_for
from etl.settings import Settings

KEYS = ("period", "dates", "partner", "site", "team", "channel", "queue", "agent", "licensed")
PENDING = "carekpi_saved_view_page"
DELETED = "carekpi_saved_view_deleted"


def _current_state() -> dict:
    state = {}
    for key in KEYS:
        value = st.session_state.get(key)
        if value in (None, [], ()):
            continue
        if key == "dates":
            value = [d.isoformat() for d in (value if isinstance(value, (list, tuple)) else [value])]
        state[key] = list(value) if isinstance(value, (list, tuple)) else value
    return state


def _open(view: SavedView) -> None:
    """Callback: restore the sidebar's values (before the widgets are drawn) and ask the frame to switch page."""
    for key in KEYS:
        value = view.state.get(key)
        if key == "dates" and value:
            value = tuple(dt.date.fromisoformat(d) for d in value)
        st.session_state[key] = value if value is not None else ([] if key not in ("period", "licensed") else
                                                                 {"period": "Last 7 days", "licensed": False}[key])
    st.session_state[PENDING] = view.page


def _delete(path, view: SavedView, username: str) -> None:
    """Callback: delete the user's own view (etl.saved_views refuses anyone else's)."""
    try:
        delete_view(path, view.owner, view.name, user=username)
        st.session_state[DELETED] = view.name
    except ValueError:  # deleted meanwhile (another tab)
        st.session_state[DELETED] = None


def switch_if_asked(pages) -> None:
    """After st.navigation: go to the page a saved view asked for."""
    wanted = st.session_state.pop(PENDING, None)
    if wanted:
        for page in pages:
            if page.url_path == wanted:  # the sidebar's bound filters travel with it in the URL
                st.switch_page(page, query_params={})


def sidebar(settings: Settings, user: User, current_page) -> None:
    path = views_file(settings.users_file)
    with st.sidebar.expander("Saved views"):
        if DELETED in st.session_state:
            deleted = st.session_state.pop(DELETED)
            if deleted:
                st.success(f"Deleted “{markdown(deleted)}”.")
        for i, view in enumerate(views_for(path, user.username, user.role)):
            mine = view.owner == user.username
            owner = "" if mine else f" (shared by {view.owner})"
            # the delete popover needs room for its ✕ and its chevron (at [5, 1] only the chevron showed)
            left, remove = st.columns([3, 2], vertical_alignment="center") if mine else (st.container(), None)
            left.button(f"{view.name}{owner}", key=f"saved_view_{i}", on_click=_open, args=(view,),
                        use_container_width=True)
            if remove is not None:
                with remove.popover("✕", help=f"Delete “{markdown(view.name)}”"):
                    shared = f" It is shared with {', '.join(view.shared_roles)}." if view.shared_roles else ""
                    st.caption(f"Delete “{markdown(view.name)}”?{shared}")
                    st.button("Delete", key=f"delete_view_{i}", on_click=_delete, args=(path, view, user.username),
                              type="primary")
        with st.form("save_view", clear_on_submit=True, border=False):
            name = st.text_input("Name this view", max_chars=80, key="saved_view_name")
            roles = st.multiselect("Share with", ROLES, key="saved_view_roles") if user.role == "manager" else []
            if st.form_submit_button("Save") and name.strip():
                save_view(path, SavedView(name=name.strip(), owner=user.username, page=current_page.url_path,
                                          state=_current_state(), shared_roles=roles), user.role)
                st.success(f"Saved “{name.strip()}”.")
