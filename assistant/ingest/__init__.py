"""Stage 1, files → documents → chunks: scan the corpus folder, load each file, cut it into chunks.

files, skipped = scan_corpus(corpus_dir)
with DocumentLoader(settings.loading) as loader:
    doc = loader.load(files[0].path, files[0].source)      # or raises LoadError(reason)
chunks = Chunker(encoder.token_offsets, settings.chunking).run(doc)
"""

from .chunking import Chunker
from .loader import DocumentLoader, load_document
from .scan import CorpusFile, scan_corpus

__all__ = ["Chunker", "CorpusFile", "DocumentLoader", "load_document", "scan_corpus"]
