"""A line of handwriting read by a neural line recogniser: PaddleOCR's PP-OCRv4 text-line model
(CRNN with CTC, Apache-2.0, as RapidOCR ships it in ONNX), run by onnxruntime on one thread.

Tesseract reads print; a register stamp's handwritten number and date defeat it whenever the pen
leans, touches the dotted line or crosses print. This model was trained on photographed text of
every kind and reads such a line whole. It is used on a stamp's field lines only (a few small
crops a page), and its output is held to the characters the field may have (digits and
separators), so it cannot answer with a letter where a digit was written.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np
from PIL import Image

MODEL = "ch_PP-OCRv4_rec_infer.onnx"
HEIGHT = 48  # the model's input height (pixels)
MIN_WIDTH = 320  # … and its narrowest input

_lock = threading.Lock()
_model: _Model | None = None


@dataclass(frozen=True)
class LineReading:
    text: str
    score: float  # the mean of the kept characters' probabilities (0..1)


class _Model:
    def __init__(self) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # one thread: pages are read in parallel by processes already (OMP_THREAD_LIMIT=1 for Tesseract)
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        path = resources.files("pipeline.data") / "models" / MODEL
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        characters = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.characters = ["", *characters, " "]  # CTC's blank first; the model's last class is a space
        self.input = self.session.get_inputs()[0].name

    def probabilities(self, image: Image.Image) -> np.ndarray:
        rgb = image.convert("RGB")
        width = max(1, round(rgb.width * HEIGHT / max(rgb.height, 1)))
        scaled = np.asarray(rgb.resize((width, HEIGHT), Image.BILINEAR), dtype=np.float32) / 255.0
        batch = np.zeros((1, 3, HEIGHT, max(width, MIN_WIDTH)), dtype=np.float32)
        batch[0, :, :, :width] = ((scaled - 0.5) / 0.5).transpose(2, 0, 1)
        return self.session.run(None, {self.input: batch})[0][0]


def _loaded() -> _Model:
    global _model
    with _lock:
        if _model is None:
            _model = _Model()
        return _model


def read_line(image: Image.Image, allowed: str) -> LineReading:
    """One line of text on `image` (dark on light), only the characters of `allowed` (CTC decoding
    with every other class left out)."""
    model = _loaded()
    probs = model.probabilities(image)
    keep = np.array([i == 0 or c in allowed for i, c in enumerate(model.characters)])
    probs = np.where(keep, probs, 0.0)
    best = probs.argmax(axis=1)
    text, scores, previous = [], [], 0
    for step, index in enumerate(best):
        if index != 0 and index != previous:
            text.append(model.characters[index])
            scores.append(float(probs[step, index]))
        previous = index
    return LineReading("".join(text), float(np.mean(scores)) if scores else 0.0)
