"""bpnn model files: one file holding a fitted model; loading never executes code (no pickle).

Layout of format version 1 (every later version keeps the signature at the start and the checksum at the
end, so any bpnn can tell a model file, check it, and read its version)::

    SIGNATURE                 9 bytes   b"\\x89BPNN\\r\\n\\x1a\\n" (like PNG's: catches text-mode and 7-bit copies)
    header length             8 bytes   unsigned, little-endian
    header                    JSON, UTF-8
    padding                   spaces up to a multiple of ALIGN bytes from the start of the file
    array data                each array's raw bytes, C order, starting at a multiple of ALIGN
    SHA-256                   32 bytes  over every byte before it

The header holds ``format`` ("bpnn-model"), ``format_version``, ``bpnn_version``, ``created`` (UTC,
ISO 8601), ``kind`` (the model class), ``meta`` (the model's JSON state), ``info`` (free JSON: what the
command line records about features, targets, metrics and the training run) and ``arrays``: for each
name its ``dtype`` (a NumPy numeric type string such as ``"<f8"``), ``shape``, ``offset`` (from the start
of the array data) and ``nbytes``.

Reading checks, in order: the signature (a file without it is named by what it looks like: empty, a
pickle, which is never unpickled, a zip archive, an image), the checksum (a file shorter than its header
describes is called truncated), the JSON header, the format version (newer ones are refused), the kind
(the builders in ``KINDS`` are the only code a file can select) and each array's description. Building
the model checks the layer sizes against the parameter count before allocating anything; any other
inconsistency of a file whose checksum holds (an edited header with the checksum recomputed) raises
:class:`ModelFileError` too.

Files are written atomically: to a temporary file in the same folder, flushed and fsynced, then renamed
over the target, so a reader sees the old file or the new one and never a half-written one.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import math
import os
import struct
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpnn._version import __version__
from bpnn.core.network import Network

Array = np.ndarray

SIGNATURE = b"\x89BPNN\r\n\x1a\n"
FORMAT = "bpnn-model"
FORMAT_VERSION = 1
ALIGN = 64
DIGEST_SIZE = 32
LENGTH = struct.Struct("<Q")
NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: the only array types a model file may hold

# kind -> "module:attribute" of the function that rebuilds it from (meta, arrays); only these are ever imported
KINDS: dict[str, str] = {
    "BPClassifier": "bpnn.estimators:BPClassifier._from_state",
    "BPRegressor": "bpnn.estimators:BPRegressor._from_state",
    "NARXRegressor": "bpnn.estimators:NARXRegressor._from_state",
    "Network": "bpnn.files.modelfile:network_from_state",
}


class ModelFileError(ValueError):
    """The file is not a model file this bpnn can read; the message says why and what to do."""


def jsonable(value: object) -> object:
    """``value`` with NumPy scalars and arrays turned into Python ones and non-finite floats into None."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(temporary, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~current_umask())
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return path


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def encode(kind: str, meta: dict, arrays: dict[str, Array], info: dict | None = None) -> bytes:
    """The bytes of a model file (see the module docstring)."""
    table, blobs, offset = {}, [], 0
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise TypeError(f"array {name!r} has dtype {array.dtype}; model files hold numeric arrays only")
        padding = -offset % ALIGN
        blobs.append(b"\0" * padding + array.tobytes())
        offset += padding
        table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset, "nbytes": array.nbytes}
        offset += array.nbytes
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "bpnn_version": __version__,
              "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "kind": kind, "meta": jsonable(meta), "info": jsonable(info or {}), "arrays": table}
    text = json.dumps(header, ensure_ascii=False, allow_nan=False).encode("utf-8")
    start = len(SIGNATURE) + LENGTH.size + len(text)
    body = SIGNATURE + LENGTH.pack(len(text)) + text + b" " * (-start % ALIGN) + b"".join(blobs)
    return body + hashlib.sha256(body).digest()


