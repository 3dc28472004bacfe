"""bpnn model files: one file holding a fitted model; loading never executes code (no pickle).

Format version 2 (written since bpnn 0.1.0's safetensors change) is a valid safetensors file, so any safetensors
reader (``safetensors.numpy.load_file``, the Rust and JavaScript libraries) opens the weights::

    header length             8 bytes   unsigned, little-endian (safetensors)
    header                    JSON, UTF-8, padded with spaces so the array data starts at a multiple of ALIGN:
                              {"__metadata__": {"format": "bpnn-model", "bpnn": "<bpnn's JSON header as a string>"},
                               "<array>": {"dtype": "F64", "shape": [...], "data_offsets": [begin, end]}, ...,
                               "__checksum__": {"dtype": "U8", "shape": [32], "data_offsets": [...]}}
    array data                the arrays' raw little-endian bytes back to back (safetensors allows no gaps), the
                              larger item sizes first, so each array is aligned to its item size
    SHA-256                   32 bytes, the array ``__checksum__``: over every byte before it

safetensors allows no bytes after the last array, so the checksum is the last array; it stays the file's last
32 bytes, as in format 1. bpnn's JSON header (``__metadata__["bpnn"]``; safetensors metadata values are strings)
holds ``format`` ("bpnn-model"), ``format_version``, ``bpnn_version``, ``created`` (UTC, ISO 8601), ``kind`` (the
model class), ``meta`` (the model's JSON state: architecture, scaling, classes, training record) and ``info``
(free JSON: what the command line records about features and their encoders, targets, metrics and the run).

Format version 1, still read::

    SIGNATURE                 9 bytes   b"\\x89BPNN\\r\\n\\x1a\\n" (like PNG's: catches text-mode and 7-bit copies)
    header length             8 bytes   unsigned, little-endian
    header                    JSON, UTF-8: the fields above and ``arrays``: for each name its ``dtype`` (a NumPy
                              numeric type string such as ``"<f8"``), ``shape``, ``offset`` (from the start of the
                              array data) and ``nbytes``
    padding                   spaces up to a multiple of ALIGN bytes from the start of the file
    array data                each array's raw bytes, C order, starting at a multiple of ALIGN
    SHA-256                   32 bytes  over every byte before it

Reading either gives the same :class:`ModelFile`: the JSON header with ``arrays`` described as in format 1 (for
format 2, from its safetensors entries). Reading checks, in order: what the file is (a file that is neither is
named by what it looks like: empty, a pickle, which is never unpickled, a zip archive, an image, a safetensors file
without bpnn's metadata), the checksum (a file shorter than its header describes is called truncated), the JSON
header, the format version (newer ones are refused), the kind (the builders in ``KINDS`` are the only code a file
can select) and each array's description. Building the model checks the layer sizes against the parameter count
before allocating anything; any other inconsistency of a file whose checksum holds (an edited header with the
checksum recomputed) raises :class:`ModelFileError` too.

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bpnn._version import __version__
from bpnn.core.network import Network

Array = np.ndarray

SIGNATURE = b"\x89BPNN\r\n\x1a\n"
FORMAT = "bpnn-model"
FORMAT_VERSION = 2  # the version this bpnn writes; it reads 1 and 2
ALIGN = 64
DIGEST_SIZE = 32
LENGTH = struct.Struct("<Q")
NUMERIC_KINDS = "biuf"  # bool, signed, unsigned, float: the only array types a model file may hold
# format 2: the start of every file bpnn writes after the 8-byte length, and safetensors' names of the NumPy types
PREFIX = b'{"__metadata__":{"format":"bpnn-model"'
CHECKSUM = "__checksum__"
SAFETENSORS_DTYPES = {"|b1": "BOOL", "|u1": "U8", "|i1": "I8", "<u2": "U16", "<i2": "I16", "<u4": "U32", "<i4": "I32",
                      "<u8": "U64", "<i8": "I64", "<f2": "F16", "<f4": "F32", "<f8": "F64"}
NUMPY_DTYPES = {name: dtype for dtype, name in SAFETENSORS_DTYPES.items()}

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
    """The bytes of a model file, format 2 (see the module docstring)."""
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "bpnn_version": __version__,
              "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "kind": kind, "meta": jsonable(meta), "info": jsonable(info or {})}
    table, blobs, offset = {}, [], 0
    checked = {}
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.kind not in NUMERIC_KINDS:
            raise TypeError(f"array {name!r} has dtype {array.dtype}; model files hold numeric arrays only")
        if name in (CHECKSUM, "__metadata__"):
            raise ValueError(f"{name!r} is a name the model file uses itself; name the array otherwise")
        checked[name] = array.astype(array.dtype.newbyteorder("<"), copy=False)  # safetensors: little-endian
    for name, array in sorted(checked.items(), key=lambda item: -item[1].dtype.itemsize):  # each aligned to its item size
        table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "offset": offset, "nbytes": array.nbytes}
        blobs.append(array.tobytes())
        offset += array.nbytes
    return assemble({**header, "arrays": table}, b"".join(blobs))


def assemble(header: dict, data: bytes) -> bytes:
    """A format-2 file from bpnn's JSON ``header`` (its ``arrays`` as in format 1: dtype, shape, offset, nbytes) and
    the array ``data``; the checksum appended as the last array."""
    entries = {}
    for name, entry in header.get("arrays", {}).items():
        try:
            begin = int(entry["offset"])
            entries[name] = {"dtype": SAFETENSORS_DTYPES.get(entry["dtype"], entry["dtype"]), "shape": entry["shape"],
                             "data_offsets": [begin, begin + int(entry["nbytes"])]}
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            entries[name] = entry  # no safetensors description: reading calls it described wrongly
    bpnn = json.dumps({key: value for key, value in header.items() if key != "arrays"}, ensure_ascii=False,
                      allow_nan=False)
    entries[CHECKSUM] = {"dtype": "U8", "shape": [DIGEST_SIZE], "data_offsets": [len(data), len(data) + DIGEST_SIZE]}
    text = json.dumps({"__metadata__": {"format": FORMAT, "bpnn": bpnn}, **entries}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    text += b" " * (-(LENGTH.size + len(text)) % ALIGN)  # safetensors allows trailing spaces in its header
    body = LENGTH.pack(len(text)) + text + data
    return body + hashlib.sha256(body).digest()


def header_of(data: bytes) -> dict:
    """The JSON header of the model file ``data`` (either format), its arrays described as in format 1; ValueError
    (or UnicodeDecodeError) when it has none. For tools that inspect or rewrite headers (see :func:`with_header`)."""
    if data.startswith(SIGNATURE):
        return parse_header(data)[0]
    return parse_header_2(data)[0]


def with_header(data: bytes, change: Callable[[dict], object]) -> bytes:
    """The model file ``data`` with its JSON header changed by ``change(header)`` and a valid checksum again, in its own
    format (for tests and repair tools: a file rewritten this way passes the checksum, whatever it holds)."""
    header = header_of(data)
    if data.startswith(SIGNATURE):
        (length,) = LENGTH.unpack_from(data, len(SIGNATURE))
        start = len(SIGNATURE) + LENGTH.size
        rest = data[start + length + (-(start + length) % ALIGN):-DIGEST_SIZE]  # the array data
        change(header)
        text = json.dumps(header).encode()
        head = SIGNATURE + LENGTH.pack(len(text)) + text
        body = head + b" " * (-len(head) % ALIGN) + rest
        return body + hashlib.sha256(body).digest()
    (length,) = LENGTH.unpack_from(data)
    change(header)
    return assemble(header, data[LENGTH.size + length:-DIGEST_SIZE])


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
    """The error for a file that is no bpnn model file, saying what the file looks like."""
    from bpnn.tables import FORMAT_NAMES, format_of

    kind = format_of(data)
    if not data:
        what = "it is empty"
    elif kind == "pickle":
        what = "it is a Python pickle, which bpnn never loads because unpickling can run any code"
    elif data[LENGTH.size:LENGTH.size + 2] == b'{"' and b'"__metadata__"' not in data[:200] and len(data) > LENGTH.size:
        what = "it looks like a safetensors file without bpnn's metadata: weights without a model"
    elif kind != "text":
        what = f"it is {FORMAT_NAMES[kind]}"
    else:
        what = "it lacks the bpnn signature"
    return ModelFileError(f"{source} is not a bpnn model file ({what}); give a file saved by bpnn train or bpnn.save")


def is_format_2(data: bytes) -> bool:
    return data[LENGTH.size:LENGTH.size + len(PREFIX)] == PREFIX


def check_bpnn_header(header: object) -> dict:
    if not (isinstance(header, dict) and header.get("format") == FORMAT and isinstance(header.get("format_version"), int)
            and all(isinstance(header.get(key, {}), dict) for key in ("meta", "info", "arrays"))):
        raise ValueError("the header is not a bpnn model header")
    return header


def load_json(text: bytes | str) -> object:
    try:
        return json.loads(text)
    except RecursionError:  # nesting deeper than Python's stack: not a header bpnn wrote
        raise ValueError("the header nests too deeply") from None


def parse_header(body: bytes) -> tuple[dict, int]:
    """(the JSON header of a format-1 file after the signature and length, its length); ValueError when it is not a
    bpnn header."""
    (length,) = LENGTH.unpack_from(body, len(SIGNATURE))
    start = len(SIGNATURE) + LENGTH.size
    return check_bpnn_header(load_json(body[start:start + length].decode("utf-8"))), length


def parse_header_2(body: bytes) -> tuple[dict, int]:
    """(bpnn's JSON header of a format-2 file, its arrays described as in format 1 (offsets from the start of the
    array data), the safetensors header's length); ValueError when it is not a bpnn header."""
    (length,) = LENGTH.unpack_from(body)
    table = load_json(body[LENGTH.size:LENGTH.size + length].decode("utf-8"))
    if not isinstance(table, dict) or not isinstance(table.get("__metadata__"), dict) or \
            not isinstance(table["__metadata__"].get("bpnn"), str):
        raise ValueError("the safetensors header holds no bpnn header")
    header = load_json(table["__metadata__"]["bpnn"])
    if not isinstance(header, dict) or "arrays" in header:
        raise ValueError("the header is not a bpnn model header")
    arrays = {}
    for name, entry in table.items():
        if name in ("__metadata__", CHECKSUM):
            continue
        try:
            begin, end = entry["data_offsets"]
            arrays[name] = {"dtype": NUMPY_DTYPES.get(entry["dtype"], entry["dtype"]), "shape": entry["shape"],
                            "offset": begin, "nbytes": end - begin}
        except (KeyError, TypeError, ValueError):
            arrays[name] = {}  # described wrongly: read_array says so
    header["arrays"] = arrays
    return check_bpnn_header(header), length


