"""A trained token classifier for named entities (PER/ORG/LOC/MISC, BIO tags), served by onnxruntime.

The model (``streams/enrich/models/ner``, trained by ``training/train_ner.py``, see its TRAINING.md) is MiniLM with
one extra input: a word-shape id per sub-word (lower, Capitalised, UPPER, mixed, digits, punctuation; see
:func:`shape_ids`), because its tokenizer lower-cases the text and capitals are most of what marks a name. Sentences
come from the same rule-based splitter as the spaCy recogniser; consecutive sentences of a field are packed into
windows of at most ``max_length`` sub-words, and every window is tagged in one batched ``session.run``. Tags are
decoded leniently (an ``I-X`` after ``O`` opens a name), names snap to whole words, and the post-rules of
:mod:`streams.enrich.ner_rules` run afterwards as for spaCy. Model types map PER -> PERSON, ORG -> ORG,
LOC -> GPE, MISC -> MISC. No torch at run time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from schemas.models import EntityType, TextField
from streams.enrich import ner_rules
from streams.enrich.document import Document
from streams.enrich.mentions import DocEntities, RawMention, Sentence, sentence_index
from streams.enrich.truecase import recase_shouting

DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "ner"
TO_TYPE: dict[str, EntityType] = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE", "MISC": "MISC"}
PAD_SHAPE, LOWER, TITLE, UPPER, MIXED, DIGIT, PUNCT = range(7)
N_SHAPES = 7
_FIELDS: tuple[TextField, TextField] = ("headline", "body")
#: (input_ids, attention_mask, shape_ids) -> logits (batch, length, labels)
RunFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
_WORD_RE = re.compile(r"\w+|[^\w\s]")


def word_shape(word: str) -> int:
    """The shape id of one word: LOWER, TITLE, UPPER, MIXED, DIGIT or PUNCT."""
    if any(c.isdigit() for c in word):
        return DIGIT
    if not any(c.isalpha() for c in word):
        return PUNCT
    if word.islower():
        return LOWER
    if word.isupper():
        return UPPER if len(word) > 1 else TITLE
    return TITLE if word[0].isupper() and word[1:].islower() else MIXED


def shape_ids(text: str, offsets: Sequence[tuple[int, int]]) -> list[int]:
    """The shape of the word holding the start of each sub-word of ``text`` (by character offsets)."""
    per_char = np.zeros(len(text) + 1, dtype=np.int64)
    for m in _WORD_RE.finditer(text):
        per_char[m.start() : m.end()] = word_shape(m.group(0))
    return [int(per_char[s]) if e > s else PAD_SHAPE for s, e in offsets]


@dataclass(frozen=True, slots=True)
class Window:
    """Sub-words of consecutive sentences of one field: ids, character offsets into the field, shapes."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    shapes: list[int]


def special_ids(tokenizer: object) -> tuple[int, int]:
    """The ids that open and close a sequence: ``<s>``/``</s>`` where the vocabulary has them (MPNet, RoBERTa;
    MPNet's vocabulary also holds ``[CLS]``, unused in its training), else ``[CLS]``/``[SEP]`` (BERT, MiniLM)."""
    token_to_id = tokenizer.token_to_id  # type: ignore[attr-defined]
    if (bos := token_to_id("<s>")) is not None and (eos := token_to_id("</s>")) is not None:
        return int(bos), int(eos)
    return int(token_to_id("[CLS]")), int(token_to_id("[SEP]"))


def pack(tokenizer: object, text: str, spans: Sequence[tuple[int, int]], max_length: int) -> list[Window]:
    """Encode the sentences ``spans`` of ``text`` and pack them into windows of at most ``max_length`` sub-words
    (:func:`special_ids` included); a longer sentence is cut."""
    room = max_length - 2
    pieces: list[tuple[list[int], list[tuple[int, int]]]] = []
    for start, end in spans:
        enc = tokenizer.encode(text[start:end], add_special_tokens=False)  # type: ignore[attr-defined]
        offs = [(start + a, start + b) for a, b in enc.offsets]
        for i in range(0, len(enc.ids), room):
            pieces.append((enc.ids[i : i + room], offs[i : i + room]))
    windows: list[Window] = []
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    for p_ids, p_offs in pieces:
        if ids and len(ids) + len(p_ids) > room:
            windows.append(_window(tokenizer, text, ids, offsets))
            ids, offsets = [], []
        ids, offsets = ids + p_ids, offsets + p_offs
    if ids:
        windows.append(_window(tokenizer, text, ids, offsets))
    return windows


def _window(tokenizer: object, text: str, ids: list[int], offsets: list[tuple[int, int]]) -> Window:
    cls, sep = special_ids(tokenizer)
    offs = [(0, 0), *offsets, (0, 0)]
    return Window([cls, *ids, sep], offs, shape_ids(text, offs))


def decode(labels: Sequence[str], offsets: Sequence[tuple[int, int]], text: str) -> list[tuple[int, int, str]]:
    """Character spans ``(start, end, type)`` of BIO ``labels`` over sub-words, snapped to whole words."""
    open_ = False
    spans: list[tuple[int, int, str]] = []
    for label, (s, e) in zip(labels, offsets, strict=True):
        if e <= s:
            continue
        prefix, _, etype = label.partition("-")
        if prefix == "I" and spans and spans[-1][2] == etype and open_:
            spans[-1] = (spans[-1][0], e, etype)
        elif prefix in ("B", "I"):
            spans.append((s, e, etype))
        open_ = prefix in ("B", "I")
    out: list[tuple[int, int, str]] = []
    for s, e, etype in spans:
        while s > 0 and text[s - 1].isalnum() and text[s].isalnum():
            s -= 1
        while e < len(text) and text[e].isalnum() and text[e - 1].isalnum():
            e += 1
        if out and out[-1][1] > s:  # two names snapped onto one word: keep the first
            continue
        out.append((s, e, etype))
    return out


