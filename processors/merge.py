"""One event per real occurrence: repeated mentions of the same act in an article merge.

Mentions merge when type, subtype and certainty agree, their parties are compatible (equal, or one
side unknown), and their dates do not conflict. The first mention (the title, if it has one) gives the
trigger and evidence; later mentions fill in missing parties and raise confidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from processors.events import EventMention


@dataclass
class Occurrence:
    first: EventMention
    certainty: str
    actors: list[str]
    targets: list[str]
    event_date: date | None
    confidence: float
    mentions: list[EventMention] = field(default_factory=list)


def _compatible(a: Occurrence, m: EventMention, m_date: date | None) -> bool:
    f = a.first
    if (f.type, f.subtype) != (m.type, m.subtype):
        return False
    # a headline mention takes the certainty of the body mention that reports the same act
    if a.certainty != m.certainty and not (f.headline and len(a.mentions) == 1) and not m.headline:
        return False
    if a.event_date and m_date and a.event_date != m_date:
        return False
    if f.background != m.background and not f.headline:
        return False  # an earlier act told as background is another occurrence
    if m.type == "sanction":
        ok_a = not a.actors or not m.actors or bool(set(a.actors) & set(m.actors))
        ok_t = not a.targets or not m.targets or bool(set(a.targets) & set(m.targets))
        return ok_a and ok_t and bool(set(a.actors + a.targets) & set(m.actors + m.targets)
                                      or not (a.actors + a.targets) or not (m.actors + m.targets))
    pa, pm = set(a.actors + a.targets), set(m.actors + m.targets)
    if f.subtype in ("visit", "envoy_expelled_or_recalled", "other"):
        same_actor = bool(set(a.actors) & set(m.actors)) or (not a.actors and not m.actors)
        return same_actor and (not a.targets or not m.targets or bool(set(a.targets) & set(m.targets)))
    return not pa or not pm or pa <= pm or pm <= pa


def _takes_headline(o: Occurrence, m: EventMention) -> bool:
    """A lone title mention is the same act as the first body mention of its type and subtype; the
    body's parse gives the roles (titles are telegraphic and parse badly)."""
    f = o.first
    return f.headline and len(o.mentions) == 1 and not m.headline and (f.type, f.subtype) == (m.type, m.subtype)


def _antecedent(occ: list[Occurrence], m: EventMention) -> Occurrence | None:
    """The latest earlier occurrence a bare definite mention ("the talks") refers to: same type and
    subtype family (talks, meeting and negotiation name one encounter), same certainty."""
    family = ("meeting_or_talks", "negotiation") if m.subtype in ("meeting_or_talks", "negotiation") else (m.subtype,)
    for o in reversed(occ):
        if o.first.type == m.type and o.first.subtype in family and o.certainty == m.certainty:
            return o
    return None


def merge_mentions(mentions: list[tuple[EventMention, date | None]]) -> list[Occurrence]:
    occ: list[Occurrence] = []
    for m, d in mentions:
        ante = _antecedent(occ, m) if m.anaphoric and not m.headline else None
        if ante is not None:
            ante.mentions.append(m)  # its parties came from the sentence around it, not from the phrase
            ante.confidence = min(0.99, ante.confidence + 0.03)
            continue
        for o in occ:
            if _takes_headline(o, m):
                o.certainty, o.actors = m.certainty, list(m.actors)
                o.targets = [t for t in m.targets if t not in m.actors or m.type == "sanction"]
                o.event_date = d or o.event_date
                o.mentions.append(m)
                break
            if _compatible(o, m, d):
                if o.first.headline and len(o.mentions) == 1 and not m.headline:
                    o.certainty = m.certainty
                o.mentions.append(m)
                o.actors += [c for c in m.actors if c not in o.actors]
                o.targets += [c for c in m.targets
                              if c not in o.targets and (c not in o.actors or m.type == "sanction")]
                o.event_date = o.event_date or d
                o.confidence = min(0.99, max(o.confidence, m.confidence) + 0.03)
                break
        else:
            targets = list(m.targets) if m.type == "sanction" else [t for t in m.targets if t not in m.actors]
            occ.append(Occurrence(m, m.certainty, list(m.actors), targets, d,
                                  m.confidence, [m]))
    return occ
