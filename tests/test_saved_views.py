"""Saved views: kept beside the users file (0600), a user's own and those shared with the role; only a manager
shares; opening one restores the page and its filters."""

from __future__ import annotations

import stat

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from etl.saved_views import SavedView, delete_view, save_view, views_file, views_for
from tests.conftest import login
from tests.test_app import APP, KEY


def test_views_are_private_files_with_owners_and_shared_roles(tmp_path):
    path = views_file(tmp_path / "users.toml")
    assert path == tmp_path / "saved_views.toml"
    save_view(path, SavedView(name="Billing sms", owner="manager", page="channels",
                              state={"channel": ["sms"], "queue": ["billing"]}, shared_roles=["partner"]), "manager")
    save_view(path, SavedView(name="Mine", owner="harbor", page="", state={"period": "Last 4 weeks"}), "partner")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [(v.owner, v.name) for v in views_for(path, "harbor", "partner")] == [
        ("harbor", "Mine"), ("manager", "Billing sms")]
    assert [v.name for v in views_for(path, "trainer", "trainer")] == []
    with pytest.raises(ValueError, match="only a manager can share"):
        save_view(path, SavedView(name="x", owner="harbor", page="", shared_roles=["trainer"]), "partner")
    delete_view(path, "harbor", "Mine")
    assert [v.name for v in views_for(path, "harbor", "partner")] == ["Billing sms"]


def test_opening_a_saved_view_restores_its_page_and_filters(sample_db, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", KEY)
    st.cache_data.clear()
    st.cache_resource.clear()  # the app's settings (and users file) are a cached resource
    save_view(views_file(users_env), SavedView(name="SMS for trainers", owner="manager", page="quality",
                                               state={"channel": ["sms"], "period": "Last 4 weeks"},
                                               shared_roles=["trainer"]), "manager")
    at = login(AppTest.from_file(APP, default_timeout=90), "trainer").run()
    assert not at.exception
    button = next(b for b in at.button if b.label == "SMS for trainers (shared by manager)")
    at = button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Quality & compliance"
    assert at.multiselect(key="channel").value == ["sms"] and at.selectbox(key="period").value == "Last 4 weeks"


def test_a_user_deletes_their_own_views_only(tmp_path):
    path = views_file(tmp_path / "users.toml")
    save_view(path, SavedView(name="Shared", owner="manager", page="", shared_roles=["partner"]), "manager")
    save_view(path, SavedView(name="Mine", owner="harbor", page=""), "partner")
    with pytest.raises(ValueError, match="only the user who saved a view"):
        delete_view(path, "manager", "Shared", user="harbor")  # shared with harbor's role, not harbor's
    with pytest.raises(ValueError, match="no saved view"):
        delete_view(path, "harbor", "Nope", user="harbor")
    delete_view(path, "manager", "Shared", user="manager")  # a manager deletes a view they shared
    assert [(v.owner, v.name) for v in views_for(path, "harbor", "partner")] == [("harbor", "Mine")]


def test_the_sidebar_deletes_a_view_after_confirming(sample_db, users_env, monkeypatch):
    monkeypatch.setenv("CAREKPI_DB_PATH", str(sample_db.db_path))
    monkeypatch.setenv("CAREKPI_PSEUDONYM_KEY", KEY)
    st.cache_data.clear()
    st.cache_resource.clear()
    path = views_file(users_env)
    save_view(path, SavedView(name="Billing", owner="manager", page="", shared_roles=["trainer"]), "manager")
    save_view(path, SavedView(name="Keep", owner="manager", page=""), "manager")
    at = login(AppTest.from_file(APP, default_timeout=90), "trainer").run()
    assert [b.key for b in at.button if b.key and b.key.startswith("delete_view_")] == []  # not the trainer's
    at = login(AppTest.from_file(APP, default_timeout=90), "manager").run()
    assert not at.exception
    at.button(key="delete_view_0").click().run()  # views by name: Billing, Keep
    assert not at.exception, [e.value for e in at.exception]
    assert [v.name for v in views_for(path, "manager", "manager")] == ["Keep"]
    assert [v.name for v in views_for(path, "trainer", "trainer")] == []
    assert any(s.value == "Deleted “Billing”." for s in at.success)
    assert [b.label for b in at.button if b.key and b.key.startswith("saved_view_")] == ["Keep"]
