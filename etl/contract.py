"""The data contract: one pydantic model per input file, the single statement of what a delivery holds.

The models say which columns exist, which are required, their types and defaults. At scale the loader does not
validate row by row in Python: `FileSpec` derives from each model what the reader needs (file name, columns,
required columns, natural key), and the staging SQL (`etl/sql/staging/stg_<table>.sql`) casts and checks every
row in bulk in DuckDB. `tests/test_contract.py` holds the two in step. The models can still validate one record
(the generator and the docs use them).

This module must never read files or hold patient data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Flag = Annotated[bool, Field(description="true/false, yes/no, y/n, 1/0, any case")]
# A duration in seconds to the millisecond (Genesys Cloud reports milliseconds): digits with an optional fraction of
# up to 3 decimal places, stored exactly; a non-zero part below a millisecond is quarantined, never rounded.
Seconds = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=3,
                                   description="seconds, up to 3 decimal places (milliseconds)")]
Timestamp = Annotated[dt.datetime, Field(description="ISO 8601; without an offset it is read in the source time zone")]

# Contract v2 (issue 11): a contact's place in a conversation. All optional: a v1 file without these columns loads
# as one inbound, queued leg per conversation. See docs/data-contract.md.
ConversationId = Annotated[str | None, Field(description="links the legs of one interaction; default: own id")]
Direction = Annotated[Literal["inbound", "outbound", "callback"],
                      Field(description="outbound and callback legs never enter inbound KPIs")]
Queued = Annotated[bool, Field(description="false: went straight to an agent (no SL, ASA or abandonment)")]
EndReason = Annotated[Literal["abandoned", "moved", "callback", "ivr", "other"] | None,
                      Field(description="how a contact without an agent ended; default abandoned when not handled")]
TransferType = Annotated[Literal["internal", "external"] | None,
                         Field(description="default internal when transferred")]
TalkSeconds = Annotated[Seconds | None, Field(description="the agent's interaction time as the platform reports "
                                          "it; then handle time = talk + hold + acw")]


class Agent(BaseModel):
    model_config = ConfigDict(extra="ignore")
    agent_id: str
    agent_name: str | None = None
    team: str
    site: str
    partner: str = Field(description="the outsourcing partner, or the centre's own name for in-house staff")
    licensed: Flag = False
    hire_date: dt.date | None = None


class Queue(BaseModel):
    model_config = ConfigDict(extra="ignore")
    queue: str
    partner: str = Field(description="the partner contracted for this queue")
    team: str | None = None
    site: str | None = None
    sl_threshold_seconds: int | None = Field(None, gt=0, description="overrides the channel's service-level threshold")


class Call(BaseModel):
    model_config = ConfigDict(extra="ignore")
    call_id: str
    patient_ref: str | None = Field(None, description="replaced at load by a keyed pseudonym; never stored")
    queue: str
    reason: str | None = None
    agent_id: str | None = Field(None, description="required when answered")
    offered_at: Timestamp
    answered_at: Timestamp | None = None
    ended_at: Timestamp
    hold_seconds: Seconds = Decimal(0)
    acw_seconds: Seconds = Decimal(0)
    transferred: Flag = False
    escalated_clinical: Flag = False
    resolved: Flag | None = None
    conversation_id: ConversationId = None
    direction: Direction = "inbound"
    queued: Queued = True
    end_reason: EndReason = None
    transfer_type: TransferType = None
    talk_seconds: TalkSeconds = None


class Chat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    chat_id: str
    channel: str = Field("chat", description="chat, sms, app, ...; never voice")
    patient_ref: str | None = None
    queue: str
    reason: str | None = None
    agent_id: str | None = Field(None, description="required when accepted")
    requested_at: Timestamp
    accepted_at: Timestamp | None = None
    ended_at: Timestamp
    acw_seconds: Seconds = Decimal(0)
    transferred: Flag = False
    escalated_clinical: Flag = False
    resolved: Flag | None = None
    conversation_id: ConversationId = None
    direction: Direction = "inbound"
    queued: Queued = True
    end_reason: EndReason = None
    transfer_type: TransferType = None
    talk_seconds: TalkSeconds = None


class Survey(BaseModel):
    model_config = ConfigDict(extra="ignore")
    survey_id: str
    contact_id: str
    responded_at: Timestamp | None = None
    csat: int = Field(ge=1, le=5)


class QaResult(BaseModel):
    model_config = ConfigDict(extra="ignore")
    evaluation_id: str
    contact_id: str
    evaluated_at: Timestamp | None = None
    evaluator: str | None = None
    item: str
    result: Literal["pass", "fail", "na"]


class CoachingSession(BaseModel):
    """Optional: one coaching session given to an agent (the Coaching page's before/after view)."""

    model_config = ConfigDict(extra="ignore")
    session_id: str
    agent_id: str
    date: dt.date = Field(description="the day of the session, YYYY-MM-DD")
    topic: str = Field(description="what the session was about: a compared KPI (fcr_rate, csat_top2_rate, "
                                   "transfer_rate, aht_seconds, qa_compliant_rate, qa_item_<item>_rate) or a QA "
                                   "item's name")
    trainer: str | None = None
    notes: str | None = Field(None, description="free text; identifiers scrubbed at load; shown only on the "
                                                "Coaching page, never in quarantine, reports or the command line")


@dataclass(frozen=True)
class FileSpec:
    """What the reader needs to know about one contract file, derived from its model."""

    file_name: str
    table: str
    model: type[BaseModel]
    key: tuple[str, ...]

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)

    @property
    def required(self) -> list[str]:
        return [name for name, field in self.model.model_fields.items() if field.is_required()]


# Load order matters: the roster and queues first (contacts are attributed through them), then contacts,
# then what refers to contacts.
FILE_SPECS: tuple[FileSpec, ...] = (
    FileSpec("agents.csv", "agents", Agent, ("agent_id",)),
    FileSpec("queues.csv", "queues", Queue, ("queue",)),
    FileSpec("calls.csv", "calls", Call, ("call_id",)),
    FileSpec("chats.csv", "chats", Chat, ("chat_id",)),
    FileSpec("surveys.csv", "surveys", Survey, ("survey_id",)),
    FileSpec("qa_evaluations.csv", "qa_evaluations", QaResult, ("evaluation_id", "item")),
    FileSpec("coaching_sessions.csv", "coaching_sessions", CoachingSession, ("session_id",)),
)

SPEC_BY_FILE = {spec.file_name: spec for spec in FILE_SPECS}
