"""Stage 2, chunks → vectors: the packaged all-MiniLM-L6-v2 encoder (ONNX Runtime or PyTorch).

encoder = Embedder.from_settings(settings)
vectors = encoder.encode(["text", ...])          # (n, 384) float32 unit vectors
"""

from .embedder import Embedder, model_path
from .onnx import onnx_session

__all__ = ["Embedder", "model_path", "onnx_session"]
