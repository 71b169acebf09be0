"""Lines of handwriting found and read by PaddleOCR's PP-OCRv4 models (Apache-2.0, as RapidOCR
ships them in ONNX), run by onnxruntime on one thread: the text detector (DB, a map of where text
is) and the text-line recogniser (CRNN with CTC).

Tesseract reads print; a register stamp's handwritten number and date defeat it whenever the pen
leans, touches the dotted line or crosses print. These models were trained on photographed text of
every kind and read such a line whole. They are used on register stamps only (a few small crops
a page): the stamp's lines found and read whole, and each field's line read held to the
characters the field may have (digits and separators), so that the recogniser cannot answer with
a letter where a digit was written. The recogniser knows no Vietnamese marks ("Số" reads "So").
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
DETECTOR = "ch_PP-OCRv4_det_infer.onnx"
# The detector's settings: the image's shorter side at least this many pixels (RapidOCR's 736 found
# the same lines on stamp crops at twice the time and half again the memory), both sides a multiple
# of 32; as RapidOCR runs it, text where the map passes TEXT_MAP, a box kept when its mean passes
# BOX_SCORE, then grown by its area × UNCLIP / its perimeter on every side.
DETECT_SIDE = 480
TEXT_MAP = 0.3
BOX_SCORE = 0.5
UNCLIP = 1.6

_lock = threading.Lock()
_sessions: dict[str, object] = {}
_model: _Model | None = None


def _session(name: str):
    """The onnxruntime session of a packaged model, made once per process."""
    with _lock:
        if name not in _sessions:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            # one thread: pages are read in parallel by processes already (OMP_THREAD_LIMIT=1 for Tesseract)
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            path = resources.files("pipeline.data") / "models" / name
            _sessions[name] = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return _sessions[name]


@dataclass(frozen=True)
class LineReading:
    text: str
    score: float  # the mean of the kept characters' probabilities (0..1)
    chars: tuple[tuple[float, float, float], ...] = ()  # each character's x0, x1 on the image and probability


class _Model:
    def __init__(self) -> None:
        self.session = _session(MODEL)
        characters = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        self.characters = ["", *characters, " "]  # CTC's blank first; the model's last class is a space
        self.input = self.session.get_inputs()[0].name

    def probabilities(self, image: Image.Image) -> tuple[np.ndarray, float]:
        """The model's character probabilities at each of its steps along the line, and the width
        of one step on `image` (pixels)."""
        rgb = image.convert("RGB")
        width = max(1, round(rgb.width * HEIGHT / max(rgb.height, 1)))
        scaled = np.asarray(rgb.resize((width, HEIGHT), Image.BILINEAR), dtype=np.float32) / 255.0
        batch = np.zeros((1, 3, HEIGHT, max(width, MIN_WIDTH)), dtype=np.float32)
        batch[0, :, :, :width] = ((scaled - 0.5) / 0.5).transpose(2, 0, 1)
        probs = self.session.run(None, {self.input: batch})[0][0]
        return probs, batch.shape[3] / probs.shape[0] * rgb.width / width


def models() -> dict:
    """onnxruntime's version and each packaged model's input, loaded as a page would load them
    (`hoso doctor`); raises what loading raises."""
    import onnxruntime

    return {
        "version": onnxruntime.__version__,
        "models": {name: _session(name).get_inputs()[0].name for name in (DETECTOR, MODEL)},
    }


def _loaded() -> _Model:
    global _model
    if _model is None:
        _model = _Model()
    return _model


def find_lines(image: Image.Image) -> list[tuple[int, int, int, int]]:
    """The boxes (x0, y0, x1, y1) of the lines of text on `image` (a level crop), top first."""
    import cv2

    rgb = image.convert("RGB")
    ratio = max(1.0, DETECT_SIDE / min(rgb.size))
    width, height = (max(32, round(side * ratio / 32) * 32) for side in rgb.size)
    scaled = np.asarray(rgb.resize((width, height), Image.BILINEAR), dtype=np.float32) / 255.0
    session = _session(DETECTOR)
    text_map = session.run(None, {session.get_inputs()[0].name: ((scaled - 0.5) / 0.5).transpose(2, 0, 1)[None]})[0]
    text_map = text_map[0, 0]
    found = cv2.dilate((text_map > TEXT_MAP).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(found * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sx, sy = rgb.width / width, rgb.height / height
    boxes = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        inside = np.zeros((h, w), np.uint8)
        cv2.drawContours(inside, [contour - (x, y)], -1, 1, thickness=-1)
        if min(w, h) < 3 or float(text_map[y : y + h, x : x + w][inside > 0].mean()) < BOX_SCORE:
            continue
        grow = w * h * UNCLIP / (2 * (w + h))
        x0, y0 = max(0.0, (x - grow) * sx), max(0.0, (y - grow) * sy)
        x1, y1 = min(rgb.width, (x + w + grow) * sx), min(rgb.height, (y + h + grow) * sy)
        boxes.append((round(x0), round(y0), round(x1), round(y1)))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def read_line(image: Image.Image, allowed: str | None = None) -> LineReading:
    """One line of text on `image` (dark on light); with `allowed`, only its characters (CTC
    decoding with every other class left out)."""
    model = _loaded()
    probs, step_width = model.probabilities(image)
    if allowed is not None:
        keep = np.array([i == 0 or c in allowed for i, c in enumerate(model.characters)])
        probs = np.where(keep, probs, 0.0)
    best = probs.argmax(axis=1)
    text: list[str] = []
    chars: list[list[float]] = []
    previous = 0
    for step, index in enumerate(best):
        if index != 0 and index == previous:
            chars[-1][1] = (step + 1) * step_width
        elif index != 0:
            text.append(model.characters[index])
            chars.append([step * step_width, (step + 1) * step_width, float(probs[step, index])])
        previous = index
    score = float(np.mean([c[2] for c in chars])) if chars else 0.0
    return LineReading("".join(text), score, tuple((x0, x1, p) for x0, x1, p in chars))
