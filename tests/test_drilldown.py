"""The drill-down from a KPI to its contacts: the rows are exactly the KPI's denominator, flagged by its
numerator, with the repeat that broke FCR, the failed QA items, the user's scope, and never a patient field."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.drilldown import DRILLABLE, drill_params, drillable, kpi_contacts, qa_item_of
from etl.kpis import KPI_BY_NAME, Scope, kpi_table
from tests.conftest import JANUARY


RESPONSES = ("csat_top2_rate", "csat_mean")


def test_every_drillable_kpi_lists_its_denominator_and_flags_its_numerator(example_con, example_warehouse):
    total = kpi_table(example_con, JANUARY, (), example_warehouse).iloc[0]
    for kpi in DRILLABLE:
        rows = kpi_contacts(example_con, kpi, JANUARY, example_warehouse)
        if kpi in RESPONSES:  # these KPIs count survey responses: the listed contacts' scores are the denominator
            scores = [int(v) for found in rows["scores"] for v in found.split(", ")]
            assert len(scores) == total[f"{kpi}_den"], kpi
            if kpi == "csat_top2_rate":
                assert sum(v >= 4 for v in scores) == total[f"{kpi}_num"]
        elif KPI_BY_NAME[kpi].ratio:
            assert len(rows) == total[f"{kpi}_den"], kpi
            if KPI_BY_NAME[kpi].unit == "rate":
                assert rows["in_numerator"].sum() == total[f"{kpi}_num"], kpi
        else:
            assert rows["in_numerator"].sum() == total[kpi], kpi
        assert not {"patient_ref", "patient_pseudonym", "patient"} & set(rows.columns)


def test_the_worked_example_by_hand(example_con, example_warehouse):
    sl = kpi_contacts(example_con, "service_level", JANUARY, example_warehouse).set_index("contact_id")
    # C3 ended 3 s after it was offered: a short abandon, out of the denominator; C6 is a licensed agent's
    assert set(sl.index) == {"C1", "C2", "C4", "C5", "M1", "M2"}
    assert sl.loc["C2", "outcome"] == "answered late, in 60 s" and not sl.loc["C2", "in_numerator"]
    assert sl.loc["C4", "outcome"] == "abandoned" and sl.loc["C1", "outcome"] == "answered in 20 s"
    # the misses come first: C2 (60 s on voice), C4 (abandoned), M2 (120 s on sms); then C1, C5, M1
    assert set(sl.index[:3]) == {"C2", "C4", "M2"} and not sl["in_numerator"].iloc[:3].any()
    assert sl["in_numerator"].iloc[3:].all()
    abandons = kpi_contacts(example_con, "abandon_rate", JANUARY, example_warehouse)
    assert list(abandons.loc[abandons["in_numerator"], "contact_id"]) == ["C4"]
    fcr = kpi_contacts(example_con, "fcr_rate", JANUARY, example_warehouse).set_index("contact_id")
    # C1 (PAT-X, 5 Jan) was repeated by C2 (PAT-X, 8 Jan): not resolved at first contact
    assert fcr.loc["C1", "repeated_by"] == "C2" and not fcr.loc["C1", "in_numerator"]
    qa = kpi_contacts(example_con, "qa_compliant_rate", JANUARY, example_warehouse).set_index("contact_id")
    assert qa.loc["C1", "items_failed"] == "minimum_necessary" and not qa.loc["C1", "in_numerator"]
    assert qa.loc["C5", "items_failed"] == "documentation_complete" and qa.loc["C5", "in_numerator"]


def test_the_users_scope_applies(example_con, example_warehouse):
    rows = kpi_contacts(example_con, "service_level", JANUARY, example_warehouse, Scope(partners=["P2"]))
    assert set(rows["partner"]) == {"P2"} and set(rows["contact_id"]) == {"C4", "C5", "M2"}
    assert kpi_contacts(example_con, "service_level", JANUARY, example_warehouse, Scope(partners=[])).empty


def test_a_qa_items_contacts_by_hand(example_con, example_warehouse):
    """E1 (C1): identity_verified pass, minimum_necessary fail, recording_disclosure na; E2 (C5): identity_verified
    pass, documentation_complete fail. Denominator: contacts scoring the item pass or fail; numerator: none failed."""
    identity = kpi_contacts(example_con, "qa_item_identity_verified_rate", JANUARY, example_warehouse)
    assert sorted(identity["contact_id"]) == ["C1", "C5"] and identity["in_numerator"].all()
    minimum = kpi_contacts(example_con, "qa_item_minimum_necessary_rate", JANUARY, example_warehouse)
    assert list(minimum["contact_id"]) == ["C1"] and not minimum["in_numerator"].any()
    assert minimum["items_failed"].iloc[0] == "minimum_necessary"
    assert kpi_contacts(example_con, "qa_item_recording_disclosure_rate", JANUARY, example_warehouse).empty  # na only
    total = kpi_table(example_con, JANUARY, (), example_warehouse).iloc[0]
    assert len(identity) == total["qa_item_identity_verified_rate_den"] == 2
    with pytest.raises(ValueError, match="no drill-down"):
        kpi_contacts(example_con, "qa_item_not_in_catalogue_rate", JANUARY, example_warehouse)


def test_the_link_parameters_that_open_a_drill_down():
    assert drill_params("service_level", dt.date(2026, 11, 20)) == [("drill", "service_level"),
                                                                    ("drill_day", "2026-11-20")]
    assert drill_params("qa_item_identity_verified_rate") == [("drill", "qa_item_identity_verified_rate")]
    assert qa_item_of("qa_item_identity_verified_rate") == "identity_verified" and qa_item_of("fcr_rate") is None
    assert drillable("csat_top2_rate") and not drillable("channel_share")
    with pytest.raises(ValueError):
        drill_params("channel_share")


def test_an_hour_of_each_day(example_con, example_warehouse):
    """Hours in the reporting time zone (UTC here): C1 (5 Jan) and C2 (8 Jan) at 09, C4 and C5 at 11 (C6 at 09 is
    licensed, C3 at 10 a short abandon)."""
    nine = kpi_contacts(example_con, "service_level", JANUARY, example_warehouse, hour=9).set_index("contact_id")
    assert nine["in_numerator"].to_dict() == {"C2": False, "C1": True}
    eleven = kpi_contacts(example_con, "abandon_rate", JANUARY, example_warehouse, hour=11).set_index("contact_id")
    assert eleven["in_numerator"].to_dict() == {"C4": True, "C5": False}
    assert drill_params("service_level", dt.date(2026, 1, 5), 9)[-1] == ("drill_hour", "9")
    with pytest.raises(ValueError, match="an hour"):
        drill_params("service_level", None, 9)


def test_satisfaction_by_hand(example_con, example_warehouse):
    """Surveys: C1 scored 5 then 3, C4 2, M2 4 (C99's is unmatched): CSAT top-2 = 2 / 4 responses."""
    csat = kpi_contacts(example_con, "csat_top2_rate", JANUARY, example_warehouse).set_index("contact_id")
    assert csat["scores"].to_dict() == {"C4": "2", "C1": "5, 3", "M2": "4"}
    assert csat["in_numerator"].to_dict() == {"C4": False, "C1": False, "M2": True}  # every score 4 or 5
    # responded among handled inbound contacts: C1 (and M2, on sms); C2, C5, M1 handled without a response
    responded = kpi_contacts(example_con, "survey_response_rate", JANUARY, example_warehouse).set_index("contact_id")
    assert responded["in_numerator"].to_dict() == {"M2": True, "C1": True, "C2": False, "C5": False, "M1": False}
