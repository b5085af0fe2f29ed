"""Synthetic deliveries in the contract: a believable patient-support centre, generated, never hand-edited.

Three partners (one in-house), five sites, teams per line of work, 120+ agents with tenure (a few licensed nurses),
voice, chat, SMS and app, weekday and intraday patterns, repeat contacts within the FCR window, surveys for a
fraction of handled contacts, QA on a sample, a handful of agents who clearly need coaching, and a few deliberately
bad rows. Vectorised with numpy, written by DuckDB's CSV writer, so a 10-million-contact delivery is practical.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# (partner, site, team, agents, licensed, queues the team answers)
TEAMS = [
    ("CareCentre", "Columbus", "Scheduling", 22, False, ["scheduling"]),
    ("CareCentre", "Columbus", "Referrals", 10, False, ["referrals"]),
    ("CareCentre", "Columbus", "Nurse line", 5, True, ["nurse_line"]),
    ("Northwind Support", "Tampa", "Billing", 18, False, ["billing"]),
    ("Northwind Support", "Tampa", "Scheduling overflow", 14, False, ["scheduling_overflow"]),
    ("Northwind Support", "Manila", "Billing nights", 12, False, ["billing"]),
    ("Harbor BPO", "Phoenix", "Pharmacy line", 20, False, ["pharmacy_refills"]),
    ("Harbor BPO", "Cebu", "Pharmacy chat", 16, False, ["pharmacy_refills"]),
]
QUEUES = [  # queue, owner partner, team, site, share of volume
    ("scheduling", "CareCentre", "Scheduling", "Columbus", 0.30),
    ("referrals", "CareCentre", "Referrals", "Columbus", 0.10),
    ("nurse_line", "CareCentre", "Nurse line", "Columbus", 0.04),
    ("billing", "Northwind Support", "Billing", "Tampa", 0.22),
    ("scheduling_overflow", "Northwind Support", "Scheduling overflow", "Tampa", 0.12),
    ("pharmacy_refills", "Harbor BPO", "Pharmacy line", "Phoenix", 0.215),
    ("after_hours", None, None, None, 0.005),  # not in queues.csv: reported as unmapped
]
CHANNELS = ["voice", "chat", "sms", "app"]
CHANNEL_SHARE = [0.64, 0.2, 0.11, 0.05]
REASONS = {
    "scheduling": ["new_appointment", "reschedule", "cancel"],
    "scheduling_overflow": ["new_appointment", "reschedule", "cancel"],
    "referrals": ["referral_status", "records_request"],
    "nurse_line": ["symptom_question"],
    "billing": ["bill_question", "payment", "insurance"],
    "pharmacy_refills": ["refill", "prior_authorisation", "delivery_status"],
    "after_hours": ["message"],
}
QA_ITEMS = ["identity_verified", "minimum_necessary", "clinical_escalation", "recording_disclosure",
            "documentation_complete"]
FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lena", "Mo",
               "Nia", "Omar", "Pia", "Raj", "Sara", "Tom", "Uma", "Vik", "Wen", "Yara", "Zoe"]
HOUR_WEIGHTS = np.array([0, 0, 0, 0, 0, 0, 0.2, 0.9, 1.6, 2.0, 2.1, 1.9, 1.5, 1.6, 1.8, 1.6, 1.3, 1.0, 0.6, 0.3,
                         0.1, 0.05, 0, 0], dtype=float)
WEEKDAY_WEIGHTS = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.35, 0.2])


def agents_frame(rng: np.random.Generator, end: dt.date) -> pd.DataFrame:
    rows = []
    n = 0
    for partner, site, team, count, licensed, _queues in TEAMS:
        for _ in range(count):
            n += 1
            tenure_days = int(rng.choice([rng.integers(10, 90), rng.integers(90, 1200)], p=[0.2, 0.8]))
            rows.append({
                "agent_id": f"A{n:04d}",
                "agent_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {chr(65 + n % 26)}.",
                "team": team, "site": site, "partner": partner,
                "licensed": "true" if licensed else "false",
                "hire_date": (end - dt.timedelta(days=tenure_days)).isoformat(),
            })
    return pd.DataFrame(rows)

CHUNK_DAYS = 30  # generated and written a month at a time, so 10 million contacts fit in memory
CHAT_COLUMNS = ["chat_id", "channel", "patient_ref", "queue", "reason", "agent_id", "requested_at", "accepted_at",
                "ended_at", "acw_seconds", "transferred", "escalated_clinical", "resolved"]


@dataclass(frozen=True)
class Staff:
    agents: pd.DataFrame
    weak: np.ndarray  # 1 for the agents who clearly need coaching
    new_hire: np.ndarray


def generate(out: Path, days: int, seed: int, contacts_per_day: int, end: dt.date, first_id: int = 1,
             bad_rows: bool = True) -> dict[str, int]:
    """Write agents, queues, calls, chats, surveys, qa_evaluations and coaching_sessions CSV files into `out`;
    return row counts.
    Ids start at `first_id`, so a later delivery (the next day) can be generated without collisions."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    agents = agents_frame(rng, end)
    coaching = set(rng.choice(agents.loc[agents.licensed == "false", "agent_id"], size=6, replace=False))
    staff = Staff(agents=agents, weak=np.where(agents.agent_id.isin(coaching), 1.0, 0.0),
                  new_hire=((pd.Timestamp(end) - pd.to_datetime(agents.hire_date)).dt.days < 90).to_numpy())
    queues = pd.DataFrame([{"queue": q, "partner": p, "team": t, "site": s, "sl_threshold_seconds": ""}
                           for q, p, t, s, _ in QUEUES if p is not None])
    writer = PartWriter(out)
    writer.write("agents", agents)
    writer.write("queues", queues)
    start = pd.Timestamp(end) - pd.Timedelta(days=days - 1)
    ids = {"contact": first_id, "survey": first_id, "evaluation": first_id}
    for offset in range(0, days, CHUNK_DAYS):
        contacts, surveys, qa = _chunk(rng, staff, start + pd.Timedelta(days=offset),
                                       min(CHUNK_DAYS, days - offset), contacts_per_day, end, ids)
        voice = contacts.channel == "voice"
        writer.write("calls", contacts[voice].drop(columns="channel").rename(columns={"contact_id": "call_id"}))
        chats = contacts[~voice].drop(columns="hold_seconds").rename(columns={
            "contact_id": "chat_id", "offered_at": "requested_at", "answered_at": "accepted_at"})
        writer.write("chats", chats[CHAT_COLUMNS])
        writer.write("surveys", surveys)
        writer.write("qa_evaluations", qa)
    # coaching sessions draw from their own generator, so the files above stay the same for a given seed
    writer.write("coaching_sessions", coaching_sessions(np.random.default_rng([seed, 13]), staff,
                                                        start.date(), end))
    counts = writer.finish()
    if bad_rows:
        _append_bad_rows(out)
    return counts


