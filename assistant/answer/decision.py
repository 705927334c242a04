"""Whether a read answers: the reader's probability combined with the checks of what was asked.

Two parts, both chosen on development data only (``python -m benchmarks.decision_fit``, the
ablation in ``docs/answering.md``) and stored with the model in ``reader.json`` under ``"decision"``:

* a veto: a span of the wrong kind cannot answer ("how many jobs" answered by "$5 billion", "how
  much" by "9th"), however probable the reader finds its passage;
* a small logistic model over three numbers per read — the reader's logit and two ``checks``
  (the question's years and ordinals around the quote, keyword coverage) — whose score must clear
  a threshold.

A reader whose ``reader.json`` has no such model (the multilingual reader) decides on its
probability and threshold alone, as before.

    decide = reader.decision                      # Decision.from_config(reader.json, reader threshold)
    score = decide.score(probability, checks)     # in [0, 1]
    answers = score >= decide.threshold
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .checks import Checks

FEATURES = ("logit", "anchor_match", "coverage")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def feature_vector(probability: float, checks: Checks) -> list[float]:
    """The model's inputs, in ``FEATURES`` order."""
    return [_logit(probability), checks.anchor_match, checks.coverage]


@dataclass(frozen=True)
class Decision:
    """The answer decision: ``weights`` by feature name, ``bias`` and the ``threshold`` on the score.

    With no weights the score is the reader's probability itself.
    """

    threshold: float
    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    type_veto: bool = False
    # per reading direction ("ko-en": a Korean question over an English passage), the threshold the reader's
    # probability must clear there; its scores are shifted so that ``threshold`` stands for it
    directions: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict, reader_threshold: float) -> Decision:
        directions = {k: float(v) for k, v in (config.get("direction_thresholds") or {}).items()}
        d = config.get("decision")
        if not d:
            return cls(reader_threshold, directions=directions)
        return cls(float(d["threshold"]), {k: float(v) for k, v in d["weights"].items()}, float(d["bias"]), bool(d.get("type_veto")), directions)

    def score(self, probability: float, checks: Checks | None, direction: str | None = None) -> float:
        """The probability that the read answers the question (the reader's alone without a model).

        ``direction`` ("ko-en", "en-ko", ...) applies that direction's threshold, when one was chosen."""
        if checks is not None and self.type_veto and checks.type_match == 0.0:
            return 0.0
        if direction in self.directions and not self.weights:
            shift = _logit(self.threshold) - _logit(self.directions[direction])
            return 1.0 / (1.0 + math.exp(-(_logit(probability) + shift)))
        if not self.weights or checks is None:
            return probability
        x = dict(zip(FEATURES, feature_vector(probability, checks)))
        z = self.bias + sum(w * x[name] for name, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z))
