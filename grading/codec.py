"""Plain Python data to bytes and back, for the socket between the checker and the learner's kernel.

The decoder is a security boundary: in the checker it reads bytes the learner controls. It only
builds plain data (it never unpickles, evals, execs, or imports a module the bytes name), checks
every length against the bytes left and the caps before it allocates, and raises only CodecError.

This file is self-contained because its text is also exec'd in the learner's kernel, where the
grading package cannot be imported: the standard library at module level, numpy imported only
when a numpy value or token is met.

Format: one tag byte per value, then its payload. `n` is an unsigned LEB128 varint; an int body is
n, then n bytes of little-endian two's complement; a text body is n, then n bytes of UTF-8
(surrogatepass).
  N T F                      None True False
  i <int body>               int          f <8 bytes> float     c <16 bytes> complex (IEEE, little-endian)
  s <text>                   str          b B <n, n bytes>      bytes bytearray
  l t e z <n> <n values>     list tuple set frozenset
  I P <n> <8n bytes>         list of n ints that fit in int64 / of n floats (the fast path for long lists)
  d C O <n> <2n values>      dict Counter OrderedDict, keys and values alternating
  D <f> <n> <2n values>      defaultdict; f indexes _FACTORIES
  q <m> <n> <n values>       deque; m is maxlen + 1, or 0 for no maxlen
  n <text> <k> <k texts> <k values>   namedtuple: typename, field names, values
  r <3 int bodies>           range       x <text> Decimal (its str)       Q <2 int bodies> Fraction
  W <10 bytes> <tz>, a <4 bytes>, h <6 bytes> <tz>   datetime, date, time as their pickle state
                             (fold in a high bit); tz is 0 (naive) or 1 and an int64 offset in microseconds
  g <3 int32>                timedelta: days, seconds, microseconds
  A <dtype text> <ndim> <ndim n> <raw>   ndarray, C order     G <dtype text> <itemsize bytes> numpy scalar
  H <owner byte> <n id> <text type name>   handle for a value that is not plain data
  R <n>                      the n-th mutable container or handle already in this message (aliasing, cycles)
"""

from __future__ import annotations

import collections
import datetime as dt
import decimal
import fractions
import functools
import itertools
import keyword
import math
import re
import struct
import sys
from array import array
from collections.abc import Callable
from dataclasses import field, make_dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TypeAlias, TypeVar

    _EncodeFn: TypeAlias = Callable[["_Encoder", Any, int], None]
    _T = TypeVar("_T")
    _M = TypeVar("_M", bound=dict[Any, Any])

__all__ = ["CAPS", "Caps", "CodecError", "decode", "encode"]


class CodecError(ValueError):
    """Bytes that are not a valid encoding, or a value over a cap; message says which."""


# make_dataclass rather than @dataclass: this text may be compiled under an inherited `from __future__
# import annotations`, and @dataclass then looks the string annotations up in sys.modules[__name__], which
# fails when the text is exec'd in a namespace that is not a module.
if TYPE_CHECKING:  # what mypy reads; the make_dataclass call below is what runs (keep the two in step)
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Caps:
        depth: int = 100
        nodes: int = 1_000_000
        bytes: int = 64 << 20

else:
    Caps = make_dataclass(
        "Caps",
        [
            ("depth", int, field(default=100)),  # nesting of containers
            ("nodes", int, field(default=1_000_000)),  # values in one message
            ("bytes", int, field(default=64 << 20)),  # size of one encoded message
        ],
        frozen=True,
        namespace={"__doc__": "Limits on one message, enforced by encode and, against hostile bytes, by decode."},
    )


CAPS = Caps()

_MAX_ID = 1 << 63
_MAX_TYPE_NAME = 200
_MAX_FIELDS = 256
_MAX_FIELD_NAME = 100
_MAX_NEW_NAMEDTUPLES = 64  # collections.namedtuple costs ~50 us: bound it per message
_MAX_CACHED_NAMEDTUPLES = 1024
_MAX_DECIMAL_CHARS = 100_000
_MAX_FRACTION_BITS = 100_000  # Fraction() reduces by gcd, quadratic in size: ~15 ms at this cap
_MAX_NDIM = 64
_MAX_SHARED_HASH = 16  # keys of one dict or set with the same hash
_PACKED_MIN = 16
_SPLICE_MIN = 64 << 10
_BIG_ENDIAN = sys.byteorder == "big"

(_NONE, _TRUE, _FALSE, _INT, _FLOAT, _COMPLEX, _STR, _BYTES, _BYTEARRAY) = b"NTFifcsbB"
(_LIST, _TUPLE, _SET, _FROZENSET, _INTS, _FLOATS) = b"ltezIP"
(_DICT, _COUNTER, _ORDEREDDICT, _DEFAULTDICT, _DEQUE, _NAMEDTUPLE) = b"dCODqn"
(_RANGE, _DECIMAL, _FRACTION, _DATETIME, _DATE, _TIME, _TIMEDELTA) = b"rxQWahg"
(_NDARRAY, _NUMPY_SCALAR, _HANDLE, _REF) = b"AGHR"
_OWNERS = b"LC"

_F64 = struct.Struct("<d")
_FLOAT_TOKEN = struct.Struct("<Bd")
_COMPLEX_TOKEN = struct.Struct("<Bdd")
_F64_PAIR = struct.Struct("<dd")
_OFFSET = struct.Struct("<Bq")
_I64 = struct.Struct("<q")
_TIMEDELTA_FIELDS = struct.Struct("<iii")
_MICROSECOND = dt.timedelta(microseconds=1)

