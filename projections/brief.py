"""Handover brief: what a new owner must know before the first call, composed from
the customer 360 and the customer's whole history (no tables of its own).

`compose` is pure: the 360 document, the events, a time zone and "now" in, a
brief out: the relationship year by year in prose, who owned the account and
why it changed hands, key people and their attitude, open promises, pending
problems, open cases, and what was last discussed. Corrected values are used
wherever an event was corrected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.domain.base import CustomerEvent
from ledger.domain.corrections import fold
from ledger.domain.follow_through import CONTACT_SOURCE
from ledger.domain.problems import owed_by
from ledger.domain.sla.clocks import is_overdue
from ledger.history import CHANNEL_WORDS, tell
from ledger.vocabulary import ESCALATION_LEVELS, VISIT_OUTCOME_MEANING
from projections.contact_plan import plan_summary

Doc = dict[str, Any]
LAST_DISCUSSED = 5
# Past this many notable events a year's story points to `ledger history`.
NOTABLE_PER_YEAR = 12
OPEN = {"open", "lead", "planned"}
COMPLAINT_EVENTS = {
    "ComplaintFiled",
    "ComplaintAcknowledged",
    "ComplaintPaused",
    "ComplaintResumed",
    "ComplaintResolved",
    "ComplaintReopened",
}


@dataclass(frozen=True)
class Record:
    """One event as the brief reads it: corrected values, time in the ledger's zone."""

    v: int
    event: str
    at: datetime
    actor: str
    data: dict[str, Any]


def compose(doc: Doc, events: Sequence[CustomerEvent], tz: ZoneInfo, now: datetime) -> Doc:
    """The brief from a customer's 360 document and whole stream; dates are shown in
    `tz`, and a promise is overdue when its due date is before `now`'s day."""
    records = _records(events, tz)
    today = now.astimezone(tz).date()
    names = {pid: p["name"] for pid, p in doc.get("people", {}).items()}
    return {
        "customer": _profile(doc, tz),
        "owners": _owners(doc, tz),
        "years": _years(records, names),
        "people": _people(doc, tz, today),
        "open_commitments": _commitments(doc, tz, today),
        "pending_problems": _problems(doc, tz),
        "open_cases": _open_cases(doc, tz),
        "last_discussed": _last_discussed(records, names),
    }


# ----------------------------------------------------------------- the events
def _records(events: Sequence[CustomerEvent], tz: ZoneInfo) -> list[Record]:
    # Each event as its corrections say it was (docs/domain.md, "Corrections").
    records = [
        Record(e.version, e.event, e.occurred_at.astimezone(tz), e.actor, e.data)
        for e in tell(fold(events))
        if e.event != "CorrectionRecorded"
    ]
    return sorted(records, key=lambda r: (r.at, r.v))


def _day(text: str | None, tz: ZoneInfo) -> str | None:
    if not text:
        return None
    return datetime.fromisoformat(text).astimezone(tz).date().isoformat()


def _on(moment: datetime, year: int | None = None) -> str:
    """`3 Mar`, with the year when it is not the paragraph's own."""
    shown = f"{moment.day} {moment:%b}"
    return shown if moment.year == year else f"{shown} {moment.year}"