SESSION_TOPICS = ("aht_seconds", "transfer_rate", "qa_item_documentation_complete_rate", "identity_verified",
                  "fcr_rate", "csat_top2_rate")
SESSION_NOTES = ("Listened to two calls together; agreed a shorter wrap-up.",
                 "Reviewed when to transfer and when to resolve; practised the billing script.",
                 "Went through the documentation checklist item by item.",
                 "Identity check before any detail; role-played three calls.",
                 "Follow-up booked; questions to the team lead on 555-010-2233.",  # scrubbed at load
                 "")


def coaching_sessions(rng: np.random.Generator, staff: Staff, first_day: dt.date, end: dt.date) -> pd.DataFrame:
    """About two sessions per agent who needs coaching and one for a few others, between five weeks after the
    first day and five weeks before the end (so the before/after windows have data)."""
    weak = staff.agents.loc[staff.weak > 0, "agent_id"].tolist()
    others = staff.agents.loc[(staff.weak == 0) & (staff.agents.licensed == "false"), "agent_id"].tolist()
    chosen = weak * 2 + list(rng.choice(others, size=min(4, len(others)), replace=False))
    span = max((end - first_day).days - 70, 1)
    rows = []
    for i, agent in enumerate(chosen, start=1):
        day = first_day + dt.timedelta(days=35 + int(rng.integers(0, span)))
        topic = SESSION_TOPICS[int(rng.integers(0, 3))] if agent in weak else SESSION_TOPICS[int(rng.integers(3, 6))]
        rows.append({"session_id": f"CS{i:05d}", "agent_id": agent, "date": day.isoformat(), "topic": topic,
                     "trainer": str(rng.choice(["trainer.kim", "trainer.ode"])),
                     "notes": SESSION_NOTES[SESSION_TOPICS.index(topic)]})
    return pd.DataFrame(rows, columns=["session_id", "agent_id", "date", "topic", "trainer", "notes"])


