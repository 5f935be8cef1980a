"""The notification-policy YAML file: its schema (documented in ``docs/warnings.md``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from forewarn.common import Level
from forewarn.timeutil import parse_duration
from forewarn.warnings.matchers import parse_matcher
from forewarn.warnings.timeintervals import Entry, check_zone

Channel = Literal["inapp", "email", "webhook", "wecom", "dingtalk"]
CHANNELS: tuple[Channel, ...] = ("inapp", "email", "webhook", "wecom", "dingtalk")


def _all_channels() -> list[Channel]:
    return list(CHANNELS)


Duration = str | float
Name = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _duration(value: Duration | None) -> Duration | None:
    if value is not None:
        parse_duration(value)
    return value


def _matcher(text: str) -> str:
    parse_matcher(text)
    return text


MatcherText = Annotated[str, AfterValidator(_matcher)]


class RouteIn(_Strict):
    """A node of the route tree; children inherit every setting they leave out."""

    matchers: list[MatcherText] = Field(default_factory=list)
    receiver: str | None = None
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    continue_: bool = Field(default=False, alias="continue")
    active_time_intervals: list[str] | None = None
    mute_time_intervals: list[str] | None = None
    escalation: str | None = None
    inhibit_lower_levels: bool | None = None
    routes: list[RouteIn] = Field(default_factory=list)

    _d = field_validator("group_wait", "group_interval", "repeat_interval")(_duration)


class TargetIn(_Strict):
    """An explicit address: a duty leader's e-mail, a control room's webhook."""

    channel: Channel
    target: str = Field(min_length=1, max_length=500)


class ReceiverIn(_Strict):
    """Who is told: departments found by routing, named departments, explicit targets."""

    name: str = Name
    to: list[str] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=_all_channels)
    targets: list[TargetIn] = Field(default_factory=list)

    @field_validator("to")
    @classmethod
    def _to(cls, values: list[str]) -> list[str]:
        for value in values:
            kind, sep, rest = value.partition(":")
            if kind == "responsible" and not sep:
                continue
            if kind == "parent" and (not sep or (rest.isdigit() and 1 <= int(rest) <= 5)):
                continue
            if kind == "department" and rest:
                continue
            raise ValueError(
                f"bad recipient {value!r}; use responsible, parent, parent:N (1..5) "
                "or department:<code>"
            )
        return values


class SpanIn(_Strict):
    """A span of the day, ``HH:MM`` to ``HH:MM``."""

    start: str
    end: str


class EntryIn(_Strict):
    """One entry of a time interval (all its restrictions must hold)."""

    times: list[SpanIn] | None = None
    weekdays: list[str] | None = None
    days_of_month: list[str | int] | None = None
    months: list[str | int] | None = None

    def build(self) -> Entry:
        """The evaluated form; ValueError names the bad part."""
        return Entry.parse(
            times=[s.model_dump() for s in self.times or []],
            weekdays=self.weekdays,
            days_of_month=[str(d) for d in self.days_of_month or []],
            months=[str(m) for m in self.months or []],
        )


class TimeIntervalIn(_Strict):
    """A named time interval in a time zone."""

    name: str = Name
    time_zone: str | None = None  # None: the platform's display time zone (setting `timezone`)
    intervals: list[EntryIn] = Field(min_length=1)

    _z = field_validator("time_zone")(lambda v: v if v is None else check_zone(v))

    @field_validator("intervals")
    @classmethod
    def _entries(cls, values: list[EntryIn]) -> list[EntryIn]:
        for value in values:
            value.build()
        return values


class InhibitIn(_Strict):
    """While a source warning fires, targets with the same `equal` labels are not notified."""

    name: str = Name
    source_matchers: list[MatcherText] = Field(min_length=1)
    target_matchers: list[MatcherText] = Field(min_length=1)
    equal: list[str] = Field(default_factory=list)


class StepIn(_Strict):
    """An escalation step: `after` this long (since the previous step), tell `notify`."""

    after: Duration = 0
    notify: str

    _d = field_validator("after")(_duration)


class ChainIn(_Strict):
    """The acknowledgement SLA of one level and the steps taken when it is missed."""

    ack_within: Duration
    steps: list[StepIn] = Field(min_length=1)

    _d = field_validator("ack_within")(_duration)


class EscalationIn(_Strict):
    """An escalation policy: a chain per level (levels without one never escalate)."""

    name: str = Name
    levels: dict[str, ChainIn]

    @field_validator("levels")
    @classmethod
    def _levels(cls, values: dict[str, ChainIn]) -> dict[str, ChainIn]:
        for key in values:
            Level.parse(key)
        return values


class FlappingIn(_Strict):
    """More than `max_changes` level or status changes within `window` is flapping."""

    window: Duration = "1h"
    max_changes: int = Field(default=6, ge=2, le=1000)

    _d = field_validator("window")(_duration)


class LifecycleIn(_Strict):
    """Re-activation window and flapping detection."""

    reactivate_within: Duration = "1h"
    flapping: FlappingIn = Field(default_factory=FlappingIn)

    _d = field_validator("reactivate_within")(_duration)


class FeedIn(_Strict):
    """A whole feed (the sites its matchers select) that must keep sending."""

    name: str = Name
    matchers: list[MatcherText] = Field(min_length=1)
    silent_after: Duration
    level: str = "orange"
    field: str | None = None

    _d = field_validator("silent_after")(_duration)
    _l = field_validator("level")(lambda v: Level.parse(v).label)


class HeartbeatsIn(_Strict):
    """Heartbeat warnings of silent sites and feeds."""

    sites: bool = True
    check_every: Duration = "1m"
    intervals: float = Field(default=3.0, gt=0, le=1000)
    min_silence: Duration = "15m"
    level: str = "yellow"
    feeds: list[FeedIn] = Field(default_factory=list)

    _d = field_validator("min_silence", "check_every")(_duration)
    _l = field_validator("level")(lambda v: Level.parse(v).label)


class PolicyFile(_Strict):
    """A notification-policy file; only `routes` is required."""

    routes: RouteIn
    receivers: list[ReceiverIn] = Field(default_factory=list)
    time_intervals: list[TimeIntervalIn] = Field(default_factory=list)
    inhibit_rules: list[InhibitIn] = Field(default_factory=list)
    escalations: list[EscalationIn] = Field(default_factory=list)
    lifecycle: LifecycleIn = Field(default_factory=LifecycleIn)
    heartbeats: HeartbeatsIn = Field(default_factory=HeartbeatsIn)