@dataclass
class ModelFile:
    """A checked model file: its header and arrays, not yet turned into a model. A file whose checksum holds
    can still be inconsistent (written by a faulty program, or edited and its checksum recomputed): building
    the model, and reading ``meta`` or ``info`` inside :meth:`checked`, turn that into :class:`ModelFileError`."""

    header: dict
    arrays: dict[str, Array] = field(default_factory=dict)
    source: str = "model file"

    @property
    def kind(self) -> str:
        return self.header["kind"]

    @property
    def meta(self) -> dict:
        return self.header["meta"]

    @property
    def info(self) -> dict:
        return self.header.get("info", {})  # free JSON beside the model: none is an empty record

    def build(self) -> object:
        """The model (estimator or network) the file holds."""
        with self.checked():
            check_network(self.meta, self.arrays, self.source)
            module, attribute = KINDS[self.kind].split(":")
            target: object = importlib.import_module(module)
            for part in attribute.split("."):
                target = getattr(target, part)
            return target(self.meta, self.arrays)

    @contextmanager
    def checked(self) -> Iterator[None]:
        """Reading the contents inside this block, a missing key or a value of the wrong type or shape raises
        :class:`ModelFileError` naming the file."""
        try:
            yield
        except ModelFileError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ModelFileError(f"{self.source} passes its checksum but its contents are inconsistent "
                                 f"({type(error).__name__}: {error}); it was edited or written by a faulty program; "
                                 f"save the model again") from None


def check_network(meta: dict, arrays: dict, source: str) -> None:
    """The layer sizes are positive integers and ``params`` is a flat float vector of the size they imply,
    checked before any memory is allocated for the network."""
    sizes, params = meta.get("layer_sizes"), arrays.get("params")
    valid_sizes = isinstance(sizes, list) and len(sizes) >= 2 and \
        all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes)
    if not valid_sizes:
        raise ModelFileError(f"{source}: the layer sizes {sizes!r} are not a list of at least two positive integers; "
                             f"save the model again")
    n_params = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if params is None or params.dtype.kind != "f" or params.shape != (n_params,):
        shape = None if params is None else f"{params.dtype} {list(params.shape)}"
        raise ModelFileError(f"{source}: layers {sizes} need {n_params} float parameters but the file holds {shape}; "
                             f"save the model again")


def foreign(data: bytes, source: str) -> ModelFileError:
    """The error for a file without the bpnn signature, saying what the file looks like."""
    from bpnn.tables import FORMAT_NAMES, format_of

    kind = format_of(data)
    if not data:
        what = "it is empty"
    elif kind == "pickle":
        what = "it is a Python pickle, which bpnn never loads because unpickling can run any code"
    elif kind != "text":
        what = f"it is {FORMAT_NAMES[kind]}"
    else:
        what = "it lacks the bpnn signature"
    return ModelFileError(f"{source} is not a bpnn model file ({what}); give a file saved by bpnn train or bpnn.save")


def parse_header(body: bytes) -> tuple[dict, int]:
    """(the JSON header after the signature and length, its length); ValueError when it is not a bpnn header."""
    (length,) = LENGTH.unpack_from(body, len(SIGNATURE))
    start = len(SIGNATURE) + LENGTH.size
    try:
        header = json.loads(body[start:start + length].decode("utf-8"))
    except RecursionError:  # nesting deeper than Python's stack: not a header bpnn wrote
        raise ValueError("the header nests too deeply") from None
    if not (isinstance(header, dict) and header.get("format") == FORMAT and isinstance(header.get("format_version"), int)
            and all(isinstance(header.get(key, {}), dict) for key in ("meta", "info", "arrays"))):
        raise ValueError("the header is not a bpnn model header")
    return header, length


def expected_size(header: dict, length: int) -> int | None:
    """The file size the header describes (signature, header, padding, arrays, checksum), None if it cannot tell."""
    try:
        start = len(SIGNATURE) + LENGTH.size + length
        end = max((int(e["offset"]) + int(e["nbytes"]) for e in header["arrays"].values()), default=0)
        return start + (-start % ALIGN) + end + DIGEST_SIZE
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None