def _ids(prefix: str, first: int, n: int) -> np.ndarray:
    return (prefix + pd.Series(np.arange(first, first + n)).astype(str).str.zfill(9)).to_numpy()


def _chunk(rng: np.random.Generator, staff: Staff, start: pd.Timestamp, days: int, contacts_per_day: int,
           end: dt.date, ids: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Contacts first offered in [start, start + days), with their repeats, surveys and QA evaluations."""
    agents = staff.agents
    day_index = np.arange(days)
    weekday = (start + pd.to_timedelta(day_index, unit="D")).day_of_week.to_numpy()
    per_day = rng.poisson(contacts_per_day * 0.8 * WEEKDAY_WEIGHTS[weekday] / WEEKDAY_WEIGHTS.mean())
    n_first = int(per_day.sum())
    first_day = np.repeat(day_index, per_day)
    hour = rng.choice(24, size=n_first, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    first_at = (start + pd.to_timedelta(first_day, unit="D") + pd.to_timedelta(hour, unit="h")
                + pd.to_timedelta(rng.integers(0, 3600, n_first), unit="s")).to_numpy()
    patients = rng.integers(10**9, 10**10 - 1, n_first)

    # repeat contacts from the same patient, mostly within the 7-day window
    queue_names = [q[0] for q in QUEUES]
    queue_p = np.array([q[4] for q in QUEUES])
    first_queue = rng.choice(len(QUEUES), size=n_first, p=queue_p / queue_p.sum())
    repeat = rng.random(n_first) < 0.40
    n_rep = int(repeat.sum())
    rep_delay = pd.to_timedelta(rng.exponential(2.0, n_rep).clip(0.01, 12), unit="D").to_numpy()
    offered = np.concatenate([first_at, first_at[repeat] + rep_delay])
    patient = np.concatenate([patients, patients[repeat]])
    queue_idx = np.concatenate([first_queue, first_queue[repeat]])
    keep = offered <= np.datetime64(pd.Timestamp(end) + pd.Timedelta(days=1))
    offered, patient, queue_idx = offered[keep], patient[keep], queue_idx[keep]
    order = np.argsort(offered, kind="stable")
    offered, patient, queue_idx = offered[order], patient[order], queue_idx[order]
    n = len(offered)

    channel = rng.choice(4, size=n, p=CHANNEL_SHARE)
    channel[queue_names.index("nurse_line") == queue_idx] = 0
    is_voice = channel == 0
    wait = rng.exponential(np.where(is_voice, 19.0, 28.0))
    patience = rng.exponential(np.where(is_voice, 240.0, 600.0))
    short = rng.random(n) < 0.02
    handled = (wait <= patience) & ~short
    abandon_after = np.where(short, rng.uniform(0.5, 4.5, n), patience)

    # pick an agent in a team answering the contact's queue
    team_of_queue = {q: [i for i, t in enumerate(TEAMS) if q in t[5]] for q in queue_names}
    agent_team = agents.team.map({t[2]: i for i, t in enumerate(TEAMS)}).to_numpy()
    agent_pick = np.full(n, -1)
    for qi, q in enumerate(queue_names):
        members = np.flatnonzero(np.isin(agent_team, team_of_queue[q]))
        mask = (queue_idx == qi) & handled
        if len(members):
            agent_pick[mask] = rng.choice(members, size=int(mask.sum()))
        else:
            handled[mask] = False  # nobody answers this queue
            abandon_after[mask] = np.minimum(abandon_after[mask], 90.0)
    weak = np.where(agent_pick >= 0, staff.weak[agent_pick.clip(0)], 0.0)
    rookie = np.where(agent_pick >= 0, staff.new_hire[agent_pick.clip(0)], False)

    talk = rng.lognormal(np.where(is_voice, 5.6, 6.2), 0.5) * (1 + 0.25 * weak + 0.15 * rookie)
    acw = rng.gamma(2.0, np.where(is_voice, 20.0, 15.0)).round()
    hold = np.where(is_voice & (rng.random(n) < 0.2), rng.integers(10, 120, n), 0)
    answered = offered + pd.to_timedelta(wait, unit="s").to_numpy()
    ended = np.where(handled, answered + pd.to_timedelta(talk + hold, unit="s").to_numpy(),
                     offered + pd.to_timedelta(abandon_after, unit="s").to_numpy())
    resolved_draw = rng.random(n)
    resolved = np.where(resolved_draw < 0.05, "", np.where(resolved_draw < 0.85 - 0.2 * weak, "true", "false"))
    reason_pick = rng.integers(0, 3, n)
    reasons = np.empty(n, dtype=object)
    for qi, q in enumerate(queue_names):
        mask = queue_idx == qi
        options = np.array(REASONS[q], dtype=object)
        reasons[mask] = options[reason_pick[mask] % len(options)]

    contact_ids = np.where(is_voice, _ids("C", ids["contact"], n), _ids("M", ids["contact"], n))
    ids["contact"] += n
    contacts = pd.DataFrame({
        "contact_id": contact_ids,
        "channel": np.array(CHANNELS)[channel],
        "patient_ref": patient.astype(str),
        "queue": np.array(queue_names)[queue_idx],
        "reason": reasons,
        "agent_id": np.where(handled, agents.agent_id.to_numpy()[agent_pick.clip(0)], None),
        "offered_at": offered,
        "answered_at": np.where(handled, answered, np.datetime64("NaT")),
        "ended_at": ended,
        "hold_seconds": np.where(handled, hold, 0),
        "acw_seconds": np.where(handled, acw, 0).astype(int),
        "transferred": np.where(handled & (rng.random(n) < 0.07 + 0.06 * weak), "true", "false"),
        "escalated_clinical": np.where(handled & (rng.random(n) < 0.03), "true", "false"),
        "resolved": np.where(handled, resolved, ""),
    })
    h = contacts[handled]
    weak_h, rookie_h = weak[handled], rookie[handled]

    responded = rng.random(len(h)) < 0.16
    good = np.array([0.05, 0.04, 0.08, 0.28, 0.55])
    poor = np.array([0.14, 0.12, 0.18, 0.28, 0.28])
    score_draw = rng.random(len(h))
    cdf = np.where(weak_h[:, None] > 0, np.cumsum(poor), np.cumsum(good))
    csat = (score_draw[:, None] > cdf).sum(axis=1) + 1
    n_surveys = int(responded.sum())
    surveys = pd.DataFrame({
        "survey_id": _ids("S", ids["survey"], n_surveys),
        "contact_id": h.contact_id.to_numpy()[responded],
        "responded_at": h.ended_at.to_numpy()[responded] + np.timedelta64(3600, "s"),
        "csat": csat[responded].clip(1, 5),
    })
    ids["survey"] += n_surveys

    sampled = rng.random(len(h)) < 0.035
    ev_contacts = h.contact_id.to_numpy()[sampled]
    ev_at = h.ended_at.to_numpy()[sampled] + np.timedelta64(86400, "s")
    ev_weak, ev_rookie = weak_h[sampled], rookie_h[sampled]
    n_ev = len(ev_contacts)
    fail_p = np.array([0.02, 0.01, 0.005, 0.06, 0.08])
    fails = rng.random((n_ev, 5)) < (fail_p + np.outer(ev_weak, [0.25, 0.02, 0.0, 0.1, 0.2])
                                     + np.outer(ev_rookie, [0.05, 0.0, 0.0, 0.05, 0.1]))
    na = rng.random((n_ev, 5)) < np.array([0, 0, 0.6, 0.1, 0])
    results = np.where(na, "na", np.where(fails, "fail", "pass"))
    qa = pd.DataFrame({
        "evaluation_id": np.repeat(_ids("E", ids["evaluation"], n_ev), 5),
        "contact_id": np.repeat(ev_contacts, 5),
        "evaluated_at": np.repeat(ev_at, 5),
        "evaluator": np.repeat(rng.choice(["qa.lee", "qa.moreno", "qa.okafor"], n_ev), 5),
        "item": np.tile(QA_ITEMS, n_ev),
        "result": results.ravel(),
    })
    ids["evaluation"] += n_ev
    return contacts, surveys, qa


class PartWriter:
    """Writes each table's chunks as CSV parts with DuckDB's writer, then joins them under one header."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.parts: dict[str, list[Path]] = {}
        self.counts: dict[str, int] = {}
        self.con = duckdb.connect()

    def write(self, name: str, frame: pd.DataFrame) -> None:
        frame = frame.copy()
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].astype("datetime64[s]")
        part = self.out / f".{name}.part{len(self.parts.get(name, []))}.csv"
        self.con.register("frame", frame)
        self.con.sql("select * from frame").write_csv(str(part), header=True)
        self.con.unregister("frame")
        self.parts.setdefault(name, []).append(part)
        self.counts[name] = self.counts.get(name, 0) + len(frame)

    def finish(self) -> dict[str, int]:
        for name, parts in self.parts.items():
            with open(self.out / f"{name}.csv", "wb") as target:
                for i, part in enumerate(parts):
                    with open(part, "rb") as source:
                        header = source.readline()
                        if i == 0:
                            target.write(header)
                        shutil.copyfileobj(source, target, 1 << 20)
                    part.unlink()
        self.con.close()
        return self.counts


