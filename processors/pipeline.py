"""The processors' public functions: load the model and rules once, parse in batches, analyse.

`parse_batch` is the spaCy step only and `analyze_doc` everything after it, so callers can time the
two stages separately. All functions are pure: no logging of business events, no metrics, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from processors.actors import resolve_doc
from processors.codes import codes_for
from processors.coreference import resolve_references
from processors.dates import resolve_date
from processors.events import detect_events
from processors.language import detect_language
from processors.learned.layer import admit, anchored_sentences, assign_roles, decide, propose, sentence_probs
from processors.merge import merge_mentions
from processors.rules import Rules
from processors.textclean import clean_for_parse
from schemas import Analysis, Article, Entity, Event, Evidence, Mention, content_id, event_id_for

# The rules read tags, lemmas, the dependency parse and entities; sentence boundaries come from the
# parser, so the separate `senter` stays out.
_EXCLUDE = ("senter",)
# spaCy needs ~1 GB per 100k characters for parser+NER; longer texts are cut (offsets stay valid).
MAX_PARSE_CHARS = 200_000


def _paragraph_breaks(doc: Doc) -> Doc:
    """A blank line (title / body, paragraphs) always starts a sentence; the parser keeps preset starts."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text):
            tok.is_sent_start = True
    return doc


def _register_components() -> None:
    if not Language.has_factory("newsmon_paragraphs"):
        Language.component("newsmon_paragraphs", func=_paragraph_breaks)


@lru_cache(maxsize=2)
def load_nlp(model: str) -> Language:
    """The spaCy pipeline, loaded once per process, without components the rules do not use."""
    _register_components()
    nlp = spacy.load(model, exclude=list(_EXCLUDE))
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("newsmon_paragraphs", before="parser")
    return nlp


def _prepare(text: str) -> str:
    return clean_for_parse(text[:MAX_PARSE_CHARS])


def parse_batch(nlp: Language, texts: Sequence[str], batch_size: int = 32) -> list[Doc]:
    """spaCy over the texts (artefacts blanked, same length); non-English texts get a bare tokenisation."""
    prepared = [_prepare(t or "") for t in texts]
    english = [detect_language(t) == "en" for t in prepared]
    parsed = iter(nlp.pipe((t for t, en in zip(prepared, english, strict=True) if en), batch_size=batch_size))
    return [next(parsed) if en else nlp.make_doc(t[:10_000]) for t, en in zip(prepared, english, strict=True)]


def _entities(article_id: str, resolved) -> tuple[tuple[Entity, ...], tuple[Mention, ...]]:
    groups: dict[str, list] = {}
    for m in resolved.mentions:
        groups.setdefault(m.key, []).append(m)
    ids = {k: content_id(article_id, k, prefix="ent-") for k in groups}
    entities = []
    for key, ms in groups.items():
        name = max((m.text for m in ms), key=len)
        entities.append(Entity(id=ids[key], name=name, label=ms[0].label, mentions=len(ms),
                               actor=next((m.code for m in ms if m.code), None),
                               ambiguous=any(m.ambiguous for m in ms)))
    mentions = tuple(Mention(entity_id=ids[m.key], text=m.text, label=m.label, start=m.start, end=m.end)
                     for m in resolved.mentions)
    return tuple(entities), mentions


def _future(tok) -> bool:
    return any(c.lower_ in ("will", "to", "'ll") and c.dep_ == "aux" for c in tok.head.children) or \
        any(c.lower_ in ("will", "'ll") for c in tok.children)


def resolve_actors(doc: Doc, rules: Rules):
    """Entity mentions resolved to codes, then phrases that refer back to parties ("the two countries")."""
    resolved = resolve_doc(doc, rules)
    resolve_references(doc, resolved, rules)
    return resolved


def _dated(ms, published):
    return [(m, resolve_date(m.sent.text, published, future=_future(m.trigger))) for m in ms]