_FACTORIES: tuple[Callable[[], object] | None, ...] = (None, list, dict, set, int, float, str, tuple, frozenset)
_FACTORIES += (collections.Counter, collections.OrderedDict, collections.deque)
_FACTORY_CODES = {id(factory): code for code, factory in enumerate(_FACTORIES)}
_DEQUE_MAXLEN = collections.deque.__dict__["maxlen"]
_DEFAULT_FACTORY = collections.defaultdict.__dict__["default_factory"]

_DECIMAL_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]+)?(?:E[+-][0-9]{1,19})?|Infinity|s?NaN[0-9]*)")
_DTYPE = re.compile(
    r"\|b1|\|[iu]1|[<>][iu][248]|[<>]f(?:2|4|8|16)|[<>]c(?:8|16|32)|\|S[1-9][0-9]{0,8}|[<>]U[1-9][0-9]{0,8}"
    r"|[<>][Mm]8(?:\[(?:[1-9][0-9]{0,5})?(?:Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as)\])?"
)
_NUMPY_KINDS = "biufcSUMm"
_NAMEDTUPLE_CLASSES: dict[tuple[str, tuple[str, ...]], type] = {}


def _write_len(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)


def _int_body(out: bytearray, n: int) -> None:
    size = (n.bit_length() + 8) >> 3  # one sign bit more than the magnitude needs
    _write_len(out, size)
    out += n.to_bytes(size, "little", signed=True)


