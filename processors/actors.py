"""Actor resolution: NER mentions -> guideline codes (ISO 3166 alpha-3, IGO short names, groups).

Works per document: officials resolve through their title or apposition ("Russian Foreign Minister
Sergey Lavrov" -> RUS), and later surname-only mentions ("Lavrov") through the earlier full mention."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from processors.rules import Rules, norm_name

ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})
_GROUP_LABELS = frozenset({"ORG", "NORP"})


@dataclass
class ResolvedMention:
    start: int            # char offsets into the document text
    end: int
    text: str
    label: str
    code: str | None
    ambiguous: bool
    key: str              # canonical key: mentions with one key are one entity
    tok_start: int
    tok_end: int


@dataclass
class ActorIndex:
    """Per-document resolution: the mentions, and each token's actor code (None when it has none)."""

    mentions: list[ResolvedMention] = field(default_factory=list)
    tok_code: list[str | None] = field(default_factory=list)
    tok_mention: list[int] = field(default_factory=list)   # -1 when the token is in no mention
    tok_firm: list[bool] = field(default_factory=list)     # code comes from a firm's name ("Iran Air")
    tok_person: list[bool] = field(default_factory=list)   # token belongs to a PERSON mention
    tok_extra: dict[int, list[str]] = field(default_factory=dict)  # more codes of one token ("U.S.-EU")

    def code_at(self, i: int) -> str | None:
        return self.tok_code[i] if 0 <= i < len(self.tok_code) else None

    def codes_at(self, i: int) -> list[str]:
        """All codes of token i: one, or several for joined names ("U.S.-EU", "Sino-Russian")."""
        first = self.code_at(i)
        return ([first] if first else []) + self.tok_extra.get(i, [])


def lookup_name(name: str, rules: Rules) -> tuple[str | None, bool]:
    """(code, ambiguous) for a place/organisation/demonym name; (None, False) when unknown."""
    key = norm_name(name)
    if key in rules.ambiguous:
        return None, True
    for table in (rules.names, rules.named_groups, rules.plural_demonyms, rules.demonyms):
        if key in table:
            return table[key], False
    return None, False


def _code_of_token(tok: Token, rules: Rules) -> str | None:
    low = tok.lower_
    return rules.demonyms.get(low) or rules.names.get(norm_name(tok.text)) if len(low) > 1 else None


def _title_context(span: Span, rules: Rules, codes: list[str | None]) -> str | None:
    """Country of an official from the title phrase right before the name ("Russian Foreign Minister
    Sergey Lavrov", "French Foreign Minister Claire Dumas") or an apposition after it.

    Only the contiguous title phrase counts, so "Bush signs Syria sanctions order President Bush"
    does not make Bush Syrian."""
    doc = span.doc
    j = span.start - 1
    saw_title, stretch = False, []
    while j >= max(span.sent.start, span.start - 8):
        t = doc[j]
        low = t.lower_
        if low in rules.titles:
            saw_title = True
        elif not (low in rules.title_modifiers or codes[j] or _code_of_token(t, rules)):
            break
        stretch.append(t)
        j -= 1
    text = norm_name(" ".join(t.text for t in reversed(stretch)))
    for title, code in rules.country_titles.items():
        if text.endswith(title):
            return code
    if saw_title or (stretch and stretch[0].lower_ in ("'s", "’s")):
        for t in stretch:
            c = codes[t.i] or _code_of_token(t, rules)
            if c:
                return c
    # apposition: "Sergey Lavrov, Russia's foreign minister"
    for child in span.root.children:
        if child.dep_ == "appos":
            sub = list(child.subtree)
            if any(t.lower_ in rules.titles for t in sub):
                for t in sub:
                    c = codes[t.i] or _code_of_token(t, rules)
                    if c:
                        return c
    return None