BAD_CALLS = [
    # answered before offered; csat and QA problems below; a row with a broken timestamp; a repeated id
    "BAD0001,,scheduling,reschedule,A0001,2026-01-05T10:00:00Z,2026-01-05T09:59:00Z,2026-01-05T10:03:00Z,0,0,no,no,",
    "BAD0002,,scheduling,reschedule,A0001,05/01/26 10:00,,05/01/26 10:01,0,0,no,no,",
    "BAD0003,,,reschedule,,2026-01-05T10:00:00Z,,2026-01-05T10:02:00Z,0,0,no,no,",
]
BAD_SURVEYS = ["SBAD0001,C000000001,,7", "SBAD0002,NOT-YET-ARRIVED,,4"]
BAD_QA = ["EBAD0001,C000000001,,qa.lee,identity_verified,maybe", "EBAD0002,C000000001,,qa.lee,empathy,pass"]
BAD_SESSIONS = ["CSBAD01,A0001,2026-13-01,aht_seconds,trainer.kim,", "CSBAD02,A0001,2026-10-01,empathy,trainer.kim,"]


def _append_bad_rows(out: Path) -> None:
    for name, rows in (("calls", BAD_CALLS), ("surveys", BAD_SURVEYS), ("qa_evaluations", BAD_QA),
                       ("coaching_sessions", BAD_SESSIONS)):
        with open(out / f"{name}.csv", "a", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")
