"""Measuring the assistant: question sets (``questions``) and the metrics ``assistant eval`` prints (``metrics``).

result = evaluate(bot, parse_questions(read_jsonl(path)))
print(format_metrics(result["metrics"]))
"""

from .metrics import CitationChecker, evaluate, format_metrics, is_gold
from .questions import EvalQuestion, clapnq_corpus, is_clapnq, parse_questions, read_jsonl

__all__ = ["CitationChecker", "EvalQuestion", "clapnq_corpus", "evaluate", "format_metrics", "is_clapnq", "is_gold", "parse_questions", "read_jsonl"]
