"""An event mention as the detectors report it, and the readers every detector shares: the trigger
phrase, whether a word sits in the article's title, and whether the text tells the act as earlier news."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from processors.rules import Rules
from processors.syntax import first_verb, governing_chain


@dataclass
class EventMention:
    type: str
    subtype: str
    actors: tuple[str, ...]
    targets: tuple[str, ...]
    certainty: str
    trigger: Token
    trigger_span: tuple[int, int]     # token span of the trigger phrase
    sent: Span
    confidence: float
    headline: bool = False            # a compressed title mention: the body decides its certainty
    why: str = ""                     # the modality cue that decided the certainty (for review)
    background: bool = False          # told as an earlier act ("already sanctioned", "had imposed")
    package_part: bool = False        # lists the contents of a package named before ("the measures include ...")
    anaphoric: bool = False           # "the talks", "the meeting": a bare definite that refers back
    proposed: bool = False            # found by the learned proposer, not by a rule
    filled: frozenset[str] = frozenset()  # roles ("actors", "targets") taken from discourse defaults


def trigger_phrase(tok: Token) -> tuple[int, int]:
    """The trigger with its fixed modifiers ("arms embargo", "peace talks", "emergency meeting")."""
    start = tok.i
    for c in reversed(list(tok.lefts)):
        if c.dep_ in ("compound", "amod") and c.i == start - 1 and not c.ent_type_:
            start = c.i
        else:
            break
    return start, tok.i + 1


def context_words(sent: Span, tok: Token, width: int = 6) -> set[str]:
    doc = sent.doc
    lo, hi = max(sent.start, tok.i - width), min(sent.end, tok.i + width + 1)
    return {t.lower_ for t in doc[lo:hi]}


def is_background(tok: Token, rules: Rules) -> bool:
    """An act the text tells as earlier than the news: "already sanctioned", "had imposed",
    "has been stepping up", "sanctions imposed in 2014"."""
    verb = tok if tok.pos_ == "VERB" else first_verb(governing_chain(tok)[0][1:])
    for t in [tok] + ([verb] if verb is not None else []):
        kids = list(t.children)
        if any(c.lower_ in rules.modality["earlier_adverbs"] and c.dep_ == "advmod" for c in kids):
            return True
        if any(c.lower_ == "had" and c.dep_ == "aux" for c in kids):
            return True
        if t.tag_ == "VBG" and any(c.lower_ == "been" for c in kids):
            return True
    return False


def is_headline(tok: Token) -> bool:
    """The first words of an article: its title, or in wire snippets where the parser runs the title
    into the lead, the first dozen words (titles are rarely longer)."""
    if tok.i >= 12:
        return False
    first_end = tok.doc.user_data.get(_FIRST_END)
    if first_end is None:
        first_end = next(iter(tok.doc.sents)).end
        tok.doc.user_data[_FIRST_END] = first_end
    return tok.i < first_end


_FIRST_END = "newsmon_first_sentence_end"
