"""Training and evaluation pairs for the reader, built from ``../shared/train``.

Each pair is a question, a context (a window of whole sentences, or a whole paragraph), a label
(1: the context answers the question) and, for answered pairs with a known answer, the answer's
character span inside the context. The reader sees sentence windows at question time (see
``assistant/reader.py``), so training contexts are mostly windows cut with the assistant's own
sentence splitter.

Sources:

* SQuAD 1.1 train (every question answerable): a window holding the answer is a positive; a
  window of the same paragraph without the answer sentence, or the most question-like window of
  another paragraph of the same article, is a hard negative (same topic, no answer).
* SQuAD 2.0 dev, split **by article** (``split_squad2``): the training articles give real
  adversarial unanswerable questions next to their tempting paragraph; the held-out articles are
  only ever used for evaluation.
* SelQA answer-sentence selection (dev + test): question + one sentence, label only (no span).
* KorQuAD 1.0 dev (Korean, SQuAD 1.1 format), split **by article** (``split_korquad``): the
  training half gives positives and hard negatives as SQuAD 1.1 does (the multilingual reader,
  ``build_multilingual``); the held-out half is only used for evaluation.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.text.sentences import split_sentences
from training.near_miss import drop_answer, name_spans, swap_anchor

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "train"
SQUAD1 = SHARED / "squad1.1-train" / "train-v1.1.reconstructed.json"
SQUAD2 = SHARED / "squad2.0-dev" / "dev-v2.0.reconstructed.json"
SELQA = [SHARED / "selqa" / "ass_selqa-ass-dev.json", SHARED / "selqa" / "ass_selqa-ass-test.json"]
KORQUAD = SHARED.parent / "eval" / "korean" / "korquad1.0-dev" / "KorQuAD_v1.0_dev.json"
KLUE_NLI = SHARED.parent / "eval" / "korean" / "klue-nli-dev" / "klue-nli-v1.1_dev.json"

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an the of in on at to for from by with and or is are was were be been what which who whom whose when where why how "
    "did do does that this these those it its as into than then there their they he she his her".split()
)


@dataclass
class Pair:
    question: str
    context: str
    label: int
    answer_start: int = -1  # character offsets in ``context``; -1 when unanswered or unknown
    answer_end: int = -1
    source: str = ""


def _content_words(text: str) -> set[str]:
    return {w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOP}


def _window(sents: list[tuple[int, int]], i: int, j: int, rng: random.Random, max_extra: int = 2) -> tuple[int, int]:
    """Indices [a, b) of a window over sentences ``i..j`` extended by up to ``max_extra`` on each side."""
    a = max(0, i - rng.randint(0, max_extra))
    b = min(len(sents), j + 1 + rng.randint(0, max_extra))
    return a, b


def _answer_sentences(sents: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    first = next(k for k, (a, b) in enumerate(sents) if b > start)
    last = next((k for k, (a, b) in enumerate(sents) if b >= end), len(sents) - 1)
    return first, last


def split_squad2(seed: int = 13) -> tuple[list[str], list[str]]:
    """SQuAD 2.0 dev article titles for training and for held-out evaluation (about half each)."""
    titles = [a["title"] for a in json.loads(SQUAD2.read_text())["data"]]
    rng = random.Random(seed)
    shuffled = titles[:]
    rng.shuffle(shuffled)
    train = sorted(shuffled[: len(titles) // 2])
    return train, [t for t in titles if t not in train]


def split_korquad(seed: int = 13) -> tuple[list[str], list[str]]:
    """KorQuAD 1.0 dev article titles for training and for held-out evaluation (half each; the
    same split as ``training/train_selector.py``)."""
    titles = [a["title"] for a in json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]]
    order = list(range(len(titles)))
    random.Random(seed).shuffle(order)
    half = len(order) // 2
    return [titles[i] for i in sorted(order[:half])], [titles[i] for i in sorted(order[half:])]


def _korean_words(text: str) -> set[str]:
    from assistant.text.keywords import tokenize  # Kiwi morphemes: particles do not hide shared words

    return set(tokenize(text))


def squad1_pairs(
    n_questions: int,
    rng: random.Random,
    path: Path = SQUAD1,
    titles: list[str] | None = None,
    source: str = "squad1",
    skip: int = 0,
    near_miss: float = 0.0,
    paragraph: float = 0.2,
) -> Iterator[Pair]:
    """Positives and hard negatives from a SQuAD 1.1-format file (SQuAD 1.1 train, or KorQuAD's
    training articles with ``titles``).

    Questions are taken in a random order fixed by ``rng``'s first draw; ``skip`` passes over the
    first ones (those an earlier run trained on). With ``near_miss`` > 0 each question also
    gives, with that probability, a near-miss negative (``training/near_miss.py``): its own
    answer window with an anchor of the question swapped, or, when it has none, the answer's
    neighbouring sentences without the answer. ``paragraph`` is the share of positives that are
    the whole paragraph rather than a sentence window.
    """
    articles = [a for a in json.loads(path.read_text(encoding="utf-8"))["data"] if titles is None or a["title"] in titles]
    words = _korean_words if path == KORQUAD else _content_words
    items = [(ai, pi, q) for ai, art in enumerate(articles) for pi, p in enumerate(art["paragraphs"]) for q in p["qas"]]
    rng.shuffle(items)
    items = items[skip:]
    names = sorted({n for *_, q in items[:20000] for n in name_spans(q["question"])}) if near_miss else []
    split_cache: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def sents_of(ai: int, pi: int) -> list[tuple[int, int]]:
        if (ai, pi) not in split_cache:
            split_cache[(ai, pi)] = split_sentences(articles[ai]["paragraphs"][pi]["context"])
        return split_cache[(ai, pi)]

    for ai, pi, q in items[:n_questions]:
        ctx = articles[ai]["paragraphs"][pi]["context"]
        ans = q["answers"][0]
        s, e = ans["answer_start"], ans["answer_start"] + len(ans["text"])
        sents = sents_of(ai, pi)
        if not sents:
            continue
        i, j = _answer_sentences(sents, s, e)
        # positive: a window around the answer sentence, now and then the whole paragraph
        if rng.random() < paragraph:
            a, b = 0, len(sents)
        else:
            a, b = _window(sents, i, j, rng)
        off = sents[a][0]
        window = ctx[off : sents[b - 1][1]]
        yield Pair(q["question"], window, 1, s - off, e - off, source)
        if near_miss and rng.random() < near_miss:
            answer_text = ctx[sents[i][0] : sents[j][1]]
            swapped = swap_anchor(q["question"], answer_text, names, rng)
            if swapped is not None:
                yield Pair(swapped, window, 0, source=source + "-swap")
            else:
                dropped = drop_answer(ctx, sents, i, j, ans["text"], rng)
                if dropped is not None:
                    yield Pair(q["question"], dropped, 0, source=source + "-drop")
        # hard negative: same paragraph without the answer sentences, or the most
        # question-like window of another paragraph of the same article
        answer_lc = ans["text"].lower()
        neg = None
        if rng.random() < 0.5:
            others = [k for k in range(len(sents)) if k < i or k > j]
            if others:
                k = rng.choice(others)
                lo, hi = (0, i) if k < i else (j + 1, len(sents))
                a2, b2 = max(lo, k - rng.randint(0, 1)), min(hi, k + 1 + rng.randint(0, 1))
                neg = ctx[sents[a2][0] : sents[b2 - 1][1]]
        if neg is None:
            qwords = words(q["question"])
            best, best_score = None, -1.0
            for pj, p in enumerate(articles[ai]["paragraphs"]):
                if pj == pi:
                    continue
                for a2, b2 in sents_of(ai, pj):
                    score = len(qwords & words(p["context"][a2:b2])) + rng.random() * 0.5
                    if score > best_score:
                        best, best_score = (pj, a2, b2), score
            if best is not None:
                pj, a2, b2 = best
                pctx, psents = articles[ai]["paragraphs"][pj]["context"], sents_of(ai, pj)
                k = next(n for n, (x, _) in enumerate(psents) if x == a2)
                wa, wb = _window(psents, k, k, rng, max_extra=1)
                neg = pctx[psents[wa][0] : psents[wb - 1][1]]
        if neg and answer_lc not in neg.lower():
            yield Pair(q["question"], neg, 0, source=source + "-neg")


def squad2_pairs(titles: list[str], rng: random.Random, windows: bool = True) -> Iterator[Pair]:
    """Every question of the given SQuAD 2.0 dev articles with its paragraph; with ``windows``
    also with a sentence window (the answer's, or for an unanswerable question the sentence that
    shares most words with it: the tempting distractor)."""
    wanted = set(titles)
    for art in json.loads(SQUAD2.read_text())["data"]:
        if art["title"] not in wanted:
            continue
        for p in art["paragraphs"]:
            ctx = p["context"]
            sents = split_sentences(ctx)
            for q in p["qas"]:
                if q["is_impossible"]:
                    yield Pair(q["question"], ctx, 0, source="squad2-noans")
                    if windows and sents:
                        qwords = _content_words(q["question"])
                        k = max(range(len(sents)), key=lambda n: len(qwords & _content_words(ctx[sents[n][0] : sents[n][1]])))
                        a, b = _window(sents, k, k, rng, max_extra=1)
                        yield Pair(q["question"], ctx[sents[a][0] : sents[b - 1][1]], 0, source="squad2-noans-win")
                    continue
                ans = q["answers"][0]
                s, e = ans["answer_start"], ans["answer_start"] + len(ans["text"])
                yield Pair(q["question"], ctx, 1, s, e, "squad2")
                if windows and sents:
                    i, j = _answer_sentences(sents, s, e)
                    a, b = _window(sents, i, j, rng, max_extra=1)
                    off = sents[a][0]
                    yield Pair(q["question"], ctx[off : sents[b - 1][1]], 1, s - off, e - off, "squad2-win")


def selqa_pairs(rng: random.Random, neg_per_pos: int = 2) -> Iterator[Pair]:
    for path in SELQA:
        for item in json.loads(path.read_text()):
            answers = set(item["answers"])
            negs = [c for n, c in enumerate(item["candidates"]) if n not in answers]
            rng.shuffle(negs)
            for n in answers:
                yield Pair(item["question"], item["candidates"][n], 1, source="selqa")
            for c in negs[: neg_per_pos * max(1, len(answers))]:
                yield Pair(item["question"], c, 0, source="selqa-neg")


def build(n_squad1: int, seed: int, skip: int = 0, near_miss: float = 0.0, paragraph: float = 0.2) -> tuple[list[Pair], dict]:
    """The training pairs (shuffled) and a record of how they were made (``squad1_pairs`` for
    ``skip``, ``near_miss`` and ``paragraph``)."""
    rng = random.Random(seed)
    train_titles, heldout_titles = split_squad2(seed)
    pairs = list(squad1_pairs(n_squad1, rng, skip=skip, near_miss=near_miss, paragraph=paragraph))
    pairs += list(squad2_pairs(train_titles, rng)) + list(selqa_pairs(rng))
    rng.shuffle(pairs)
    return pairs, _record(
        pairs,
        seed=seed,
        squad1_questions=n_squad1,
        squad1_skipped=skip,
        near_miss=near_miss,
        paragraph=paragraph,
        squad2_train_articles=train_titles,
        squad2_heldout_articles=heldout_titles,
    )


def _record(pairs: list[Pair], **how) -> dict:
    """How the pairs were made (``how``) and what came out: counts in all and per source."""
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.source] = counts.get(p.source, 0) + 1
    return {**how, "pairs": len(pairs), "positives": sum(p.label for p in pairs), "by_source": counts}


def build_multilingual(
    n_squad1: int, seed: int, korquad_rounds: int = 2, code_switch: float = 0.0, near_miss: float = 0.0
) -> tuple[list[Pair], dict]:
    """The multilingual reader's pairs: KorQuAD's training articles (``korquad_rounds`` passes,
    each with other windows and negatives), a SQuAD 1.1 sample and the SQuAD 2.0 training articles.

    With ``code_switch`` > 0 that share of the SQuAD 1.1 and KorQuAD pairs is added again with the
    question partly in the other language (``training/code_switch.py``): the cross-lingual signal."""
    rng = random.Random(seed)
    ko_train, ko_heldout = split_korquad(seed)
    train_titles, heldout_titles = split_squad2(seed)
    pairs: list[Pair] = []
    for _ in range(korquad_rounds):
        n = sum(len(p["qas"]) for a in json.loads(KORQUAD.read_text(encoding="utf-8"))["data"] if a["title"] in ko_train for p in a["paragraphs"])
        pairs += list(squad1_pairs(n, rng, KORQUAD, ko_train, "korquad"))
    pairs += list(squad1_pairs(n_squad1, rng, near_miss=near_miss)) + list(squad2_pairs(train_titles, rng, windows=False))
    lexicon_size = 0
    if code_switch:
        lex = code_switch_lexicon(ko_train)
        lexicon_size = len(lex.en_ko)
        switched = []
        for p in pairs:
            if not p.source.startswith(("squad1", "korquad")) or rng.random() >= code_switch:
                continue
            q = lex.to_english(p.question, rng) if p.source.startswith("korquad") else lex.to_korean(p.question, rng)
            if q:
                switched.append(Pair(q, p.context, p.label, p.answer_start, p.answer_end, p.source + "-cs"))
        pairs += switched
    rng.shuffle(pairs)
    record = _record(
        pairs,
        seed=seed,
        squad1_questions=n_squad1,
        korquad_train_articles=ko_train,
        korquad_heldout_articles=ko_heldout,
        korquad_rounds=korquad_rounds,
        code_switch=code_switch,
        code_switch_lexicon_pairs=lexicon_size,
        near_miss=near_miss,
        squad2_train_articles=train_titles,
        squad2_heldout_articles=heldout_titles,
    )
    return pairs, record


def code_switch_lexicon(ko_train: list[str]):
    """The word lexicon for code-switched questions (``training/code_switch.py``): English content words
    of SQuAD 1.1's questions against Korean nouns of KorQuAD's training articles and of KLUE-NLI dev
    (CC BY-SA 4.0, ``../shared/eval/korean/klue-nli-dev``)."""
    from training import code_switch as cs

    en = cs.english_words((q["question"] for a in json.loads(SQUAD1.read_text())["data"] for p in a["paragraphs"] for q in p["qas"]), 3)
    articles = [a for a in json.loads(KORQUAD.read_text(encoding="utf-8"))["data"] if a["title"] in ko_train]
    texts = [q["question"] for a in articles for p in a["paragraphs"] for q in p["qas"]] + [p["context"] for a in articles for p in a["paragraphs"]]
    klue = json.loads(KLUE_NLI.read_text(encoding="utf-8"))
    texts += [x["premise"] for x in klue] + [x["hypothesis"] for x in klue]
    return cs.Lexicon.build(en, cs.korean_nouns(texts, 2))


def write_jsonl(pairs: list[Pair], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(asdict(p), ensure_ascii=False) + "\n")