def decode(data: bytes, source: str = "model file", kinds: Sequence[str] = tuple(KINDS)) -> ModelFile:
    """Check and parse the bytes of a model file holding one of ``kinds``; every problem raises
    :class:`ModelFileError`. (:mod:`bpnn.files.checkpoint` reads its own kind, which no model builder takes.)"""
    if not data.startswith(SIGNATURE):
        raise foreign(data, source)
    if len(data) < len(SIGNATURE) + LENGTH.size + DIGEST_SIZE:
        raise ModelFileError(f"{source} is truncated ({len(data)} bytes); copy it again from its source")
    body, digest = data[:-DIGEST_SIZE], data[-DIGEST_SIZE:]
    if hashlib.sha256(body).digest() != digest:
        try:
            size = expected_size(*parse_header(data))
        except (ValueError, UnicodeDecodeError):
            size = None
        if size is not None and len(data) < size:
            raise ModelFileError(f"{source} is truncated: it holds {len(data)} of the {size} bytes its header describes; "
                                 f"copy it again from its source")
        raise ModelFileError(f"{source} fails its checksum: it is truncated, corrupted or was edited; use an intact "
                             f"copy or save the model again")
    try:
        header, length = parse_header(body)
    except (ValueError, UnicodeDecodeError):
        raise ModelFileError(f"{source} has an unreadable header; it was not written by bpnn") from None
    start = len(SIGNATURE) + LENGTH.size
    version = header["format_version"]
    if version < 1:
        raise ModelFileError(f"{source} claims model-file format version {version}, which no bpnn writes; save the "
                             f"model again")
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{source} uses model-file format version {version} (written by bpnn "
                             f"{header.get('bpnn_version', '?')}); this bpnn {__version__} reads versions up to "
                             f"{FORMAT_VERSION}; upgrade bpnn to load it")
    if header.get("kind") == "checkpoint" and "checkpoint" not in kinds:
        raise ModelFileError(f"{source} is a training checkpoint, not a model; continue it with bpnn train --resume "
                             f"(or fit(..., resume=)), or give the model file that training saved")
    if not isinstance(header.get("kind"), str) or header["kind"] not in kinds:
        raise ModelFileError(f"{source} holds a model of unknown kind {header.get('kind')!r}; this bpnn loads "
                             f"{', '.join(kinds)}")
    data_start = start + length + (-(start + length) % ALIGN)
    return ModelFile(header, {name: read_array(body, data_start, name, entry, source)
                              for name, entry in header.get("arrays", {}).items()}, source)


def read_array(body: bytes, data_start: int, name: str, entry: dict, source: str) -> Array:
    try:
        dtype = np.dtype(entry["dtype"])
        shape = tuple(int(n) for n in entry["shape"])
        begin = data_start + int(entry["offset"])
        nbytes = int(entry["nbytes"])
        valid = (dtype.kind in NUMERIC_KINDS and min(shape, default=0) >= 0 and nbytes == math.prod(shape) * dtype.itemsize
                 and data_start <= begin and begin + nbytes <= len(body))
    except (KeyError, TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        raise ModelFileError(f"{source}: array {name!r} is described wrongly in the header; save the model again")
    return np.frombuffer(body, dtype=dtype, count=math.prod(shape), offset=begin).reshape(shape).copy()


def read(path: str | Path, kinds: Sequence[str] = tuple(KINDS)) -> ModelFile:
    """The checked contents of the model file at ``path`` (holding one of ``kinds``)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path} is a folder, not a model file") from None
    return decode(data, str(path), kinds)


def state_of(model: object) -> tuple[str, dict, dict]:
    """(kind, meta, arrays) of an estimator (through its ``_to_state``) or a core Network."""
    if isinstance(model, Network):
        return ("Network", *network_state(model))
    kind = type(model).__name__
    if kind not in KINDS or not hasattr(model, "_to_state"):
        raise TypeError(f"cannot save a {kind}; bpnn saves {', '.join(KINDS)}")
    return (kind, *model._to_state())


def save(estimator: object, path: str | Path, info: dict | None = None) -> Path:
    """Write a fitted estimator (or a core Network) to ``path`` atomically; ``info`` is kept beside it."""
    return atomic_write(path, encode(*state_of(estimator), info))


def load(path: str | Path) -> object:
    """The estimator (or Network) saved at ``path``."""
    return read(path).build()


def network_state(network: Network) -> tuple[dict, dict]:
    meta = {"layer_sizes": network.layer_sizes, "activations": [g.name for g in network.activations[:-1]],
            "output_activation": network.activations[-1].name, "dtype": network.dtype.name}
    return meta, {"params": network.params}


def network_from_state(meta: dict, arrays: dict) -> Network:
    network = Network(meta["layer_sizes"], meta["activations"], meta["output_activation"], dtype=meta["dtype"])
    network.unpack(arrays["params"])
    return network
