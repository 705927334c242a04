"""Stage 3, vectors → index: the stores a query reads, and the builder that keeps them current.

* ``vectors``: dense vectors behind the ``VectorStore`` interface (FAISS exact or IVF, chosen by size);
* ``lexical``: the BM25 keyword index over the same chunks;
* ``sentences``: each chunk's sentence spans and vectors;
* ``snapshot``: all of the above as one immutable ``IndexSnapshot``, saved and swapped atomically;
* ``builder``: the incremental update (``Indexer``) from the corpus folder.

    report, snapshot = Indexer(corpus_dir, index_dir, settings, encoder).run()
"""

from .builder import Indexer
from .snapshot import IndexSnapshot, load_snapshot, save_snapshot

__all__ = ["Indexer", "IndexSnapshot", "load_snapshot", "save_snapshot"]