def _part_codes(text: str, rules: Rules) -> list[str]:
    """Codes of the parts of a joined name: "U.S.-EU" -> [USA, EU], "Sino" -> [CHN]."""
    out: list[str] = []
    for part in text.replace("/", "-").split("-"):
        key = norm_name(part)
        code = rules.names.get(key) or rules.demonyms.get(key) if len(key) > 1 else None
        if code and code not in out:
            out.append(code)
    return out


def _split_codes(span: Span, rules: Rules, idx: ActorIndex) -> str | None:
    """Token-by-token codes for an entity that joins several names ("post-Brexit UK-EU")."""
    first = None
    for t in span:
        found = _part_codes(t.text, rules)
        if found:
            idx.tok_code[t.i] = found[0]
            if found[1:]:
                idx.tok_extra[t.i] = found[1:]
            first = first or found[0]
    return first


def _resolve_org(span: Span, rules: Rules) -> str | None:
    """An organisation named with a state inside it: 'U.S. Commerce Department', 'Bush administration'."""
    toks = list(span)
    for n in (3, 2, 1):
        for i in range(len(toks) - n + 1):
            piece = span.doc[toks[i].i:toks[i].i + n].text
            key = norm_name(piece)
            if key in rules.names and rules.names[key]:
                return rules.names[key]
            if n == 1 and key in rules.demonyms:
                return rules.demonyms[key]
            if n == 1 and key in rules.office_surnames and len(toks) > 1:
                return rules.office_surnames[key]
    return None


def _ambiguous_with_support(span: Span, rules: Rules, codes: list[str | None]) -> str | None:
    """An ambiguous name (Georgia) resolves only when coordinated with resolved states."""
    root = span.root
    sibs = [root.head] if root.dep_ == "conj" else []
    sibs += [c for c in root.children if c.dep_ == "conj"]
    if any(len(codes[s.i] or "") == 3 for s in sibs):
        return rules.ambiguous.get(norm_name(span.text))
    return None