def _text_body(out: bytearray, text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    _write_len(out, len(data))
    out += data


def _type_name(value: object) -> str:
    return type(value).__qualname__[:_MAX_TYPE_NAME]


def _valid_name(name: str) -> bool:
    """A namedtuple typename or field name that collections.namedtuple can take without surprises."""
    return len(name) <= _MAX_FIELD_NAME and name.isidentifier() and not keyword.iskeyword(name) and name[0] != "_"


# --- encoding -------------------------------------------------------------------------------------


class _Encoder:
    """The state of one encode call: output, containers already written, running counts."""

    __slots__ = ("out", "splices", "size", "on_other", "caps", "nodes", "refs", "kept", "open", "class_encoders")

    def __init__(self, on_other: Callable[[object], tuple[str, int, str]] | None, caps: Caps) -> None:
        self.out = bytearray()
        # (offset in out, large buffer): joined once at the end, not copied into out
        self.splices: list[tuple[int, Any]] = []
        self.size = 0  # bytes in splices
        self.on_other = on_other
        self.caps = caps
        self.nodes = 0
        self.refs: dict[int, int] = {}  # id of a mutable container or handle written -> its R index
        self.kept: list[object] = []  # those objects, alive until the end so their ids stay theirs
        self.open: set[int] = set()  # ids of tuples and frozensets being written: seeing one again is a cycle
        self.class_encoders: dict[type, _EncodeFn] = {}  # for this call only: learner classes are not cached globally

    def values(self, items: Iterable[Any], depth: int) -> None:
        """Write each item; short strs and ints inline, as they are most of what is sent (2x faster)."""
        out, get = self.out, _ENCODERS.get
        for item in items:
            cls = type(item)
            if cls is str:
                data = item.encode("utf-8", "surrogatepass")
                if len(data) < 0x80:
                    out.append(_STR)
                    out.append(len(data))
                    out += data
                    continue
            elif cls is int:
                size = (item.bit_length() + 8) >> 3
                if size < 0x80:
                    out.append(_INT)
                    out.append(size)
                    out += item.to_bytes(size, "little", signed=True)
                    continue
            (get(cls) or self.encoder_for(item))(self, item, depth)

    def encoder_for(self, value: object) -> _EncodeFn:
        cls = type(value)
        encoder = self.class_encoders.get(cls)
        if encoder is None:
            encoder = self.class_encoders[cls] = _class_encoder(cls)
        return encoder

    def enter(self, depth: int, nodes: int) -> None:
        """Check the caps before a container of `nodes` values nested `depth` deep is written."""
        if depth >= self.caps.depth:
            raise CodecError(f"nested deeper than {self.caps.depth}")
        self.nodes += nodes
        if self.nodes > self.caps.nodes:
            raise CodecError(f"more than {self.caps.nodes} values in one message")

    def head(self, tag: int, n: int, depth: int) -> None:
        self.enter(depth, n)
        self.out.append(tag)
        _write_len(self.out, n)

    def blob(self, tag: int, data: Any) -> None:
        self.out.append(tag)
        _write_len(self.out, len(data))
        self.raw(data)

    def raw(self, data: Any) -> None:
        """Add bytes; a large buffer is not copied into out but joined in once, at the end."""
        n = len(data)  # data is bytes-like with items of one byte
        if n < _SPLICE_MIN:
            self.out += data
            return
        self.size += n
        if len(self.out) + self.size > self.caps.bytes:
            raise CodecError(f"message over {self.caps.bytes} bytes")
        self.splices.append((len(self.out), data))

    def result(self) -> bytes:
        if len(self.out) + self.size > self.caps.bytes:
            raise CodecError(f"message over {self.caps.bytes} bytes")
        if not self.splices:
            return bytes(self.out)
        parts: list[Any]
        view, parts, start = memoryview(self.out), [], 0
        for offset, data in self.splices:
            parts += (view[start:offset], data)
            start = offset
        parts.append(view[start:])
        return b"".join(parts)

    def ref(self, value: object) -> bool:
        """Write an R token if `value` is already in the message, else remember it for later ones."""
        index = self.refs.get(id(value))
        if index is None:
            self.refs[id(value)] = len(self.kept)
            self.kept.append(value)
            return False
        self.out.append(_REF)
        _write_len(self.out, index)
        return True

    def immutable_values(self, value: object, items: Iterable[Any], kind: str, depth: int) -> None:
        key = id(value)
        if key in self.open:
            raise CodecError(f"a cycle through a {kind} cannot be sent")
        self.open.add(key)
        self.values(items, depth + 1)
        self.open.discard(key)


def _enc_none(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_NONE)


def _enc_bool(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_TRUE if value else _FALSE)


def _enc_int(self: _Encoder, value: Any, depth: int) -> None:
    size = (value.bit_length() + 8) >> 3
    out = self.out
    if size < 0x80:
        out.append(_INT)
        out.append(size)
        out += value.to_bytes(size, "little", signed=True)
    else:
        self.blob(_INT, value.to_bytes(size, "little", signed=True))


def _enc_float(self: _Encoder, value: Any, depth: int) -> None:
    self.out += _FLOAT_TOKEN.pack(_FLOAT, value)


def _enc_complex(self: _Encoder, value: Any, depth: int) -> None:
    self.out += _COMPLEX_TOKEN.pack(_COMPLEX, value.real, value.imag)


def _enc_str(self: _Encoder, value: Any, depth: int) -> None:
    self.blob(_STR, value.encode("utf-8", "surrogatepass"))


def _enc_bytes(self: _Encoder, value: Any, depth: int) -> None:
    self.blob(_BYTES, value)


def _enc_bytearray(self: _Encoder, value: Any, depth: int) -> None:
    if not self.ref(value):
        self.blob(_BYTEARRAY, bytearray.copy(value))


def _enc_list(self: _Encoder, value: Any, depth: int) -> None:
    if self.ref(value):
        return
    items = list.copy(value)
    if len(items) >= _PACKED_MIN and _enc_packed(self, items, depth):
        return
    self.head(_LIST, len(items), depth)
    self.values(items, depth + 1)


def _enc_packed(self: _Encoder, items: list[Any], depth: int) -> bool:
    """Write a long list of only ints (int64) or only floats as one array: 10x faster both ways."""
    kind = type(items[0])
    if kind is int:
        tag, code = _INTS, "q"
    elif kind is float:
        tag, code = _FLOATS, "d"
    else:
        return False
    if set(map(type, items)) != {kind}:
        return False
    try:
        packed = array(code, items)
    except OverflowError:
        return False
    if _BIG_ENDIAN:
        packed.byteswap()
    self.head(tag, len(items), depth)
    self.raw(memoryview(packed).cast("B"))
    return True


def _enc_tuple(self: _Encoder, value: Any, depth: int) -> None:
    self.head(_TUPLE, tuple.__len__(value), depth)
    self.immutable_values(value, tuple.__iter__(value), "tuple", depth)


def _enc_namedtuple(self: _Encoder, value: Any, depth: int, header: bytes, size: int) -> None:
    if tuple.__len__(value) != size:
        _enc_tuple(self, value, depth)
        return
    self.enter(depth, size)
    self.out += header
    self.immutable_values(value, tuple.__iter__(value), "tuple", depth)


def _namedtuple_header(cls: type) -> tuple[bytes, int] | None:
    """Tag, typename and field names of a namedtuple class; None if it should go as a plain tuple."""
    fields = getattr(cls, "_fields", None)
    typename = cls.__name__
    if type(fields) is not tuple or len(fields) > _MAX_FIELDS or len(set(fields)) != len(fields):
        return None
    if not all(type(name) is str and _valid_name(name) for name in (typename, *fields)):
        return None
    header = bytearray((_NAMEDTUPLE,))
    _text_body(header, typename)
    _write_len(header, len(fields))
    for name in fields:
        _text_body(header, name)
    return bytes(header), len(fields)


def _enc_set(self: _Encoder, value: Any, depth: int) -> None:
    if not self.ref(value):
        self.head(_SET, set.__len__(value), depth)
        self.values(set.__iter__(value), depth + 1)


def _enc_frozenset(self: _Encoder, value: Any, depth: int) -> None:
    self.head(_FROZENSET, frozenset.__len__(value), depth)
    self.immutable_values(value, frozenset.__iter__(value), "frozenset", depth)


def _enc_mapping(self: _Encoder, value: Any, depth: int, head: bytes, items: Iterable[tuple[Any, Any]]) -> None:
    n = dict.__len__(value)
    self.enter(depth, 2 * n)
    self.out += head
    _write_len(self.out, n)
    self.values(itertools.chain.from_iterable(items), depth + 1)


def _enc_dict(self: _Encoder, value: Any, depth: int) -> None:
    if not self.ref(value):
        _enc_mapping(self, value, depth, b"d", dict.items(value))


def _enc_counter(self: _Encoder, value: Any, depth: int) -> None:
    if not self.ref(value):
        _enc_mapping(self, value, depth, b"C", dict.items(value))


def _enc_ordereddict(self: _Encoder, value: Any, depth: int) -> None:
    if not self.ref(value):  # an OrderedDict's order is its own, which dict.items does not see
        _enc_mapping(self, value, depth, b"O", collections.OrderedDict.items(value))


def _enc_defaultdict(self: _Encoder, value: Any, depth: int) -> None:
    if not self.ref(value):
        factory = _FACTORY_CODES.get(id(_DEFAULT_FACTORY.__get__(value)), 0)  # off the allow-list: None
        _enc_mapping(self, value, depth, bytes((_DEFAULTDICT, factory)), dict.items(value))


def _enc_deque(self: _Encoder, value: Any, depth: int) -> None:
    if self.ref(value):
        return
    items = list(collections.deque.__iter__(value))
    maxlen = _DEQUE_MAXLEN.__get__(value)
    self.enter(depth, len(items))
    self.out.append(_DEQUE)
    _write_len(self.out, 0 if maxlen is None else maxlen + 1)
    _write_len(self.out, len(items))
    self.values(items, depth + 1)


def _enc_range(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_RANGE)
    for n in (value.start, value.stop, value.step):
        _int_body(self.out, n)


# The pickle state is the base type's own bytes, so a subclass's overridden attributes cannot lie.
def _enc_datetime(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_DATETIME)
    self.out += dt.datetime.__reduce_ex__(value, 4)[1][0]  # type: ignore[arg-type]  # the pickle state: bytes
    _write_offset(self.out, dt.datetime.utcoffset(value))


def _enc_date(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_DATE)
    self.out += dt.date.__reduce__(value)[1][0]  # type: ignore[arg-type]  # the pickle state: bytes


def _enc_time(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_TIME)
    self.out += dt.time.__reduce_ex__(value, 4)[1][0]  # type: ignore[arg-type]  # the pickle state: bytes
    _write_offset(self.out, dt.time.utcoffset(value))


def _write_offset(out: bytearray, offset: dt.timedelta | None) -> None:
    """Any tzinfo travels as the fixed offset it gives for this value (a zone name is not sent)."""
    if offset is None:
        out.append(0)
    else:
        out += _OFFSET.pack(1, offset // _MICROSECOND)


def _enc_timedelta(self: _Encoder, value: Any, depth: int) -> None:
    self.out.append(_TIMEDELTA)
    self.out += _TIMEDELTA_FIELDS.pack(*dt.timedelta.__reduce__(value)[1])


def _enc_decimal(self: _Encoder, value: Any, depth: int) -> None:
    text = decimal.Decimal.__str__(value)
    if len(text) > _MAX_DECIMAL_CHARS:
        raise CodecError(f"a Decimal of more than {_MAX_DECIMAL_CHARS} characters")
    self.blob(_DECIMAL, text.encode("ascii"))


def _enc_fraction(self: _Encoder, value: Any, depth: int) -> None:
    numerator = fractions.Fraction.numerator.__get__(value)
    denominator = fractions.Fraction.denominator.__get__(value)
    if max(numerator.bit_length(), denominator.bit_length()) > _MAX_FRACTION_BITS:
        raise CodecError(f"a Fraction with a part over {_MAX_FRACTION_BITS} bits")
    self.out.append(_FRACTION)
    _int_body(self.out, numerator)
    _int_body(self.out, denominator)


def _enc_ndarray(self: _Encoder, value: Any, depth: int) -> None:
    numpy = sys.modules["numpy"]
    plain = numpy.ndarray.view(value, numpy.ndarray)  # a subclass (matrix, masked array) sends its data
    dtype = plain.dtype.str
    if not _DTYPE.fullmatch(dtype):
        _enc_handle(self, value, depth)
        return
    self.blob(_NDARRAY, dtype.encode("ascii"))
    _write_len(self.out, plain.ndim)
    for n in plain.shape:
        _write_len(self.out, n)
    self.raw(memoryview(numpy.ascontiguousarray(plain).reshape(-1).view(numpy.uint8)))  # its bytes in C order


def _enc_numpy_scalar(self: _Encoder, value: Any, depth: int) -> None:
    numpy = sys.modules["numpy"]
    dtype = numpy.generic.dtype.__get__(value).str
    if dtype in ("<U0", "|S0"):  # an empty str_ or bytes_, whose bytes are one NUL element
        dtype = dtype[:-1] + "1"
    if not _DTYPE.fullmatch(dtype):
        _enc_handle(self, value, depth)
        return
    self.blob(_NUMPY_SCALAR, dtype.encode("ascii"))
    self.out += numpy.generic.tobytes(value)


def _enc_handle(self: _Encoder, value: Any, depth: int) -> None:
    if self.ref(value):
        return
    if self.on_other is None:
        raise CodecError(f"a {_type_name(value)} is not plain data, and encode has no on_other to send a handle")
    owner, ident, type_name = self.on_other(value)
    if owner not in ("L", "C") or type(ident) is not int or not 0 <= ident < _MAX_ID or type(type_name) is not str:
        raise CodecError(f"on_other gave an invalid handle for a {_type_name(value)}")
    self.out.append(_HANDLE)
    self.out.append(ord(owner))
    _write_len(self.out, ident)
    _text_body(self.out, type_name[:_MAX_TYPE_NAME])


def _as_base(read: Callable[[Any], object], encoder: _EncodeFn) -> _EncodeFn:
    """An encoder for a subclass of an immutable scalar type: read its value with the base type's method."""
    return lambda self, value, depth: encoder(self, read(value), depth)


_ENCODERS = {
    type(None): _enc_none,
    bool: _enc_bool,
    int: _enc_int,
    float: _enc_float,
    complex: _enc_complex,
    str: _enc_str,
    bytes: _enc_bytes,
    bytearray: _enc_bytearray,
    list: _enc_list,
    tuple: _enc_tuple,
    set: _enc_set,
    frozenset: _enc_frozenset,
    dict: _enc_dict,
    collections.Counter: _enc_counter,
    collections.OrderedDict: _enc_ordereddict,
    collections.defaultdict: _enc_defaultdict,
    collections.deque: _enc_deque,
    range: _enc_range,
    dt.datetime: _enc_datetime,
    dt.date: _enc_date,
    dt.time: _enc_time,
    dt.timedelta: _enc_timedelta,
    decimal.Decimal: _enc_decimal,
    fractions.Fraction: _enc_fraction,
}
# Subclasses of the scalar types: containers' encoders already read through the base type's methods.
_SUBCLASS_ENCODERS = _ENCODERS | {
    int: _as_base(int.__index__, _enc_int),
    float: _as_base(float.__float__, _enc_float),
    complex: _as_base(complex.__complex__, _enc_complex),
    str: _as_base(str.__str__, _enc_str),
    bytes: _as_base(bytes.__bytes__, _enc_bytes),
}


def _class_encoder(cls: type) -> _EncodeFn:
    """The encoder for a type not in _ENCODERS: numpy's, a subclass of a plain type, or a handle."""
    numpy = sys.modules.get("numpy")  # a numpy value cannot exist before numpy is imported
    if numpy is not None and issubclass(cls, (numpy.ndarray, numpy.generic)):
        _register_numpy(numpy)
        if issubclass(cls, numpy.ndarray):
            return _enc_ndarray
        return _enc_numpy_scalar if numpy.dtype(cls).kind in _NUMPY_KINDS else _enc_handle
    for base in cls.__mro__[1:]:
        if base is tuple:
            namedtuple = _namedtuple_header(cls)
            if namedtuple is not None:
                return functools.partial(_enc_namedtuple, header=namedtuple[0], size=namedtuple[1])
        encoder = _SUBCLASS_ENCODERS.get(base)
        if encoder is not None:
            return encoder
    return _enc_handle


def _register_numpy(numpy: Any) -> None:
    """Put numpy's exact types on the fast path once numpy is in use."""
    if numpy.ndarray in _ENCODERS:
        return
    for scalar_type in set(numpy.sctypeDict.values()):
        if numpy.dtype(scalar_type).kind in _NUMPY_KINDS:
            _ENCODERS[scalar_type] = _enc_numpy_scalar
    _ENCODERS[numpy.ndarray] = _enc_ndarray


def encode(
    value: object, *, on_other: Callable[[object], tuple[str, int, str]] | None = None, caps: Caps = CAPS
) -> bytes:
    """Encode plain data; `on_other(value) -> (owner, id, type_name)` turns anything else into a handle."""
    encoder = _Encoder(on_other, caps)
    try:
        (_ENCODERS.get(type(value)) or encoder.encoder_for(value))(encoder, value, 0)
    except RecursionError:
        raise CodecError("nested too deep for the interpreter's stack") from None
    return encoder.result()


# --- decoding -------------------------------------------------------------------------------------


class _Decoder:
    """The state of one decode call: the bytes, the read position, containers made so far, counts."""

    __slots__ = ("data", "pos", "caps", "on_handle", "refs", "nodes", "new_namedtuples")

    def __init__(self, data: bytes, on_handle: Callable[[str, int, str], object] | None, caps: Caps) -> None:
        self.data = data
        self.pos = 0
        self.caps = caps
        self.on_handle = on_handle
        self.refs: list[Any] = []  # mutable containers and handles in the order they start: R tokens index it
        self.nodes = 0
        self.new_namedtuples = 0

    def value(self, depth: int) -> Any:
        tag = self.data[self.pos]  # IndexError at the end of the data: decode reports it as truncated
        self.pos += 1
        return _DECODERS[tag](self, depth)

    def values(self, n: int, depth: int) -> list[Any]:
        """Read n values; short strs and ints inline, as they are most of what is sent (2x faster)."""
        items: list[Any]
        data, decoders, items, pos = self.data, _DECODERS, [], self.pos
        append, end, inline, str_tag = items.append, len(data), (_STR, _INT), _STR
        try:
            for _ in range(n):
                tag = data[pos]
                if tag in inline:
                    size = data[pos + 1]
                    stop = pos + 2 + size
                    if size < 0x80 and stop <= end:
                        if tag == str_tag:
                            append(data[pos + 2 : stop].decode("utf-8", "surrogatepass"))
                        else:
                            append(int.from_bytes(data[pos + 2 : stop], "little", signed=True))
                        pos = stop
                        continue
                self.pos = pos + 1
                append(decoders[tag](self, depth))
                pos = self.pos
        except UnicodeDecodeError:
            raise CodecError("a str that is not UTF-8") from None
        self.pos = pos
        return items

    def enter(self, n: int, depth: int) -> None:
        """Check the caps for a container of n values at this depth, before anything is allocated."""
        if depth >= self.caps.depth:
            raise CodecError(f"nested deeper than {self.caps.depth}")
        self.nodes += n
        if self.nodes > self.caps.nodes:
            raise CodecError(f"more than {self.caps.nodes} values in one message")
        if n > len(self.data) - self.pos:
            raise CodecError(f"a container of {n} values, with fewer bytes left")

    def length(self) -> int:
        data, pos = self.data, self.pos
        n = data[pos]
        pos += 1
        if n >= 0x80:
            n &= 0x7F
            shift = 7
            while True:
                byte = data[pos]
                pos += 1
                n |= (byte & 0x7F) << shift
                if byte < 0x80:
                    break
                shift += 7
                if shift > 63:
                    raise CodecError("a length of more than 64 bits")
        self.pos = pos
        return n

    def skip(self, n: int) -> int:
        """Move past n bytes that must be there; return where they start."""
        start = self.pos
        end = start + n
        if end > len(self.data):
            raise CodecError(f"a length of {n} bytes runs past the end of the data")
        self.pos = end
        return start

    def take(self, n: int) -> bytes:
        start = self.skip(n)
        return self.data[start : start + n]

    def text(self, max_bytes: int, what: str) -> str:
        n = self.length()
        if n > max_bytes:
            raise CodecError(f"a {what} of more than {max_bytes} bytes")
        try:
            return self.take(n).decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise CodecError(f"a {what} that is not UTF-8") from None

    def int_body(self, max_bytes: int | None = None) -> int:
        n = self.length()
        if max_bytes is not None and n > max_bytes:
            raise CodecError(f"an int of more than {max_bytes} bytes")
        return int.from_bytes(self.take(n), "little", signed=True)

    def name(self) -> str:
        name = self.text(4 * _MAX_FIELD_NAME, "namedtuple name")
        if not _valid_name(name):
            raise CodecError(f"{name!r} is not allowed as a namedtuple name")
        return name

    def namedtuple_class(self, typename: str, fields: tuple[str, ...]) -> type:
        cls = _NAMEDTUPLE_CLASSES.get((typename, fields))
        if cls is not None:
            return cls
        self.new_namedtuples += 1
        if self.new_namedtuples > _MAX_NEW_NAMEDTUPLES:
            raise CodecError(f"more than {_MAX_NEW_NAMEDTUPLES} new namedtuple types in one message")
        try:
            cls = cast(type, collections.namedtuple(typename, fields))  # names known only at run time
        except (ValueError, SyntaxError) as exc:  # SyntaxError: names equal once NFKC-normalized
            raise CodecError(f"namedtuple {typename!r} refused: {exc}") from None
        if len(_NAMEDTUPLE_CLASSES) >= _MAX_CACHED_NAMEDTUPLES:
            _NAMEDTUPLE_CLASSES.pop(next(iter(_NAMEDTUPLE_CLASSES)), None)
        _NAMEDTUPLE_CLASSES[typename, fields] = cls
        return cls

    def timezone(self) -> dt.timezone | None:
        flag = self.take(1)[0]
        if flag == 0:
            return None
        if flag != 1:
            raise CodecError(f"a timezone flag 0x{flag:02x}, not 0 or 1")
        offset = _I64.unpack(self.take(8))[0]
        try:
            return dt.timezone(dt.timedelta(microseconds=offset))
        except (ValueError, OverflowError):
            raise CodecError("a UTC offset of a day or more") from None

    def dtype(self, numpy: Any) -> Any:
        text = self.text(16, "dtype")
        if not _DTYPE.fullmatch(text):
            raise CodecError(f"dtype {text!r} is not allowed")
        try:
            return numpy.dtype(text)
        except (TypeError, ValueError):  # e.g. f16 without long double, or U999999999 too big
            raise CodecError(f"dtype {text!r} is not available here") from None


def _dec_unknown(self: _Decoder, depth: int) -> Any:
    raise CodecError(f"unknown tag byte 0x{self.data[self.pos - 1]:02x} at offset {self.pos - 1}")


def _dec_none(self: _Decoder, depth: int) -> Any:
    return None


def _dec_true(self: _Decoder, depth: int) -> Any:
    return True


def _dec_false(self: _Decoder, depth: int) -> Any:
    return False


def _dec_int(self: _Decoder, depth: int) -> Any:
    data, pos = self.data, self.pos
    n = data[pos]
    if n < 0x80:
        end = pos + 1 + n
        if end > len(data):
            raise CodecError(f"a length of {n} bytes runs past the end of the data")
        self.pos = end
        return int.from_bytes(data[pos + 1 : end], "little", signed=True)
    return self.int_body()


def _dec_float(self: _Decoder, depth: int) -> Any:
    return _F64.unpack(self.take(8))[0]


def _dec_complex(self: _Decoder, depth: int) -> Any:
    return complex(*_F64_PAIR.unpack(self.take(16)))


def _dec_str(self: _Decoder, depth: int) -> Any:
    try:
        return self.take(self.length()).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise CodecError("a str that is not UTF-8") from None


def _dec_bytes(self: _Decoder, depth: int) -> Any:
    return self.take(self.length())


def _dec_bytearray(self: _Decoder, depth: int) -> Any:
    value = bytearray(self.take(self.length()))
    self.refs.append(value)
    return value


def _dec_list(self: _Decoder, depth: int) -> Any:
    n = self.length()
    self.enter(n, depth)
    value: list[Any] = []
    self.refs.append(value)  # before the items, which may refer back to it
    value += self.values(n, depth + 1)
    return value


def _dec_packed(self: _Decoder, depth: int, code: str) -> list[Any]:
    n = self.length()
    self.enter(n, depth)
    packed = array(code)
    packed.frombytes(self.take(8 * n))
    if _BIG_ENDIAN:
        packed.byteswap()
    value = packed.tolist()
    self.refs.append(value)
    return value


def _dec_tuple(self: _Decoder, depth: int) -> Any:
    n = self.length()
    self.enter(n, depth)
    return tuple(self.values(n, depth + 1))


def _insert(keys: list[Any], insert: Callable[[], _T], what: str) -> _T:
    """Return insert(), which puts `keys` in a dict or set, once they are checked.

    Any error hashing them (an unhashable key, a proxy whose __hash__ or __eq__ raises) becomes a
    CodecError, and keys crafted to share one hash are refused: inserting n of those costs n**2.
    Honest keys are distinct, and distinct values almost never share a hash.
    """
    try:
        shared = max(collections.Counter(map(hash, keys)).values()) if len(keys) > _MAX_SHARED_HASH else 0
    except Exception as exc:
        raise CodecError(f"a {what} cannot be hashed: {type(exc).__name__}") from None
    if shared > _MAX_SHARED_HASH:
        raise CodecError(f"{shared} {what}s share one hash")
    try:
        return insert()
    except Exception as exc:
        raise CodecError(f"a {what} cannot be hashed: {type(exc).__name__}") from None


def _dec_set(self: _Decoder, depth: int) -> Any:
    n = self.length()
    self.enter(n, depth)
    value: set[Any] = set()
    self.refs.append(value)
    items = self.values(n, depth + 1)
    _insert(items, lambda: value.update(items), "set item")
    return value


def _dec_frozenset(self: _Decoder, depth: int) -> Any:
    n = self.length()
    self.enter(n, depth)
    items = self.values(n, depth + 1)
    return _insert(items, lambda: frozenset(items), "frozenset item")


def _fill_mapping(self: _Decoder, depth: int, mapping: _M) -> _M:
    n = self.length()
    self.enter(2 * n, depth)
    self.refs.append(mapping)
    items = self.values(2 * n, depth + 1)
    keys = items[0::2]
    # dict.update, not Counter.update (it would count the pairs); OrderedDict keeps its own order list
    update = collections.OrderedDict.update if type(mapping) is collections.OrderedDict else dict.update
    _insert(keys, lambda: update(mapping, zip(keys, items[1::2], strict=True)), "dict key")
    return mapping


def _dec_dict(self: _Decoder, depth: int) -> Any:
    return _fill_mapping(self, depth, {})


def _dec_counter(self: _Decoder, depth: int) -> Any:
    return _fill_mapping(self, depth, collections.Counter())


def _dec_ordereddict(self: _Decoder, depth: int) -> Any:
    return _fill_mapping(self, depth, collections.OrderedDict())


def _dec_defaultdict(self: _Decoder, depth: int) -> Any:
    code = self.take(1)[0]
    if code >= len(_FACTORIES):
        raise CodecError(f"defaultdict factory {code} is not on the allow-list")
    return _fill_mapping(self, depth, collections.defaultdict(_FACTORIES[code]))


def _dec_deque(self: _Decoder, depth: int) -> Any:
    maxlen = self.length() - 1
    if maxlen > sys.maxsize:
        raise CodecError("a deque maxlen over sys.maxsize")
    n = self.length()
    self.enter(n, depth)
    value: collections.deque[Any] = collections.deque(maxlen=None if maxlen < 0 else maxlen)
    self.refs.append(value)
    value.extend(self.values(n, depth + 1))
    return value


def _dec_namedtuple(self: _Decoder, depth: int) -> Any:
    typename = self.name()
    k = self.length()
    if k > _MAX_FIELDS:
        raise CodecError(f"a namedtuple of more than {_MAX_FIELDS} fields")
    self.enter(k, depth)
    fields = tuple([self.name() for _ in range(k)])
    if len(set(fields)) != k:
        raise CodecError(f"namedtuple {typename!r} repeats a field name")
    cls = self.namedtuple_class(typename, fields)
    return tuple.__new__(cls, self.values(k, depth + 1))


def _dec_range(self: _Decoder, depth: int) -> Any:
    start, stop, step = self.int_body(), self.int_body(), self.int_body()
    if step == 0:
        raise CodecError("a range with step 0")
    return range(start, stop, step)


def _dec_datetime(self: _Decoder, depth: int) -> Any:
    s = self.take(10)
    tz = self.timezone()
    try:
        return dt.datetime(
            s[0] << 8 | s[1], s[2] & 0x7F, s[3], s[4], s[5], s[6], s[7] << 16 | s[8] << 8 | s[9], tz, fold=s[2] >> 7
        )
    except ValueError as exc:
        raise CodecError(f"an invalid datetime: {exc}") from None


def _dec_date(self: _Decoder, depth: int) -> Any:
    s = self.take(4)
    try:
        return dt.date(s[0] << 8 | s[1], s[2], s[3])
    except ValueError as exc:
        raise CodecError(f"an invalid date: {exc}") from None


def _dec_time(self: _Decoder, depth: int) -> Any:
    s = self.take(6)
    tz = self.timezone()
    try:
        return dt.time(s[0] & 0x7F, s[1], s[2], s[3] << 16 | s[4] << 8 | s[5], tz, fold=s[0] >> 7)
    except ValueError as exc:
        raise CodecError(f"an invalid time: {exc}") from None


def _dec_timedelta(self: _Decoder, depth: int) -> Any:
    try:
        return dt.timedelta(*_TIMEDELTA_FIELDS.unpack(self.take(12)))
    except OverflowError:
        raise CodecError("a timedelta out of range") from None


def _dec_decimal(self: _Decoder, depth: int) -> Any:
    text = self.text(_MAX_DECIMAL_CHARS, "Decimal")
    if not _DECIMAL_TEXT.fullmatch(text):
        raise CodecError("a Decimal that is not in Decimal's own str form")
    try:
        return decimal.Decimal(text)
    except (ArithmeticError, ValueError):
        raise CodecError("a Decimal out of range") from None


def _dec_fraction(self: _Decoder, depth: int) -> Any:
    max_bytes = _MAX_FRACTION_BITS // 8 + 1
    numerator, denominator = self.int_body(max_bytes), self.int_body(max_bytes)
    if denominator <= 0:
        raise CodecError("a Fraction whose denominator is not positive")
    return fractions.Fraction(numerator, denominator)


def _import_numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise CodecError("a numpy value, and numpy is not installed here") from None
    return numpy


def _check_numpy_raw(numpy: Any, dtype: Any, raw: Any) -> None:
    """Refuse element bytes numpy would take but not handle: bools other than 0/1, non-code points."""
    if dtype.kind == "b" and len(raw) and numpy.frombuffer(raw, numpy.uint8).max() > 1:
        raise CodecError("a numpy bool that is neither 0 nor 1")
    if dtype.kind == "U" and len(raw) and numpy.frombuffer(raw, dtype.str[0] + "u4").max() > 0x10FFFF:
        raise CodecError("a numpy str with a code point over U+10FFFF")


def _dec_ndarray(self: _Decoder, depth: int) -> Any:
    numpy = _import_numpy()
    dtype = self.dtype(numpy)
    ndim = self.length()
    if ndim > _MAX_NDIM:
        raise CodecError(f"an ndarray of more than {_MAX_NDIM} dimensions")
    shape = tuple([self.length() for _ in range(ndim)])
    size = math.prod(shape) * dtype.itemsize
    start = self.skip(size)
    raw = memoryview(self.data)[start : start + size]  # no copy here: numpy copies below
    _check_numpy_raw(numpy, dtype, raw)
    try:
        if size == 0:
            return numpy.empty(shape, dtype)
        return numpy.frombuffer(raw, dtype).reshape(shape).copy()  # writable, and owns its data
    except (ValueError, OverflowError, MemoryError) as exc:  # e.g. an empty array numpy finds too big
        raise CodecError(f"an ndarray numpy refused: {str(exc)[:200]}") from None


def _dec_numpy_scalar(self: _Decoder, depth: int) -> Any:
    numpy = _import_numpy()
    dtype = self.dtype(numpy)
    raw = self.take(dtype.itemsize)
    _check_numpy_raw(numpy, dtype, raw)
    return numpy.frombuffer(raw, dtype)[0]


def _dec_handle(self: _Decoder, depth: int) -> Any:
    owner = self.take(1)[0]
    if owner not in _OWNERS:
        raise CodecError(f"a handle owner byte 0x{owner:02x}, not L or C")
    ident = self.length()
    if ident >= _MAX_ID:
        raise CodecError("a handle id over 2**63")
    type_name = self.text(4 * _MAX_TYPE_NAME, "handle type name")
    if len(type_name) > _MAX_TYPE_NAME:
        raise CodecError(f"a handle type name over {_MAX_TYPE_NAME} characters")
    if self.on_handle is None:
        raise CodecError("a handle, and decode has no on_handle to make its proxy")
    try:
        proxy = self.on_handle(chr(owner), ident, type_name)
    except CodecError:
        raise
    except Exception as exc:
        raise CodecError(f"on_handle refused handle {chr(owner)}{ident}: {type(exc).__name__}: {exc}") from exc
    self.refs.append(proxy)
    return proxy


def _dec_ref(self: _Decoder, depth: int) -> Any:
    index = self.length()
    if index >= len(self.refs):
        raise CodecError(f"a reference to container {index}, which is not in the message yet")
    return self.refs[index]


_DECODERS = [_dec_unknown] * 256
for _tag, _decoder in {
    _NONE: _dec_none,
    _TRUE: _dec_true,
    _FALSE: _dec_false,
    _INT: _dec_int,
    _FLOAT: _dec_float,
    _COMPLEX: _dec_complex,
    _STR: _dec_str,
    _BYTES: _dec_bytes,
    _BYTEARRAY: _dec_bytearray,
    _LIST: _dec_list,
    _INTS: functools.partial(_dec_packed, code="q"),
    _FLOATS: functools.partial(_dec_packed, code="d"),
    _TUPLE: _dec_tuple,
    _SET: _dec_set,
    _FROZENSET: _dec_frozenset,
    _DICT: _dec_dict,
    _COUNTER: _dec_counter,
    _ORDEREDDICT: _dec_ordereddict,
    _DEFAULTDICT: _dec_defaultdict,
    _DEQUE: _dec_deque,
    _NAMEDTUPLE: _dec_namedtuple,
    _RANGE: _dec_range,
    _DATETIME: _dec_datetime,
    _DATE: _dec_date,
    _TIME: _dec_time,
    _TIMEDELTA: _dec_timedelta,
    _DECIMAL: _dec_decimal,
    _FRACTION: _dec_fraction,
    _NDARRAY: _dec_ndarray,
    _NUMPY_SCALAR: _dec_numpy_scalar,
    _HANDLE: _dec_handle,
    _REF: _dec_ref,
}.items():
    _DECODERS[_tag] = _decoder  # type: ignore[call-overload]  # functions and partials join to object


def decode(data: bytes, *, on_handle: Callable[[str, int, str], object] | None = None, caps: Caps = CAPS) -> object:
    """Decode one value; `on_handle(owner, id, type_name)` makes the proxy for each handle.

    Any bytes at all give a value or a CodecError. An exception of another kind would be a bug in this
    decoder: it still comes out as a CodecError, whose message starts "decoder bug" (the tests look for it).
    """
    if type(data) is not bytes:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise CodecError(f"decode takes bytes, not {_type_name(data)}")
        data = bytes(data)
    if len(data) > caps.bytes:
        raise CodecError(f"a message of {len(data)} bytes, over the cap of {caps.bytes}")
    decoder = _Decoder(data, on_handle, caps)
    try:
        value = decoder.value(0)
    except CodecError:
        raise
    except IndexError:
        raise CodecError("truncated: the data ends inside a value") from None
    except RecursionError:
        raise CodecError("nested too deep for the interpreter's stack") from None
    except MemoryError:
        raise CodecError("out of memory while decoding") from None
    except Exception as exc:
        raise CodecError(f"decoder bug on malformed data: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if decoder.pos != len(data):
        raise CodecError(f"{len(data) - decoder.pos} bytes of trailing garbage after the value")
    return value
