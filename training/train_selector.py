"""Train the Korean sentence selector (``assistant/answer/selector.py``) and write its model file.

Data (read from ``../shared``, never copied into the repository):

* KorQuAD 1.0 dev, split **by article** with seed 13 into training and held-out halves. Each
  training question gives its paragraph (the answer sentence is the positive, the paragraph's
  other sentences negatives) and a distractor: the paragraph of the same article that shares
  most keywords with the question without holding the answer (all its sentences negatives, and
  the question-level "must refuse" case).
* SQuAD 2.0 dev, the reader's 17 training articles (``models/reader/reader.json``): English
  answerable questions with their paragraph, and unanswerable ones with theirs, so the same
  weights serve an English sentence when the question is Korean or the corpus mixed.

The logistic regression is fit on sentences (scikit-learn); the answer threshold is chosen at the
question level, where it decides: the best sentence's probability over the paragraph (answer)
and over the distractor (refuse). The threshold maximises balanced accuracy (answered with the
right sentence / refused) on the training articles; the cross-lingual threshold is chosen the
same way on ``benchmarks/questions/korean_questions_en.jsonl`` read against the gold and the
best other document (development data). Figures on the held-out articles go into the model file.

    .venv/bin/python -m training.train_selector            # ~5 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from assistant.answer.selector import FEATURES, MODEL_FILE, Selector, sentence_features
from assistant.encode import Embedder
from assistant.settings import MULTILINGUAL_MODEL, PROJECT_ROOT, Settings
from assistant.text.keywords import query_tokens, tokenize
from assistant.text.sentences import split_sentences

SHARED = PROJECT_ROOT.parent / "shared"
KORQUAD = SHARED / "eval" / "korean" / "korquad1.0-dev" / "KorQuAD_v1.0_dev.json"
SQUAD2 = SHARED / "train" / "squad2.0-dev" / "dev-v2.0.reconstructed.json"
KO_DOCS = SHARED / "eval" / "korean" / "docs"
EN_QUESTIONS = PROJECT_ROOT / "benchmarks" / "questions" / "korean_questions_en.jsonl"
SEED = 13
MAX_SENTENCES = 8  # a paragraph is cut to a window of this many sentences (about one chunk)


def _window(context: str, answer_start: int | None, rng: random.Random) -> list[tuple[int, int]]:
    """The block of at most ``MAX_SENTENCES`` consecutive sentences holding the answer (a random
    block without one); blocks are fixed per paragraph, so each is encoded once."""
    spans = split_sentences(context)
    blocks = [spans[i : i + MAX_SENTENCES] for i in range(0, len(spans), MAX_SENTENCES)] or [[]]
    if answer_start is None:
        return rng.choice(blocks)
    return next((b for b in blocks if any(a <= answer_start < e for a, e in b)), blocks[0])


def _item(question: str, context: str, spans: list[tuple[int, int]], gold: int, lang: str) -> dict:
    """One question with one text: the text as the index would hold it, its sentence spans in it."""
    lo = spans[0][0]
    return {"q": question, "text": context[lo : spans[-1][1]], "spans": [(a - lo, b - lo) for a, b in spans], "gold": gold, "lang": lang}


def korquad_items(articles: list[dict], rng: random.Random) -> list[dict]:
    """(question, sentences, index of the answer sentence or -1) for each question, plus its distractor."""
    items = []
    for art in articles:
        paras = art["paragraphs"]
        ptoks = [set(tokenize(p["context"])) for p in paras]
        for pi, p in enumerate(paras):
            for qa in p["qas"]:
                ans = qa["answers"][0]
                spans = _window(p["context"], ans["answer_start"], rng)
                gold = next((k for k, (a, b) in enumerate(spans) if a <= ans["answer_start"] < b), -1)
                if gold < 0:
                    continue
                items.append(_item(qa["question"], p["context"], spans, gold, "ko"))
                qt = set(query_tokens(qa["question"]))
                best = max(
                    (j for j in range(len(paras)) if j != pi and ans["text"] not in paras[j]["context"]),
                    key=lambda j: len(qt & ptoks[j]),
                    default=None,
                )
                if best is not None:
                    spans = _window(paras[best]["context"], None, rng)
                    if spans:
                        items.append(_item(qa["question"], paras[best]["context"], spans, -1, "ko"))
    return items


def squad_items(rng: random.Random) -> list[dict]:
    reader = json.loads((PROJECT_ROOT / "assistant" / "models" / "reader" / "reader.json").read_text())
    train = set(reader["training"]["data"]["squad2_train_articles"])
    items = []
    for art in json.loads(SQUAD2.read_text(encoding="utf-8"))["data"]:
        if art["title"] not in train:
            continue
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                if qa.get("is_impossible"):
                    spans = _window(p["context"], None, rng)
                    if spans:
                        items.append(_item(qa["question"], p["context"], spans, -1, "en"))
                    continue
                start = qa["answers"][0]["answer_start"]
                spans = _window(p["context"], start, rng)
                gold = next((k for k, (a, b) in enumerate(spans) if a <= start < b), -1)
                if gold >= 0:
                    items.append(_item(qa["question"], p["context"], spans, gold, "en"))
    return items


def featurise(items: list[dict], encoder: Embedder) -> None:
    """Adds each item's feature matrix (``X``): sentence vectors pooled from the text's own forward
    pass (``encode_with_spans``, as the index and the selector compute them), every text once."""
    texts = {it["text"]: it["spans"] for it in items}
    qs = sorted({it["q"] for it in items})
    t0 = time.time()
    print(f"encoding {len(qs)} questions and {len(texts)} texts", file=sys.stderr)
    keys = list(texts)
    sv: dict[str, np.ndarray] = {}
    for s in range(0, len(keys), 256):
        part = keys[s : s + 256]
        _, vecs = encoder.encode_with_spans(part, [texts[k] for k in part])
        sv.update(zip(part, vecs))
        print(f"  {s + len(part)}/{len(keys)} texts, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    qv = dict(zip(qs, encoder.encode_queries(qs, batch_size=64)))
    print(f"  {time.time() - t0:.0f} s", file=sys.stderr)
    for it in items:
        it["sents"] = [it["text"][a:b] for a, b in it["spans"]]
        it["X"] = sentence_features(it["q"], qv[it["q"]], it["sents"], sv[it["text"]])


def question_scores(items: list[dict], w: np.ndarray, b: float) -> list[tuple[float, bool, bool]]:
    """(best probability, should answer, best sentence is the gold one) per item."""
    out = []
    for it in items:
        p = 1 / (1 + np.exp(-(it["X"] @ w + b)))
        i = int(np.argmax(p))
        out.append((float(p[i]), it["gold"] >= 0, i == it["gold"]))
    return out


def balanced(scores: list[tuple[float, bool, bool]], t: float) -> tuple[float, float, float]:
    """(balanced accuracy, answered correctly, refused) at threshold t."""
    pos = [s for s in scores if s[1]]
    neg = [s for s in scores if not s[1]]
    ok = sum(1 for p, _, right in pos if p >= t and right) / max(1, len(pos))
    ref = sum(1 for p, _, _ in neg if p < t) / max(1, len(neg))
    return (ok + ref) / 2, ok, ref


def best_threshold(scores) -> float:
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    return float(max(grid, key=lambda t: (balanced(scores, t)[0], -abs(t - 0.5))))


def cross_lingual_items(encoder: Embedder) -> list[dict]:
    """English dev questions over the Korean documents: the gold document's sentences, and for
    unanswerable ones the document closest to the question (development data only)."""
    docs = {p.name: p.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for p in KO_DOCS.glob("*.md")}
    names = sorted(docs)
    dv = encoder.encode_passages([docs[n][:1500] for n in names])
    items = []
    for line in EN_QUESTIONS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        gold = q["gold_doc"] if isinstance(q.get("gold_doc"), list) else ([q["gold_doc"]] if q.get("gold_doc") else [])
        if gold:
            text = docs[gold[0]]
        else:
            text = docs[names[int(np.argmax(dv @ encoder.encode_queries([q["question"]])[0]))]]
        spans = split_sentences(text)
        g = next((k for k, (a, b) in enumerate(spans) if all(w in text[a:b] for w in q.get("answer_words") or ["\0"])), -1) if gold else -1
        if gold and g < 0:
            continue
        items.append(_item(q["question"], text, spans, g, "en-ko"))
    return items


def calibrate_on_dev(model_file: Path) -> dict:
    """Thresholds from the whole assistant over the Korean documents (development questions only):
    ``threshold`` on ``korean_questions.jsonl``, ``threshold_cross`` on ``korean_questions_en.jsonl``,
    each maximising the mean of answered-correctly and unanswerable-refused."""
    import shutil
    import tempfile

    from assistant import Assistant
    from assistant.evaluate import evaluate, parse_questions, read_jsonl

    base = Path(tempfile.mkdtemp(prefix="selector-calibration-"))
    corpus = base / "corpus"
    corpus.mkdir()
    for p in KO_DOCS.glob("*.md"):
        shutil.copy(p, corpus / p.name)
    bot = Assistant(corpus_dir=corpus, index_dir=base / "index")
    sel = Selector(bot.selector.encoder, model_file)
    sel.threshold = sel.threshold_cross = 0.01  # answer everything; decide afterwards
    out = {}
    for key, name in (("threshold", "korean_questions.jsonl"), ("threshold_cross", "korean_questions_en.jsonl")):
        qs = parse_questions(read_jsonl(PROJECT_ROOT / "benchmarks" / "questions" / name))
        rows = evaluate(_WithSelector(bot, sel), qs)["rows"]
        scored = [(r.get("confidence") or 0.0, bool(r["answerable"]), bool(r.get("correct"))) for r in rows]
        grid = np.round(np.arange(0.05, 0.99, 0.01), 2)

        def bal(t):
            pos = [s for s in scored if s[1]]
            neg = [s for s in scored if not s[1]]
            return (sum(c >= t and ok for c, _, ok in pos) / max(1, len(pos)) + sum(c < t for c, _, _ in neg) / max(1, len(neg))) / 2

        out[key] = float(max(grid, key=lambda t: (bal(t), -t)))
        out[key + "_dev_balanced"] = round(bal(out[key]), 3)
    shutil.rmtree(base, ignore_errors=True)
    return out


class _WithSelector:
    """The assistant with a given selector object (``Assistant.selector`` is a shared property)."""

    def __init__(self, bot, selector):
        self._bot, self._sel = bot, selector
        self.corpus_dir = bot.corpus_dir

    def search(self, q, k=5):
        return self._bot.search(q, k=k)

    def ask(self, q):
        from assistant.answer import answer_passages, retrieval_query
        from assistant.answer.selector import needs_selector

        bot = self._bot
        snap = bot.snapshot
        passages = bot.retriever(snap).run(retrieval_query(q, None), bot.settings.reader.k)
        langs = [p.language for p in passages[: bot.settings.reader.passages]]
        reader = self._sel if needs_selector(q, langs) else bot.reader
        return answer_passages(q, passages, snap.sentences, reader, bot.settings)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=MODEL_FILE)
    ap.add_argument("--no-calibrate", dest="calibrate", action="store_false", help="keep the thresholds chosen on KorQuAD")
    args = ap.parse_args(argv)
    from sklearn.linear_model import LogisticRegression

    rng = random.Random(SEED)
    articles = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    order = list(range(len(articles)))
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    train_art = [articles[i] for i in sorted(order[:half])]
    held_art = [articles[i] for i in sorted(order[half:])]
    encoder = Embedder.shared(MULTILINGUAL_MODEL, cache_dir=Settings.from_env().cache_dir)

    train = korquad_items(train_art, rng) + squad_items(rng)
    held = korquad_items(held_art, rng)
    featurise(train + held, encoder)
    X = np.concatenate([it["X"] for it in train])
    y = np.concatenate([[1.0 if k == it["gold"] else 0.0 for k in range(len(it["sents"]))] for it in train])
    lr = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(X, y)
    w, b = lr.coef_[0].astype("float32"), float(lr.intercept_[0])

    tr_scores = question_scores(train, w, b)
    t = best_threshold(tr_scores)
    held_scores = question_scores(held, w, b)
    bal, ok, ref = balanced(held_scores, t)

    cross = cross_lingual_items(encoder)
    featurise(cross, encoder)
    t_cross = best_threshold(question_scores(cross, w, b))
    spec = {
        "format": 1,
        "features": list(FEATURES),
        "weights": [round(float(x), 6) for x in w],
        "intercept": round(b, 6),
        "threshold": t,
        "threshold_cross": t_cross,
        "encoder": MULTILINGUAL_MODEL,
        "training": {
            "seed": SEED,
            "korquad_train_articles": [a["title"] for a in train_art],
            "korquad_heldout_articles": len(held_art),
            "items": {"korquad": sum(1 for it in train if it["lang"] == "ko"), "squad2": sum(1 for it in train if it["lang"] == "en")},
            "sentences": int(len(y)),
            "cross_lingual_dev_items": len(cross),
        },
        "heldout": {
            "korquad_items": len(held_scores),
            "balanced_accuracy": round(bal, 3),
            "answered_with_the_right_sentence": round(ok, 3),
            "distractors_refused": round(ref, 3),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if args.calibrate:
        cal = calibrate_on_dev(args.out)
        spec.update(threshold=cal["threshold"], threshold_cross=cal["threshold_cross"])
        spec["calibration"] = {"on": ["benchmarks/questions/korean_questions.jsonl", "benchmarks/questions/korean_questions_en.jsonl"], **cal}
        args.out.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    Selector(encoder, args.out)  # the file loads
    print(json.dumps({k: spec[k] for k in ("weights", "intercept", "threshold", "threshold_cross", "heldout")}, indent=1))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