def resolve_doc(doc: Doc, rules: Rules) -> ActorIndex:
    """Resolve every entity mention of the document and index codes by token."""
    n = len(doc)
    codes: list[str | None] = [None] * n
    idx = ActorIndex(tok_code=codes, tok_mention=[-1] * n, tok_firm=[False] * n, tok_person=[False] * n)
    ents = [e for e in doc.ents if e.label_ in ENTITY_LABELS]
    # pass 1: places, organisations, groups (officials' titles refer to them)
    pending_people: list[Span] = []
    resolved: dict[int, tuple[str | None, bool, str]] = {}
    for ent in ents:
        if ent.label_ == "PERSON":
            pending_people.append(ent)
            continue
        code, amb = lookup_name(ent.text, rules)
        key = norm_name(ent.text)
        if key in ("washington",) and ent.end < n and doc[ent.end].lower_ == "state":
            code, amb = None, True
        if code is None and ent[0].lower_ in rules.companies:
            code = rules.companies[ent[0].lower_]
            for t in ent:
                idx.tok_firm[t.i] = True
        if code is None and not amb and ent.label_ in ("ORG", "FAC", "NORP"):
            # only organisations are named after states ("U.S. Commerce Department"); a place that
            # contains a state's name is another place ("New Jersey", "New Mexico")
            code = _resolve_org(ent, rules)
            if code and ent.label_ in ("ORG", "FAC") and ent[-1].lower_ not in rules.org_heads:
                for t in ent:
                    idx.tok_firm[t.i] = True
        if code is None and not amb and any(ch in ent.text for ch in "-/"):
            code = _split_codes(ent, rules, idx)
            resolved[ent.start] = (code, amb, code or f"{ent.label_}:{key}")
            continue
        resolved[ent.start] = (code, amb, code or f"{ent.label_}:{key}")
        for t in ent:
            codes[t.i] = code
    for ent in ents:
        code, amb, key = resolved.get(ent.start, (None, False, ""))
        if amb and code is None and ent.label_ != "PERSON":
            code = _ambiguous_with_support(ent, rules, codes)
            if code:
                resolved[ent.start] = (code, True, code)
                for t in ent:
                    codes[t.i] = code
    # bare demonyms and seats of power the NER missed ("Chinese officials", "the Kremlin")
    for t in doc:
        if codes[t.i] is None and not t.ent_type_ and len(t.text) > 2:
            low = t.lower_
            if low in rules.demonyms and t.pos_ in ("ADJ", "PROPN", "NOUN"):
                codes[t.i] = rules.demonyms[low]
            elif not t.is_lower and rules.names.get(norm_name(t.text)) and len(t.text) > 2:
                codes[t.i] = rules.names[norm_name(t.text)]  # "G-7", "Kremlin"
            elif "-" in t.text or "/" in t.text:
                found = _part_codes(t.text, rules)
                if found:
                    codes[t.i] = found[0]
                    if found[1:]:
                        idx.tok_extra[t.i] = found[1:]
            elif t.is_title and norm_name(t.text) in rules.names:
                codes[t.i] = rules.names[norm_name(t.text)]
            elif t.is_title and t.lower_ in rules.office_surnames and t.i + 1 < n and not doc[t.i + 1].is_title:
                codes[t.i] = rules.office_surnames[t.lower_]  # "Trump sanctions ...": NER missed the name
                idx.tok_person[t.i] = True
            elif t.lower_ in rules.companies and t.pos_ == "PROPN":
                codes[t.i] = rules.companies[t.lower_]
                idx.tok_firm[t.i] = True
    # multi-word names of bodies the NER missed ("the Group of Seven", "Security Council")
    i = 0
    while i < n:
        t = doc[i]
        if codes[t.i] is None and t.is_title and t.lower_ in rules.name_heads:
            for size in (6, 5, 4, 3, 2):
                if i + size <= n and all(codes[k] is None for k in range(i, i + size)):
                    key = norm_name(doc[i:i + size].text)
                    if rules.names.get(key):
                        for k in range(i, i + size):
                            codes[k] = rules.names[key]
                        i += size - 1
                        break
        i += 1
    # pass 2: people, full names before surname-only mentions
    surname_code: dict[str, tuple[str | None, str]] = {}
    for ent in sorted(pending_people, key=lambda e: -len(e)):
        key = norm_name(ent.text)
        if ent.start in resolved:
            continue
        code = rules.office_full.get(key) or _title_context(ent, rules, codes)
        if code is None and len(ent) <= 3 and key in rules.names and key not in rules.office_surnames:
            code = rules.names[key]  # a state the NER took for a person ("sanctions against Mali")
            resolved[ent.start] = (code, False, code or key)
            for t in ent:
                codes[t.i] = code
            continue
        last = norm_name(ent[-1].text)
        if len(ent) == 1:
            if last in surname_code:
                code, key = code or surname_code[last][0], surname_code[last][1]
            elif code is None:
                code = rules.office_surnames.get(last)
        elif last not in surname_code:
            surname_code[last] = (code, key)
        resolved[ent.start] = (code, False, f"PERSON:{key}")
        for t in ent:
            codes[t.i] = code
            idx.tok_person[t.i] = True
    # single-word names the NER labelled ORG/GPE that are surnames of people named earlier
    for ent in ents:
        code, amb, key = resolved[ent.start]
        last = norm_name(ent.text)
        if code is None and len(ent) == 1 and ent.label_ != "PERSON" and ent[0].is_title:
            if last in surname_code:
                resolved[ent.start] = (surname_code[last][0], False, f"PERSON:{surname_code[last][1]}")
            elif last in rules.office_surnames:
                resolved[ent.start] = (rules.office_surnames[last], False, f"PERSON:{last}")
            for t in ent:
                codes[t.i] = resolved[ent.start][0]
    for ent in ents:
        code, amb, key = resolved[ent.start]
        i = len(idx.mentions)
        idx.mentions.append(ResolvedMention(ent.start_char, ent.end_char, ent.text, ent.label_, code, amb,
                                            key, ent.start, ent.end))
        for t in ent:
            idx.tok_mention[t.i] = i
    return idx
