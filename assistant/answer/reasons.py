"""Why questions: the answer is a reason, so a quote that gives none cannot answer, and a span that is one may.

Analysts ask why a government did something; the documents say it with a purpose clause ("... agreed to
launch an economic security dialogue *to align the bureaucratic and policy approaches* ...") or a causal
one ("because ...", "in response to ..."). The reader gives such spans a low probability (its training
answers are short names and figures), and it gives a high one to a sentence that names the event and
goes on about something else: "Why did the ROK Air Force choose L3Harris?" over "... selected L3Harris
... in a $2.3 billion deal that will support over 6,000 American jobs" (a near miss: no reason is given).

    adjust_why(reads, question, threshold)   # after the decision has scored the reads
"""

from __future__ import annotations

import re

from .checks import asks_reason, gives_means, gives_reason, names_in
from .quotes import Read

WHY_SCORE = 0.55  # the decision's score at which a span that is itself the reason answers a why question


# what opens a purpose or a cause: "to align ...", "in order to ...", "because ...", "in response to ..."
_OPENS_REASON = re.compile(
    r"^\s*(?:(?:in order |so as )?to\s+(?!(?:the|a|an|its|their|his|her|our|this|that|these|those|be|date)\b)[a-z]+"
    r"|so that|because|since|due to|owing to|given|in response to|in light of|in view of|for the (?:purpose|sake) of|with the (?:aim|goal) of)\b",
    re.I,
)


def span_is_reason(r: Read) -> bool:
    """Whether the answer span is the reason clause itself: it opens with a purpose or a cause ("to align
    ...", "because ...", "in response to ..."), counting the "to" the reader may have left before it."""
    lead = r.text(max(r.passage.start, r.start - 4), r.start).rstrip().lower()
    span = r.text(r.start, r.end)
    return bool(_OPENS_REASON.match(f"to {span}" if lead == "to" or lead.endswith(" to") else span))


def _only_a_name(span: str, question: str) -> bool:
    """Whether the span is one proper name and nothing else: a who, never a why."""
    names = names_in(span, question)
    return len(names) == 1 and names[0] == (0, len(span.rstrip(" .,;")))


def adjust_why(reads: list[Read], question: str, threshold: float) -> None:
    """For a why question: a quote that gives neither a reason nor a means cannot answer ("will help lower
    costs *by making* supply chains more resilient" gives one), nor a span that is only a name; a span that
    is the reason answers from ``WHY_SCORE``, its score raised to the threshold."""
    if asks_reason(question) != "why":
        return
    for r in reads:
        if r.start < 0 or r.score is None:
            continue
        quote = r.text(*r.quote())
        is_reason = span_is_reason(r)
        if not is_reason and not gives_reason(quote) and not gives_means(quote):
            r.score = 0.0
        elif _only_a_name(r.text(r.start, r.end), question):  # "Why did Congress reject ...?" -> "Prime Minister Albanese"
            r.score = 0.0
        elif threshold > r.score >= WHY_SCORE and is_reason:
            r.score = threshold
