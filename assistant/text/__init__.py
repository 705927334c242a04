"""Text analysis every stage shares: sentences, headings, keywords, dates.

One implementation of each idea, below the stages: ingest cuts chunks at ``sentences``, the
index's BM25 and the retrieval evidence count ``keywords``, the answerer leaves ``headings``
out of quotes, and retrieval matches ``dates``.
"""