def expected_size(header: dict, start: int) -> int | None:
    """The file size the header describes (everything up to ``start`` of the array data, the arrays, the checksum),
    None if it cannot tell."""
    try:
        end = max((int(e["offset"]) + int(e["nbytes"]) for e in header["arrays"].values()), default=0)
        return start + end + DIGEST_SIZE
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return None


def data_start(data: bytes, length: int) -> int:
    """Where the array data of a file with a header of ``length`` bytes starts."""
    if data.startswith(SIGNATURE):
        start = len(SIGNATURE) + LENGTH.size + length
        return start + (-start % ALIGN)
    return LENGTH.size + length


def decode(data: bytes, source: str = "model file", kinds: Sequence[str] = tuple(KINDS)) -> ModelFile:
    """Check and parse the bytes of a model file (format 1 or 2) holding one of ``kinds``; every problem raises
    :class:`ModelFileError`. (:mod:`bpnn.files.checkpoint` reads its own kind, which no model builder takes.)"""
    version_1 = data.startswith(SIGNATURE)
    if not (version_1 or is_format_2(data)):
        raise foreign(data, source)
    parse = parse_header if version_1 else parse_header_2
    if len(data) < (len(SIGNATURE) if version_1 else 0) + LENGTH.size + DIGEST_SIZE:
        raise ModelFileError(f"{source} is truncated ({len(data)} bytes); copy it again from its source")
    body, digest = data[:-DIGEST_SIZE], data[-DIGEST_SIZE:]
    if hashlib.sha256(body).digest() != digest:
        try:
            header, length = parse(data)
            size = expected_size(header, data_start(data, length))
        except (ValueError, UnicodeDecodeError, struct.error):
            size = None
        if size is not None and len(data) < size:
            raise ModelFileError(f"{source} is truncated: it holds {len(data)} of the {size} bytes its header describes; "
                                 f"copy it again from its source")
        raise ModelFileError(f"{source} fails its checksum: it is truncated, corrupted or was edited; use an intact "
                             f"copy or save the model again")
    try:
        header, length = parse(body)
    except (ValueError, UnicodeDecodeError, struct.error):
        raise ModelFileError(f"{source} has an unreadable header; it was not written by bpnn") from None
    version = header["format_version"]
    if version < 1:
        raise ModelFileError(f"{source} claims model-file format version {version}, which no bpnn writes; save the "
                             f"model again")
    if (version == 1) != version_1:
        raise ModelFileError(f"{source} claims model-file format version {version} in the layout of version "
                             f"{1 if version_1 else 2}; it was edited or written by a faulty program; save the model again")
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
    start = data_start(body, length)
    return ModelFile(header, {name: read_array(body, start, name, entry, source)
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