def _words(value: str) -> str:
    return value.replace("_", " ")


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def _stop(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?。" else f"{text}."


# -------------------------------------------------------------------- profile
def _profile(doc: Doc, tz: ZoneInfo) -> Doc:
    termination = doc.get("termination")
    return {
        "code": doc.get("code", ""),
        "name": doc.get("name", ""),
        "segment": doc.get("segment", ""),
        "tier": doc.get("tier", ""),
        "vip": doc.get("vip", False),
        "stage": doc.get("stage", ""),
        "owner": doc.get("owner"),
        "customer_since": _day(doc.get("registered_at"), tz),
        "events": doc.get("version", 0),
        "terminated": None
        if not termination
        else {
            "date": _day(termination["occurred_at"], tz),
            "reason": termination["reason"],
            "root_cause": termination["root_cause"],
        },
    }


def _owners(doc: Doc, tz: ZoneInfo) -> Doc:
    """Who owned the account, from when to when, and why it changed hands."""
    owners = doc.get("owners", [])
    tenures = []
    for n, entry in enumerate(owners):
        following = owners[n + 1] if n + 1 < len(owners) else None
        tenures.append(
            {
                "owner": entry["owner"],
                "since": _day(entry["occurred_at"], tz),
                "until": _day(following["occurred_at"], tz) if following else None,
                "how": "at registration" if entry["reason"] == "registered" else entry["reason"],
                "handed_to": following["owner"] if following else None,
                "why_handed_over": following["reason"] if following else None,
            }
        )
    sentences = []
    for n, t in enumerate(tenures):
        if t["until"] is None:
            # How a handed-over account arrived is told with the previous owner.
            how = f" ({t['how'].rstrip('.')})" if n == 0 else ""
            sentences.append(f"{t['owner']} has owned it since {t['since']}{how}.")
        else:
            sentences.append(
                f"{t['owner']} owned it from {t['since']} until {t['until']}, when it was "
                f"handed to {t['handed_to']}: {_stop(t['why_handed_over'])}"
            )
    if not tenures:
        sentences.append("Nobody has owned the account yet.")
    elif not doc.get("owner"):
        sentences.append("It has no owner now.")
    return {"story": " ".join(sentences), "tenures": tenures}


def _people(doc: Doc, tz: ZoneInfo, today: date) -> list[Doc]:
    people = []
    for pid, p in sorted(doc.get("people", {}).items(), key=lambda kv: _local_order(kv[0])):
        title = f", {p['title']}" if p.get("title") else ""
        status = _words(p["relationship_status"])
        note = f": {p['note']}" if p.get("note") else ""
        counterpart = f" Our counterpart: {p['counterpart']}." if p.get("counterpart") else ""
        left = "" if p["present"] else " Has left the customer."
        plan = plan_summary(p, tz, today) if p["present"] else None
        planned = f" Contact {plan['text']}." if plan else ""
        people.append(
            {
                "id": pid,
                "name": p["name"],
                "title": p.get("title", ""),
                "decision_role": p["decision_role"],
                "relationship_status": p["relationship_status"],
                "assessed": _day(p.get("assessed_at"), tz),
                "note": p.get("note", ""),
                "counterpart": p.get("counterpart"),
                "present": p["present"],
                "contact_plan": plan,
                # Personal details, sealed: the command opens them for its reader.
                "sealed": p.get("sealed", []),
                "erased": p.get("erased", False),
                "text": f"{p['name']} ({pid}){title}: {_words(p['decision_role'])}, "
                f"relationship {status} (as of {_day(p.get('assessed_at'), tz)}{note})."
                f"{counterpart}{planned}{left}",
            }
        )
    # The people who are still there, and who decide, come first.
    people.sort(key=lambda p: (not p["present"], p["decision_role"] != "decision_maker"))
    return people


def _local_order(local_id: str) -> tuple[str, int]:
    prefix = local_id.rstrip("0123456789")
    digits = local_id[len(prefix) :]
    return (prefix, int(digits) if digits else 0)


def _commitments(doc: Doc, tz: ZoneInfo, today: date) -> list[Doc]:
    promises = []
    for cid, case in sorted(doc.get("cases", {}).items(), key=lambda kv: _local_order(kv[0])):
        if case["kind"] != "commitment" or case["status"] not in OPEN:
            continue
        due = case.get("due")
        overdue = bool(due) and is_overdue(date.fromisoformat(due), today)
        source = _where_promised(case.get("source") or "")
        when = f", due {due}" + (" (overdue)" if overdue else "") if due else ", no due date"
        holder = f", held by {case['holder']}" if case.get("holder") else ""
        promises.append(
            {
                "id": cid,
                "promise": case["title"],
                "due": due,
                "overdue": overdue,
                "made": _day(case["opened_at"], tz),
                "source": case.get("source") or None,
                "holder": case.get("holder"),
                "text": f"{cid}: {case['title'].rstrip('.')}{when}{holder}; promised "
                f"{_day(case['opened_at'], tz)}{source}.",
            }
        )
    return promises


def _held_by(case: Doc) -> str:
    return f", held by {case['holder']}" if case.get("holder") else ""


def _problems(doc: Doc, tz: ZoneInfo) -> list[Doc]:
    """The open problems from visits, each with its id and who owes it."""
    owner = owed_by(doc.get("owner"))
    owing = f", owed by {owner}" if owner else ", owed by nobody (no owner)"
    return [
        {
            "id": p["id"],
            "visit": p["visit"],
            "date": _day(p["occurred_at"], tz),
            "problem": p["text"],
            "owed_by": owner,
            "text": f"{p['id']}: {p['text'].rstrip('.')}; raised {_day(p['occurred_at'], tz)} "
            f"at {p['visit']}{owing}.",
        }
        for p in doc.get("pending_problems", [])
    ]


def _where_promised(source: str) -> str:
    """` at V1`, ` at Quarterly review`, ` in a contact`, or nothing."""
    if source == CONTACT_SOURCE:
        return f" in a {source}"
    return f" at {source}" if source else ""


def _open_cases(doc: Doc, tz: ZoneInfo) -> list[Doc]:
    cases = []
    for cid, case in sorted(doc.get("cases", {}).items(), key=lambda kv: _local_order(kv[0])):
        if case["status"] not in OPEN or case["kind"] == "commitment":
            continue
        state = [case["status"]]
        if case.get("paused_at"):
            state.append("waiting on the customer")
        if case.get("escalation_level"):
            level = case["escalation_level"]
            state.append(f"escalated to level {level} ({ESCALATION_LEVELS.get(level, '?')})")
        if case["kind"] == "opportunity":
            state.append(f"stage {_words(case.get('stage') or 'lead')}")
            state.append(f"last follow-up {_day(case.get('last_follow_up'), tz)}")
            if case.get("holder"):
                state.append(f"held by {case['holder']}")
        if case["kind"] == "visit" and case.get("planned_for"):
            state.append(f"planned for {_day(case['planned_for'], tz)}")
        cases.append(
            {
                "id": cid,
                "kind": case["kind"],
                "what": case.get("title", ""),
                "opened": _day(case["opened_at"], tz),
                "state": ", ".join(state),
                "text": f"{cid} {case['kind']} opened {_day(case['opened_at'], tz)}: "
                f"{case.get('title', '')} ({', '.join(state)}).",
            }
        )
    return cases


# ------------------------------------------------------------ last discussed
def _last_discussed(records: list[Record], names: dict[str, str]) -> list[Doc]:
    talks = [r for r in records if r.event in ("ContactLogged", "VisitReported")]
    latest = []
    for r in reversed(talks[-LAST_DISCUSSED:]):
        d = r.data
        if r.event == "ContactLogged":
            how = f"{CHANNEL_WORDS.get(d['channel'], 'Contact').lower()} ({d['direction']})"
            who = _people_named(d["people"], names)
            text = (
                f"{how}{' with ' + who if who else ''}, logged by {r.actor}: {_stop(d['summary'])}"
            )
            if d["follow_ups"]:
                text += f" Follow-up promised: {'; '.join(d['follow_ups'])}."
        else:
            who = _people_named(d["people_met"], names)
            text = (
                f"visit {d['case_id']} by {d['visitor']}{' meeting ' + who if who else ''}: "
                f"{_stop(d['summary'])} Outcome {d['outcome']} "
                f"({VISIT_OUTCOME_MEANING.get(d['outcome'], '?')})."
            )
        latest.append({"date": r.at.date().isoformat(), "event": r.event, "text": text})
    return latest


def _people_named(ids: Sequence[str], names: dict[str, str]) -> str:
    return ", ".join(f"{names[p]} ({p})" if p in names else p for p in ids)


# --------------------------------------------------------------- year by year
@dataclass(frozen=True)
class _Known:
    """What a sentence about one event needs from the rest of the history."""

    names: dict[str, str]
    stories: dict[str, list[Record]]
    titles: dict[str, str]
    currencies: dict[str, str]


def _years(records: list[Record], names: dict[str, str]) -> list[Doc]:
    known = _Known(
        names=names,
        stories=_case_stories(records),
        titles={
            r.data["case_id"]: r.data["title"]
            for r in records
            if r.event in ("LeadCreated", "OpportunityOpened", "InquiryReceived")
        },
        currencies={
            r.data["case_id"]: r.data["currency"]
            for r in records
            if r.event == "OpportunityOpened" and r.data["currency"]
        },
    )
    years: dict[int, list[Record]] = {}
    for r in records:
        years.setdefault(r.at.year, []).append(r)
    return [
        {
            "year": year,
            "counts": _counts(rs),
            "paragraphs": [_activity(year, rs), *_story(year, rs, known)],
        }
        for year, rs in sorted(years.items())
    ]


def _counts(records: list[Record]) -> dict[str, int]:
    kinds = Counter(r.event for r in records)
    return {
        "contacts": kinds["ContactLogged"],
        "visits": kinds["VisitReported"],
        "inquiries": kinds["InquiryReceived"],
        "complaints": kinds["ComplaintFiled"],
        "escalations": kinds["EscalationRaised"],
        "opportunities_won": kinds["OpportunityWon"],
        "opportunities_lost": kinds["OpportunityLost"],
        "commitments_made": kinds["CommitmentMade"]
        + sum(len(r.data["commitments"]) for r in records if r.event == "VisitReported"),
        "commitments_fulfilled": kinds["CommitmentFulfilled"],
        "satisfaction_scores": kinds["SatisfactionRecorded"],
        "handovers": sum(1 for r in records if r.event == "OwnerAssigned" and r.data["previous"]),
    }


def _activity(year: int, records: list[Record]) -> str:
    """The year in numbers, as one paragraph."""
    counts = _counts(records)
    parts = []
    channels = Counter(r.data["channel"] for r in records if r.event == "ContactLogged")
    if channels:
        by_channel = ", ".join(f"{n} {c}" for c, n in sorted(channels.items(), key=_most))
        parts.append(f"{_plural(counts['contacts'], 'contact')} ({by_channel})")
    outcomes = Counter(r.data["outcome"] for r in records if r.event == "VisitReported")
    if outcomes:
        shown = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
        parts.append(f"{_plural(counts['visits'], 'visit')} (outcomes {shown})")
    for key, word, many in (
        ("inquiries", "inquiry", "inquiries"),
        ("complaints", "complaint", None),
        ("escalations", "escalation", None),
        ("opportunities_won", "opportunity won", "opportunities won"),
        ("opportunities_lost", "opportunity lost", "opportunities lost"),
        ("commitments_made", "commitment made", "commitments made"),
        ("commitments_fulfilled", "commitment fulfilled", "commitments fulfilled"),
        ("handovers", "handover", None),
    ):
        if counts[key]:
            parts.append(_plural(counts[key], word, many))
    scores = [r.data["score"] for r in records if r.event == "SatisfactionRecorded"]
    if scores:
        parts.append(
            f"satisfaction {', '.join(str(s) for s in scores)} "
            f"(average {sum(scores) / len(scores):.1f})"
        )
    if not parts:
        return f"{year}: no contacts, visits or cases; only changes to the record."
    return f"{year}: " + _join(parts) + "."


def _most(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _case_stories(records: list[Record]) -> dict[str, list[Record]]:
    """Every later event about each complaint and inquiry, escalations included."""
    stories: dict[str, list[Record]] = {}
    escalated: dict[str, str] = {}
    for r in records:
        case_id = r.data.get("case_id")
        if r.event == "EscalationRaised":
            escalated[r.data["case_id"]] = r.data["concerning"]
            stories.setdefault(r.data["concerning"], []).append(r)
        elif r.event == "EscalationResolved" and case_id in escalated:
            stories.setdefault(escalated[case_id], []).append(r)
        elif r.event in COMPLAINT_EVENTS or r.event.startswith("Inquiry"):
            stories.setdefault(str(case_id), []).append(r)
    return stories


def _story(year: int, records: list[Record], known: _Known) -> list[str]:
    """The notable events of the year, in order, as prose (one paragraph)."""
    sentences = []
    for r in records:
        sentence = _notable(year, r, known)
        if sentence:
            sentences.append(sentence)
    if not sentences:
        return []
    if len(sentences) > NOTABLE_PER_YEAR:
        more = len(sentences) - NOTABLE_PER_YEAR
        sentences = [
            *sentences[:NOTABLE_PER_YEAR],
            f"And {_plural(more, 'more notable event')}: "
            f"see `ledger history --since {year}-01-01`.",
        ]
    return [" ".join(sentences)]


def _notable(year: int, r: Record, known: _Known) -> str | None:
    d, on = r.data, _on(r.at, year)
    person = _people_named([d["person_id"]], known.names) if "person_id" in d else ""
    match r.event:
        case "CustomerRegistered":
            owner = f"owner {d['owner']}" if d["owner"] else "no owner"
            return _stop(
                f"Registered on {on} by {r.actor}: segment {d['segment']}, tier {d['tier']}"
                f"{' (VIP)' if d['vip'] else ''}, stage {_words(d['stage'])}, {owner}"
            )
        case "OwnerAssigned" if d["previous"]:
            return (
                f"On {on} {d['previous']} handed the account to {d['owner']}: {_stop(d['reason'])}"
            )
        case "OwnerAssigned":
            return f"On {on} {d['owner']} became the owner: {_stop(d['reason'])}"
        case "LifecycleStageChanged":
            why = f": {d['reason']}" if d["reason"] else ""
            return _stop(f"On {on} the stage moved from {d['previous']} to {d['stage']}{why}")
        case "TierChanged":
            return _stop(f"On {on} the tier became {d['tier']}{' (VIP)' if d['vip'] else ''}")
        case "SegmentChanged":
            return _stop(
                f"On {on} the customer moved from segment {d['previous']} to {d['segment']}"
            )
        case "KeyPersonRelationshipAssessed" if d["relationship_status"] == "negative":
            note = f": {d['note']}" if d["note"] else ""
            return _stop(f"On {on} the relationship with {person} turned negative{note}")
        case "KeyPersonLeft":
            return _stop(f"On {on} {person} left the customer")
        case "VisitReported" if d["outcome"] in ("A", "D"):
            meaning = VISIT_OUTCOME_MEANING[d["outcome"]]
            return (
                f"Visit {d['case_id']} on {on} ({_words(d['purpose'])}) by {d['visitor']} ended "
                f"{d['outcome']} ({meaning}): {_stop(d['summary'])}"
            )
        case "ComplaintFiled":
            return _complaint(year, r, known.stories.get(d["case_id"], []))
        case "EscalationRaised" if d["concerning"] in known.titles:
            title = known.titles[d["concerning"]]
            level = ESCALATION_LEVELS.get(d["level"], "?")
            return _stop(
                f"On {on} inquiry {d['concerning']} ({title}) was escalated to level "
                f"{d['level']} ({level}): {d['reason']}"
            )
        case "OpportunityWon":
            currency = (
                f" {known.currencies[d['case_id']]}" if d["case_id"] in known.currencies else ""
            )
            value = f" ({d['value']}{currency})" if d["value"] else ""
            title = known.titles.get(d["case_id"], "")
            return _stop(f"On {on} opportunity {d['case_id']} ({title}) was won{value}")
        case "OpportunityLost":
            title = known.titles.get(d["case_id"], "")
            return _stop(f"On {on} opportunity {d['case_id']} ({title}) was lost: {d['reason']}")
        case "RelationshipTerminated":
            return (
                f"On {on} the relationship was terminated: {_stop(d['reason'])} Root cause: "
                f"{_stop(d['root_cause'])} Filed with head office as {d['head_office_ref']}."
            )
        case "RelationshipReactivated":
            return (
                f"On {on} it was reactivated (back to stage {d['stage']}): "
                f"{_stop(d['repair_plan'])}"
            )
    return None


def _complaint(year: int, filed: Record, story: list[Record]) -> str:
    d = filed.data
    text = (
        f"On {_on(filed.at, year)} complaint {d['case_id']} ({d['category']}, {d['severity']}) "
        f'came in by {d["channel"]}: "{_stop(d["description"])}"'
    )
    levels = [r.data["level"] for r in story if r.event == "EscalationRaised"]
    if levels:
        top = max(levels)
        text += f" It was escalated to level {top} ({ESCALATION_LEVELS.get(top, '?')})."
    ends = [r for r in story if r.event in ("ComplaintResolved", "ComplaintReopened")]
    resolved = [r for r in ends if r.event == "ComplaintResolved"]
    if not ends or ends[-1].event == "ComplaintReopened":
        if resolved:
            reopened = ends[-1]
            text += (
                f" Resolved on {_on(resolved[-1].at, year)}, it was reopened on "
                f"{_on(reopened.at, year)}: {_stop(reopened.data['reason'])}"
            )
        paused = [r for r in story if r.event in ("ComplaintPaused", "ComplaintResumed")]
        waiting = bool(paused) and paused[-1].event == "ComplaintPaused"
        return text + (" Still open, waiting on the customer." if waiting else " Still open.")
    last = ends[-1]
    days = (last.at - filed.at).days
    after = "the same day" if days == 0 else f"{_plural(days, 'day')} later"
    again = " (after being reopened)" if len(resolved) > 1 else ""
    return text + (
        f" Resolved on {_on(last.at, year)}, {after}{again}: {_stop(last.data['resolution'])}"
    )
