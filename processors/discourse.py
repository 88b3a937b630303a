"""Reading across sentences: roles left implicit taken from earlier mentions (discourse defaults), the
package rule (a package listed part by part is one event), and bare definites that refer back."""

from __future__ import annotations

from spacy.tokens import Token

from processors.actors import ActorIndex
from processors.mentions import EventMention
from processors.roles import role_codes
from processors.rules import Rules


def bare_definite(tok: Token, actors: ActorIndex, rules: Rules) -> bool:
    """"The talks in the Alps ...", "the meeting": a definite noun naming no party of its own refers to
    an event told before; its parties, read from the rest of the sentence, are not its own."""
    if tok.pos_ != "NOUN" or not any(c.dep_ == "det" and c.lower_ in ("the", "this", "these", "those")
                                     for c in tok.children):
        return False
    own = [c for c in tok.children if c.dep_ in ("poss", "compound", "amod", "nmod", "prep", "acl", "relcl")]
    return not role_codes(own, actors, rules, full=True)


def lists_package(chain: list[Token], rules: Rules) -> bool:
    """"The measures include imposing restrictions on ...": the mention spells out a package."""
    return any(t.lemma_.lower() in rules.sanction["package_verbs"] and t.pos_ == "VERB"
               and any(c.dep_ == "nsubj" and c.lemma_.lower() in rules.sanction["package_nouns"] for c in t.children)
               for t in chain[1:])


def drop_package_parts(mentions: list[EventMention]) -> list[EventMention]:
    """One announced package is one event (package rule): a mention that lists the contents of a
    sanction package already named, by the same parties, adds no event."""
    out: list[EventMention] = []
    for m in mentions:
        if m.type == "sanction" and m.package_part and any(
                p.type == "sanction" and (set(p.actors) & set(m.actors) or set(p.targets) & set(m.targets))
                for p in out):
            continue
        out.append(m)
    return out


def fill_sanction_roles(mentions: list[EventMention], actors: ActorIndex, rules: Rules) -> None:
    """Discourse defaults for sanction roles the sentence leaves implicit: the actor of the previous
    sanction mention, and the state the article is most about as the target. Lower confidence."""
    counts: dict[str, int] = {}
    for named in actors.mentions:
        if named.code and len(named.code) == 3 and named.code.isupper():
            counts[named.code] = counts.get(named.code, 0) + 1
    last_actors: tuple[str, ...] = ()
    last_targets: tuple[str, ...] = ()
    for m in mentions:
        if m.type != "sanction":
            continue
        if not m.actors and last_actors and not set(last_actors) & set(m.targets):
            m.actors, m.confidence, m.filled = last_actors, round(m.confidence - 0.15, 2), m.filled | {"actors"}
        elif not m.actors:
            ranked = sorted((c for c in counts if c not in m.targets), key=lambda c: -counts[c])
            if ranked and counts[ranked[0]] >= 2:
                m.actors, m.confidence, m.filled = (ranked[0],), round(m.confidence - 0.25, 2), m.filled | {"actors"}
        if not m.targets and last_targets and not set(last_targets) & set(m.actors):
            m.targets, m.confidence, m.filled = last_targets, round(m.confidence - 0.15, 2), m.filled | {"targets"}
        elif not m.targets:
            ranked = sorted((c for c in counts if c not in m.actors), key=lambda c: -counts[c])
            if ranked:
                m.targets, m.confidence, m.filled = (ranked[0],), round(m.confidence - 0.2, 2), m.filled | {"targets"}
        if m.actors and not m.headline:
            last_actors = m.actors
        if m.targets and not m.headline:
            last_targets = m.targets
