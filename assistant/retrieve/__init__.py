"""Stage 4, index → passages: hybrid retrieval (dense + BM25 + sentence evidence + metadata).

passages = Retriever(snapshot, encoder, settings.retrieval).run("bioeconomy funding", k=5)
"""

from .filters import allowed_ids
from .retriever import Retriever

__all__ = ["Retriever", "allowed_ids"]
