"""The one table of event codes: CAMEO code, Goldstein value and PLOVER category per subtype.

CAMEO (Schrodt 2012) codes and the Goldstein (1992) weights that go with them; PLOVER categories
per the PLOVER event ontology. A few triggers refine the generic `other` diplomacy subtype."""

from __future__ import annotations

# (type, subtype) -> (CAMEO code, Goldstein value, PLOVER category)
EVENT_CODES: dict[tuple[str, str], tuple[str, float, str]] = {
    ("sanction", "impose"): ("163", -8.0, "SANCTION"),          # impose embargo, boycott or sanctions
    ("sanction", "extend"): ("163", -8.0, "SANCTION"),          # tightening is a further imposition
    ("sanction", "threaten"): ("1312", -5.8, "THREATEN"),       # threaten with sanctions/boycott/embargo
    ("sanction", "lift_or_ease"): ("085", 7.0, "CONCEDE"),      # ease economic sanctions/boycott/embargo
    ("diplomacy", "meeting_or_talks"): ("040", 1.0, "CONSULT"),  # consult
    ("diplomacy", "visit"): ("042", 1.9, "CONSULT"),             # make a visit (host side is 043, 2.8)
    ("diplomacy", "summit"): ("040", 1.0, "CONSULT"),
    ("diplomacy", "phone_call"): ("041", 1.0, "CONSULT"),        # discuss by telephone
    ("diplomacy", "negotiation"): ("046", 7.0, "CONSULT"),       # engage in negotiation
    ("diplomacy", "agreement_signed"): ("057", 8.0, "AGREE"),    # sign formal agreement
    ("diplomacy", "envoy_expelled_or_recalled"): ("161", -4.0, "SANCTION"),  # reduce/break relations
    ("diplomacy", "joint_statement"): ("010", 0.0, "AGREE"),     # make public statement (jointly)
    ("diplomacy", "other"): ("040", 1.0, "CONSULT"),
}

# Hypothetical or proposed events carry the "intent" codes instead of the act codes.
INTENT_CODES: dict[tuple[str, str], tuple[str, float]] = {
    ("diplomacy", "meeting_or_talks"): ("036", 4.0),   # express intent to meet or negotiate
    ("diplomacy", "negotiation"): ("036", 4.0),
    ("diplomacy", "summit"): ("036", 4.0),
    ("diplomacy", "visit"): ("036", 4.0),
}

# Refinements of `other` by trigger lemma.
OTHER_BY_LEMMA: dict[str, tuple[str, float, str]] = {
    "mediate": ("045", 5.0, "CONSULT"), "mediation": ("045", 5.0, "CONSULT"),
    "mediator": ("045", 5.0, "CONSULT"), "sever": ("161", -4.0, "SANCTION"),
    "break": ("161", -4.0, "SANCTION"), "cut": ("161", -4.0, "SANCTION"),
    "summon": ("112", -2.0, "ACCUSE"), "restore": ("064", 7.0, "COOPERATE"),
    "withdraw": ("161", -4.0, "RETREAT"), "withdrawal": ("161", -4.0, "RETREAT"), "exit": ("161", -4.0, "RETREAT"),
}


def codes_for(type_: str, subtype: str, certainty: str, trigger_lemma: str = "") -> tuple[str, float, str]:
    """(CAMEO, Goldstein, PLOVER) for an event."""
    cameo, goldstein, plover = EVENT_CODES[(type_, subtype)]
    if subtype == "other" and trigger_lemma in OTHER_BY_LEMMA:
        cameo, goldstein, plover = OTHER_BY_LEMMA[trigger_lemma]
    if certainty == "hypothetical" and (type_, subtype) in INTENT_CODES:
        cameo, goldstein = INTENT_CODES[(type_, subtype)]
    return cameo, goldstein, plover