class OnnxEntityRecognizer:
    """The trained NER model + sentence splitter + post-rules; same interface as the spaCy recogniser."""

    def __init__(
        self,
        model_dir: Path,
        *,
        threads: int = 1,
        batch_size: int = 1,
        rules: bool = True,
        run: RunFn | None = None,
    ) -> None:
        """``run`` replaces the onnxruntime session (training evaluates its torch model this way).

        ``batch_size`` 1 (default) runs each window alone: dynamic int8 quantisation scales activations per batch,
        so a window's tags would otherwise depend on the windows padded beside it; it was also no slower.
        """
        import spacy
        from tokenizers import Tokenizer

        from streams.enrich import sentences

        self.model_dir = Path(model_dir)
        config = json.loads((self.model_dir / "config.json").read_text(encoding="utf-8"))
        self.labels: list[str] = list(config["labels"])
        self.max_length = int(config["max_length"])
        self.model_version = str(config["version"])
        self._rules = ner_rules.NerRules.load(ner_rules.MODEL_RULES) if rules else None
        #: model and post-rule versions, e.g. ``ner-minilm-gum-s13+rules.2026.12.2``
        self.version = self.model_version + (f"+rules.{self._rules.version}" if self._rules else "")
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._run = run or _session_run(self.model_dir / "model.onnx", threads)
        self._nlp = spacy.blank("en")
        sentences.add_sentence_splitter(self._nlp)

    @classmethod
    def load(cls, model_dir: Path = DEFAULT_MODEL_DIR, *, threads: int = 1) -> OnnxEntityRecognizer:
        """Load the model folder (``model.onnx``, ``tokenizer.json``, ``config.json``)."""
        if not (Path(model_dir) / "model.onnx").is_file():
            raise FileNotFoundError(f"no NER model.onnx in {model_dir}")
        return cls(model_dir, threads=threads)

    def recognize(self, docs: Sequence[Document]) -> list[DocEntities]:
        """Sentences and mentions of every document; all windows of the batch go through the model together."""
        from streams.enrich.entities import field_sentences

        originals = [getattr(d, f) for d in docs for f in _FIELDS]
        texts = [recase_shouting(t) for t in originals]
        sents_of: list[list[Sentence]] = []
        windows: list[tuple[int, Window]] = []  # (text index, window)
        for ti, (text, sdoc) in enumerate(zip(texts, self._nlp.pipe(texts), strict=True)):
            field = _FIELDS[ti % 2]
            sents = field_sentences(field, originals[ti], sdoc)
            sents_of.append(sents)
            windows.extend((ti, w) for w in pack(self.tokenizer, text, [(s.start, s.end) for s in sents], self.max_length))
        labels = self._tag([w for _, w in windows])
        found: list[list[tuple[int, int, str]]] = [[] for _ in texts]
        for (ti, w), lab in zip(windows, labels, strict=True):
            found[ti].extend(decode(lab, w.offsets, texts[ti]))
        out: list[DocEntities] = []
        for di, doc in enumerate(docs):
            doc_sents: list[Sentence] = []
            mentions: list[RawMention] = []
            for fi, field in enumerate(_FIELDS):
                ti = 2 * di + fi
                text = getattr(doc, field)
                doc_sents.extend(sents_of[ti])
                mentions.extend(_mentions(field, text, found[ti], sents_of[ti]))
            if self._rules is not None:
                mentions = self._rules.apply(doc, mentions, doc_sents)
            out.append(DocEntities(doc.id, tuple(doc_sents), tuple(mentions)))
        return out

    def _tag(self, windows: Sequence[Window]) -> list[list[str]]:
        """BIO labels of every window, batched by similar length (dynamic padding)."""
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        result: list[list[str]] = [[] for _ in windows]
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            width = max(len(windows[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            shapes = np.zeros_like(ids)
            for row, i in enumerate(idx):
                n = len(windows[i].ids)
                ids[row, :n], mask[row, :n], shapes[row, :n] = windows[i].ids, 1, windows[i].shapes
            best = self._run(ids, mask, shapes).argmax(-1)
            for row, i in enumerate(idx):
                result[i] = [self.labels[k] for k in best[row, : len(windows[i].ids)]]
        return result


def _session_run(model_path: Path, threads: int) -> RunFn:
    from streams.enrich.onnx_model import make_session

    session = make_session(model_path, threads)

    def run(ids: np.ndarray, mask: np.ndarray, shapes: np.ndarray) -> np.ndarray:
        (logits,) = session.run(["logits"], {"input_ids": ids, "attention_mask": mask, "shape_ids": shapes})
        return np.asarray(logits)

    return run


def _mentions(
    field: TextField, text: str, spans: Sequence[tuple[int, int, str]], sents: Sequence[Sentence]
) -> list[RawMention]:
    from streams.enrich.entities import trim_span

    out: list[RawMention] = []
    for s, e, label in spans:
        etype = TO_TYPE.get(label)
        start, end = trim_span(text, s, e)
        if etype is None or end <= start or not any(c.isupper() for c in text[start:end]):
            continue  # a name has a capital ("the union" is no name)
        out.append(RawMention(text[start:end], field, start, end, sentence_index(sents, start), etype, label))
    return out