def occurrences(doc: Doc, resolved, rules: Rules, published, model=None, anchored: bool = False):
    """The rules' mentions merged into occurrences, and with `model` the proposer's candidates merged
    among themselves (never into a rule's occurrence: the reranker judges them apart), in text
    order; and the proposer's sentence probabilities ({} without a model). `anchored`: the
    candidates come from the model's anchor words in every sentence, with no proposer."""
    mentions = detect_events(doc, resolved, rules)
    occs = merge_mentions(_dated(mentions, published))
    probs: dict = {}
    if model is not None:
        probs = anchored_sentences(doc) if anchored else sentence_probs(doc, resolved, rules.igo_codes, model)
        extra = merge_mentions(_dated(propose(doc, resolved, mentions, rules, model, probs), published))
        occs = sorted(occs + extra, key=lambda o: o.first.trigger.i)
        probs = {} if anchored else probs
    return occs, probs


def coded_occurrences(doc: Doc, resolved, rules: Rules, published):
    """(occurrence, certainty, confidence) of each event: the rules' reading, or the learned layer's.

    With an admitter, the rules' events as the layer decides them, and the anchored candidates it
    admits beside them (processors/learned/layer.py `admit`)."""
    model = rules.model
    if model is not None and model.admitter is not None:
        occs, _ = occurrences(doc, resolved, rules, published, model, anchored=True)
        occs = assign_roles(occs, doc, resolved, rules.igo_codes, model)
        kept = decide([o for o in occs if not o.first.proposed], doc, {}, replace(model, reranker=None))
        extra = admit(occs, kept, doc, resolved, rules.igo_codes, model)
        return sorted(kept + extra, key=lambda v: v[0].first.trigger.i)
    occs, probs = occurrences(doc, resolved, rules, published, model if model and model.proposer else None)
    if model is None:
        return [(o, o.certainty, o.confidence) for o in occs]
    return decide(assign_roles(occs, doc, resolved, rules.igo_codes, model), doc, probs, model)


def analyze_doc(article: Article, doc: Doc, rules: Rules, model_name: str) -> Analysis:
    """Everything after spaCy: entities, actors, events, certainty, dates, codes, merging."""
    text = article.full_text
    base: dict[str, Any] = dict(article_id=article.id, model=model_name, rules_version=rules.version)
    if not doc.has_annotation("DEP"):
        return Analysis(language="und", **base)
    resolved = resolve_actors(doc, rules)
    entities, mentions = _entities(article.id, resolved)
    published = article.published.date() if article.published else None
    events = []
    seen: set[str] = set()
    for occ, certainty, confidence in coded_occurrences(doc, resolved, rules, published):
        f = occ.first
        s, e = f.sent.start_char, f.sent.end_char
        t0, t1 = f.trigger_span
        trig_start, trig_end = doc[t0].idx, doc[t1 - 1].idx + len(doc[t1 - 1])
        eid = event_id_for(article.id, f.type, f.subtype, occ.actors, occ.targets, s, e, certainty)
        if eid in seen:
            continue
        seen.add(eid)
        cameo, goldstein, plover = codes_for(f.type, f.subtype, certainty, f.trigger.lemma_.lower())
        events.append(Event(
            id=eid, article_id=article.id, type=f.type, subtype=f.subtype,
            actors=tuple(occ.actors), targets=tuple(occ.targets), certainty=certainty,
            trigger=text[trig_start:trig_end], evidence=Evidence(text=text[s:e].strip() or text[s:e],
                                                                 start=s, end=e),
            event_date=occ.event_date, confidence=round(confidence, 2), cameo=cameo,
            goldstein=goldstein, plover=plover, rules_version=rules.version))
    return Analysis(language="en", entities=entities, mentions=mentions, events=tuple(events), **base)


def model_name(nlp: Language) -> str:
    """The name an Analysis records for the model, e.g. en_core_web_sm-3.8.0."""
    return f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', 'model')}-{nlp.meta.get('version', '0')}"


def process_batch(articles: Sequence[Article], nlp: Language, rules: Rules,
                  batch_size: int = 32) -> list[Analysis]:
    """Analyses of the articles, in order, over one nlp.pipe."""
    docs = parse_batch(nlp, [a.full_text for a in articles], batch_size=batch_size)
    name = model_name(nlp)
    return [analyze_doc(a, d, rules, name) for a, d in zip(articles, docs, strict=True)]


def process_article(article: Article, nlp: Language, rules: Rules) -> Analysis:
    """The analysis of one article."""
    return process_batch([article], nlp, rules, batch_size=1)[0]
