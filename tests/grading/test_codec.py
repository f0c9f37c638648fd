"""The checker <-> kernel codec: exact round trips, subclasses, aliasing, handles, and hostile bytes."""

from __future__ import annotations

import ast
import collections
import datetime as dt
import decimal
import enum
import fractions
import struct
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grading import codec
from grading.codec import CAPS, Caps, CodecError, decode, encode

HYPOTHESIS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
Point = collections.namedtuple("Point", "x y")


def same(a, b) -> bool:
    """Equal with exactly the same types all the way down; NaN equals NaN, -0.0 differs from 0.0.

    Namedtuples match by name and fields: decode makes its own class.
    """
    if hasattr(type(a), "_fields") and hasattr(type(b), "_fields"):
        return type(a).__name__ == type(b).__name__ and type(a)._fields == type(b)._fields and same(tuple(a), tuple(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, np.ndarray | np.generic):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, decimal.Decimal | dt.date | dt.time):
        return repr(a) == repr(b)  # Decimal('NaN') != itself; repr shows tzinfo and fold
    if isinstance(a, list | tuple | collections.deque):
        return getattr(a, "maxlen", None) == getattr(b, "maxlen", None) and (
            len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict):
        return getattr(a, "default_factory", None) == getattr(b, "default_factory", None) and (
            len(a) == len(b) and all(same(x, y) for x, y in zip(a.items(), b.items(), strict=True))
        )
    if isinstance(a, set | frozenset):
        return a == b and all(any(same(x, y) for y in b) for x in a)
    return a == b


def round_trip(value, caps: Caps = CAPS):
    return decode(encode(value, caps=caps), caps=caps)


def varint(n: int) -> bytes:
    out = bytearray()
    codec._write_len(out, n)
    return bytes(out)


def text(value: str) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    return varint(len(data)) + data


# --- round trips ----------------------------------------------------------------------------------

NAN_WITH_PAYLOAD = struct.unpack("<d", b"\x01\x00\x00\x00\x00\x00\xf8\xff")[0]

EXACT_VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    127,
    128,
    -128,
    -129,
    2**63,
    -(2**63) - 1,
    10**10_000,
    -(7**20_000),
    0.0,
    -0.0,
    1.5,
    float("inf"),
    float("-inf"),
    float("nan"),
    NAN_WITH_PAYLOAD,
    complex(1, float("nan")),
    complex(-0.0, float("inf")),
    "",
    "abc",
    "\ud800",
    "a\udfffb\U0001f600",
    "é" * 500,
    b"",
    b"\x00\xff" * 100,
    bytearray(b""),
    bytearray(b"xyz"),
    [],
    [1, 2, 3],
    list(range(-50, 50)),
    [2**70] * 20,
    [0.5, -0.0, float("nan")] * 10,
    [1, 2.0] * 10,
    [True] * 20,
    (),
    (1, (2, (3,))),
    set(),
    {1, "a", (2, 3)},
    frozenset(),
    frozenset({1, frozenset({2})}),
    {},
    {"a": 1, 2: [3], (4, 5): {"b": None}, None: 1.5},
    collections.Counter(),
    collections.Counter("mississippi"),
    collections.OrderedDict([("b", 1), ("a", 2)]),
    collections.defaultdict(list, {"k": [1]}),
    collections.defaultdict(None),
    collections.defaultdict(collections.Counter),
    collections.deque(),
    collections.deque([1, 2, 3], maxlen=3),
    collections.deque(maxlen=0),
    range(0),
    range(1, 10, 3),
    range(-(10**30), 10**30, 7),
    dt.datetime(2024, 2, 29, 23, 59, 58, 999_999),
    dt.datetime(1, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
    dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
    dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=23, seconds=59, microseconds=9))),
    dt.datetime(2021, 11, 7, 1, 30, fold=1),
    dt.date(2024, 2, 29),
    dt.time(),
    dt.time(23, 59, 59, 999_999, tzinfo=dt.timezone(dt.timedelta(hours=2)), fold=1),
    dt.timedelta(),
    dt.timedelta(days=-999_999_999),
    dt.timedelta(days=3, seconds=4, microseconds=5),
    decimal.Decimal("NaN"),
    decimal.Decimal("-sNaN17"),
    decimal.Decimal("-0.00"),
    decimal.Decimal("1e-30"),
    decimal.Decimal("-Infinity"),
    decimal.Decimal("123456789.123456789e+999"),
    fractions.Fraction(0),
    fractions.Fraction(-3, 7),
    fractions.Fraction(10**50, 3),
]


@pytest.mark.parametrize("value", EXACT_VALUES, ids=lambda v: type(v).__name__)
def test_plain_values_round_trip_with_exact_types(value):
    assert same(round_trip(value), value)


def test_large_buffers_keep_their_place_in_the_message():
    shared = list(range(10_000))
    value = [b"a" * 100_000, np.arange(20_000.0), "tail" * 20_000, shared, {"k": shared}, bytearray(70_000), None]
    got = round_trip(value)
    assert same(got, value) and got[3] is got[4]["k"]


def test_float_bits_are_kept_exactly():
    for value in (NAN_WITH_PAYLOAD, -float("nan"), -0.0, 5e-324):
        assert struct.pack("<d", round_trip(value)) == struct.pack("<d", value)


def test_huge_ints_do_not_touch_the_str_digit_limit():
    value = -(10**100_000) + 1
    assert round_trip(value) == value


def test_namedtuple_arrives_as_a_checker_made_namedtuple():
    class Learner(collections.namedtuple("Score", "name points")):
        def total(self):
            return "not sent"

    got = round_trip([Point(1, 2), Learner("ada", 3), Point(3, [4])])
    assert [type(p).__name__ for p in got] == ["Point", "Learner", "Point"]  # a subclass sends its own name
    assert got[0]._fields == ("x", "y") and got[0] == (1, 2) and got[0].y == 2
    assert got[1]._fields == ("name", "points") and got[1].points == 3 and not hasattr(got[1], "total")
    assert type(got[0]) is not Point and type(got[0]) is type(got[2])  # made by the checker, cached
    assert type(got[0]) is type(round_trip(Point(5, 6)))


def test_typing_namedtuple_and_ones_decode_cannot_rebuild_arrive_as_tuples():
    from typing import NamedTuple

    class Pair(NamedTuple):
        left: int
        right: int = 0

    assert round_trip(Pair(1)).right == 0
    renamed = collections.namedtuple("Renamed", ["ok", "def"], rename=True)  # a field "_1"
    assert same(round_trip(renamed(1, 2)), (1, 2))
    private = collections.namedtuple("_Private", "a")
    assert same(round_trip(private(1)), (1,))


NUMPY_ARRAYS = [
    np.array([True, False]),
    *(np.arange(-3, 3, dtype=kind) for kind in ("i1", "i2", "i4", "i8")),
    *(np.arange(0, 6, dtype=kind) for kind in ("u1", "u2", "u4", "u8")),
    *(np.array([1.5, -0.0, np.nan, np.inf], dtype=kind) for kind in ("f2", "f4", "f8", np.longdouble)),
    *(np.array([1 + 2j, complex(np.nan, -0.0)], dtype=kind) for kind in ("c8", "c16", np.clongdouble)),
    np.array([b"ab", b"", b"x\x00y"]),
    np.array(["ab", "", "\U0001f600"]),
    np.array(["2020-01-01T00:00:00.123456789", "NaT"], dtype="M8[ns]"),
    np.array(["2020-01-01", "1970-01-01"], dtype="M8[D]"),
    np.array([1, -2], dtype="m8[s]"),
    np.array([1, 2], dtype="M8[10ms]"),
    np.array([1, 2], dtype=">i4"),
    np.array([1.5], dtype=">f8"),
    np.array(3.5),
    np.array("x"),
    np.zeros((0,)),
    np.zeros((3, 0, 2), dtype="U4"),
    np.arange(24.0).reshape(2, 3, 4),
    np.arange(24).reshape(4, 6)[:, ::2],
    np.asfortranarray(np.arange(6).reshape(2, 3)),
]


@pytest.mark.parametrize("array", NUMPY_ARRAYS, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_numpy_arrays_round_trip_as_writable_base_ndarrays(array):
    got = round_trip(array)
    assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == array.shape
    assert got.tobytes() == array.tobytes()
    assert got.flags.writeable and got.flags.owndata and got.flags.c_contiguous


NUMPY_SCALARS = [
    np.bool_(True),
    np.int8(-5),
    np.uint8(200),
    np.int16(-300),
    np.uint16(60000),
    np.int32(-(2**31)),
    np.uint32(2**32 - 1),
    np.int64(-(2**63)),
    np.uint64(2**64 - 1),
    np.float16(1.5),
    np.float32(np.nan),
    np.float64(-0.0),
    np.longdouble(1) / 3,
    np.complex64(1 - 2j),
    np.complex128(complex(np.nan, 1)),
    np.str_("héllo"),
    np.str_(""),
    np.bytes_(b"ab"),
    np.bytes_(b""),
    np.datetime64("2020-01-02T03:04:05", "s"),
    np.datetime64("NaT"),
    np.timedelta64(5, "ms"),
]


@pytest.mark.parametrize("scalar", NUMPY_SCALARS, ids=lambda s: type(s).__name__)
def test_numpy_scalars_keep_their_dtype(scalar):
    got = round_trip(scalar)
    assert same(got, scalar)


# --- property tests of plain data -----------------------------------------------------------------

texts = st.text(st.characters() | st.characters(categories=["Cs"]), max_size=20)
hashable_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=False)
    | texts
    | st.binary(max_size=20)
    | st.fractions()
    | st.decimals(allow_nan=False)
    | st.dates()
    | st.timedeltas()
)
timezones = st.none() | st.builds(
    dt.timezone, st.timedeltas(min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23))
)
scalars = (
    hashable_scalars
    | st.floats()
    | st.complex_numbers(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.builds(bytearray, st.binary(max_size=10))
    | st.datetimes(timezones=timezones)
    | st.times(timezones=timezones)
    | st.builds(range, st.integers(), st.integers(), st.integers().filter(bool))
    | hnp.arrays(
        st.sampled_from(["?", "i1", "u2", "<i8", ">f4", "f8", "c16", "S3", "U2", "M8[us]", "m8[D]"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    )
    | hnp.from_dtype(np.dtype("f8"))
)
hashables = st.recursive(hashable_scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3))
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), min_size=16, max_size=40)
        | st.lists(st.floats(), min_size=16, max_size=40)
        | st.tuples(inner, inner)
        | st.sets(hashables, max_size=4)
        | st.frozensets(hashables, max_size=4)
        | st.dictionaries(hashables, inner, max_size=4)
        | st.builds(collections.OrderedDict, st.dictionaries(hashables, inner, max_size=4))
        | st.builds(collections.Counter, st.dictionaries(texts, st.integers(), max_size=4))
        | st.builds(
            collections.defaultdict,
            st.sampled_from(codec._FACTORIES),
            st.dictionaries(hashables, inner, max_size=3),
        )
        | st.builds(collections.deque, st.lists(inner, max_size=4), st.none() | st.integers(4, 10))
        | st.builds(Point, inner, inner)
    ),
    max_leaves=12,
)


@HYPOTHESIS
@given(plain)
def test_any_plain_value_round_trips(value):
    assert same(round_trip(value), value)


@HYPOTHESIS
@given(plain)
def test_re_encoding_a_decoded_value_gives_the_same_bytes(value):
    data = encode(value)
    assert _has_unordered(value) or encode(decode(data)) == data


def _has_unordered(value) -> bool:
    """Sets, and anything holding one, may iterate in another order once rebuilt."""
    if isinstance(value, set | frozenset):
        return True
    if isinstance(value, dict):
        return any(_has_unordered(k) or _has_unordered(v) for k, v in value.items())
    if isinstance(value, list | tuple | collections.deque):
        return any(_has_unordered(item) for item in value)
    return False


# --- subclasses -----------------------------------------------------------------------------------
# Every plain type is read through its base type's own methods (list.copy, dict.items, tuple.__iter__,
# int.__index__, str.__str__, bytes.__bytes__, the datetime pickle state, ndarray.view...), so overriding
# __iter__, __len__, items, __index__, __str__ and the like cannot change what is sent. Best effort only:
# a namedtuple's typename and _fields are whatever its class says (invalid ones go as a plain tuple), a
# tzinfo's utcoffset is called, and a numpy subclass sends the ndarray its view gives.


class LyingList(list):
    def __iter__(self):
        return iter(["lie"])

    def __len__(self):
        return 99

    def __eq__(self, other):
        return True

    __hash__ = None


class LyingDict(dict):
    def items(self):
        return [("lie", 1)]

    def keys(self):
        return ["lie"]

    def __iter__(self):
        return iter(["lie"])

    def __getitem__(self, key):
        return "lie"

    def __len__(self):
        return 0


class LyingTuple(tuple):
    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0


class LyingSet(set):
    def __iter__(self):
        return iter(["lie"])


class LyingInt(int):
    def __index__(self):
        return 7

    def __int__(self):
        return 7


class LyingFloat(float):
    def __float__(self):
        return 7.0


class LyingStr(str):
    def __str__(self):
        return "lie"

    def encode(self, *args):
        return b"lie"


class LyingBytes(bytes):
    def __bytes__(self):
        return b"lie"


class LyingOrderedDict(collections.OrderedDict):
    def items(self):
        return [("lie", 1)]


class LyingDeque(collections.deque):
    def __iter__(self):
        return iter(["lie"])

    maxlen = 99


class LyingDecimal(decimal.Decimal):
    def __str__(self):
        return "7"

    def as_tuple(self):
        return decimal.Decimal(7).as_tuple()


class LyingFraction(fractions.Fraction):
    @property
    def numerator(self):
        return 7


class LyingDatetime(dt.datetime):
    @property
    def year(self):
        return 1999


class Color(enum.IntEnum):
    RED = 1


def _matrix(rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(rows)


SUBCLASS_CASES = [
    (LyingList([1, 2]), [1, 2]),
    (LyingDict({"a": 1}), {"a": 1}),
    (LyingTuple((1, 2)), (1, 2)),
    (LyingSet({1}), {1}),
    (frozenset.__new__(type("MyFrozen", (frozenset,), {}), {1}), frozenset({1})),
    (LyingInt(5), 5),
    (LyingFloat(2.5), 2.5),
    (type("MyComplex", (complex,), {})(1, 2), complex(1, 2)),
    (LyingStr("real"), "real"),
    (LyingBytes(b"real"), b"real"),
    (type("MyBytearray", (bytearray,), {})(b"real"), bytearray(b"real")),
    (type("MyCounter", (collections.Counter,), {})("aab"), collections.Counter("aab")),
    (LyingDeque([1, 2], maxlen=3), collections.deque([1, 2], maxlen=3)),
    (type("MyDefault", (collections.defaultdict,), {})(list, {1: [2]}), collections.defaultdict(list, {1: [2]})),
    (LyingDecimal("1.50"), decimal.Decimal("1.50")),
    (LyingFraction(3, 4), fractions.Fraction(3, 4)),
    (LyingDatetime(2020, 5, 6, tzinfo=dt.UTC), dt.datetime(2020, 5, 6, tzinfo=dt.UTC)),
    (Color.RED, 1),
    (_matrix([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]])),
    (np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0]), np.array([1.0, 2.0, 3.0])),
]


@pytest.mark.parametrize(("value", "expected"), SUBCLASS_CASES, ids=lambda v: type(v).__name__)
def test_subclasses_arrive_as_their_base_type_with_their_real_contents(value, expected):
    assert same(round_trip(value), expected)


def test_ordereddict_subclass_keeps_its_own_order():
    od = LyingOrderedDict([("a", 1), ("b", 2), ("c", 3)])
    od.move_to_end("a")
    got = round_trip(od)
    assert type(got) is collections.OrderedDict and list(got.items()) == [("b", 2), ("c", 3), ("a", 1)]


def test_defaultdict_factory_off_the_allow_list_is_sent_as_none():
    got = round_trip(collections.defaultdict(lambda: 0, {"a": 1}))
    assert type(got) is collections.defaultdict and got.default_factory is None and got == {"a": 1}


def test_tzinfo_that_is_not_a_timezone_travels_as_its_fixed_offset():
    class Eastern(dt.tzinfo):
        def utcoffset(self, when):
            return dt.timedelta(hours=-5)

        def dst(self, when):
            return dt.timedelta(0)

    got = round_trip(dt.datetime(2020, 1, 1, 12, tzinfo=Eastern()))
    assert got.tzinfo == dt.timezone(dt.timedelta(hours=-5)) and got.hour == 12


# --- aliasing and cycles --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        list,
        dict,
        set,
        bytearray,
        collections.deque,
        collections.Counter,
        collections.OrderedDict,
        lambda: collections.defaultdict(list),
        lambda: list(range(100)),  # the packed fast path is aliased too
    ],
)
def test_the_same_mutable_container_twice_arrives_as_one_object(make):
    shared = make()
    got = round_trip([shared, (shared,), {"k": shared}])
    assert got[0] is got[1][0] is got[2]["k"]
    assert type(got[0]) is type(shared)


def test_equal_but_distinct_containers_stay_distinct():
    got = round_trip([[1], [1]])
    assert got[0] == got[1] and got[0] is not got[1]


def test_cycles_through_mutable_containers_are_rebuilt():
    loop: list = []
    loop.append(loop)
    got = round_trip(loop)
    assert got[0] is got

    d: dict = {"name": "d"}
    d["self"] = [d, (d,)]
    got = round_trip(d)
    assert got["self"][0] is got and got["self"][1][0] is got

    q: collections.deque = collections.deque()
    q.append(q)
    got = round_trip(q)
    assert got[0] is got


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: _cycle(lambda inner: (inner,)), "tuple"),
        (lambda: _cycle(lambda inner: Point(inner, 1)), "tuple"),
        (lambda: _cycle(lambda inner: (1, {"x": inner})), "tuple"),
        (lambda: _cycle(lambda inner: frozenset({HashableTuple((inner,))})), "frozenset"),
    ],
)
def test_a_cycle_through_an_immutable_container_fails_at_encode(make, kind):
    with pytest.raises(CodecError, match=f"a cycle through a {kind} cannot be sent"):
        encode(make())


class HashableTuple(tuple):
    """Hashable even when it holds a list: the one way a frozenset can sit on a cycle."""

    def __hash__(self):
        return 0


def _cycle(wrap):
    inner: list = []
    outer = wrap(inner)
    inner.append(outer)
    return outer


# --- handles --------------------------------------------------------------------------------------


class Registry:
    """What the checker's RPC layer does: an id per object, proxies for ids."""

    def __init__(self):
        self.objects: list = []
        self.calls: list = []

    def on_other(self, value):
        self.objects.append(value)
        return "L", len(self.objects) - 1, type(value).__qualname__

    def on_handle(self, owner, ident, type_name):
        self.calls.append((owner, ident, type_name))
        return types.SimpleNamespace(owner=owner, ident=ident, type_name=type_name)


class Widget:
    pass


def _generator():
    yield 1


def test_values_that_are_not_plain_data_travel_as_handles():
    registry = Registry()
    widget, gen = Widget(), _generator()
    value = [widget, len, gen, widget, enum.Enum("E", "A").A, np.array([object()]), sys]
    got = decode(encode(value, on_other=registry.on_other), on_handle=registry.on_handle)
    assert registry.objects[:3] == [widget, len, gen]
    assert registry.calls[:3] == [("L", 0, "Widget"), ("L", 1, "builtin_function_or_method"), ("L", 2, "generator")]
    assert got[0] is got[3] and len(registry.calls) == 6  # one handle, one proxy, for the object met twice
    assert [p.type_name for p in got[4:]] == ["E", "ndarray", "module"]


def test_without_on_other_a_value_that_is_not_plain_data_is_refused():
    with pytest.raises(CodecError, match="Widget is not plain data"):
        encode({"a": [Widget()]})


def test_on_other_must_give_a_valid_handle():
    for bad in [("X", 1, "T"), ("L", -1, "T"), ("L", 2**63, "T"), ("L", 1.0, "T"), ("L", 1, None)]:
        with pytest.raises(CodecError, match="invalid handle"):
            encode(Widget(), on_other=lambda value, bad=bad: bad)


def test_handle_type_names_are_capped_at_200_characters():
    got = decode(encode(Widget(), on_other=lambda v: ("C", 5, "T" * 1000)), on_handle=lambda *fields: fields)
    assert got == ("C", 5, "T" * 200)


def test_a_handle_without_on_handle_is_refused_at_decode():
    data = encode(Widget(), on_other=lambda v: ("L", 1, "Widget"))
    with pytest.raises(CodecError, match="no on_handle"):
        decode(data)


@pytest.mark.parametrize(
    "token",
    [
        b"HX" + varint(1) + text("T"),
        b"HL" + varint(2**63) + text("T"),
        b"HL" + varint(1) + text("T" * 201),
        b"HL" + varint(1) + b"\x02\xff\xfe",
        b"HL" + b"\xff" * 11,
    ],
)
def test_invalid_handle_tokens_are_refused_before_on_handle_is_called(token):
    calls = []
    with pytest.raises(CodecError):
        decode(token, on_handle=lambda *fields: calls.append(fields))
    assert calls == []


def test_on_handle_failures_become_codec_errors():
    def refuse(owner, ident, type_name):
        raise KeyError(ident)

    with pytest.raises(CodecError, match="on_handle refused handle C7"):
        decode(b"HC" + varint(7) + text("T"), on_handle=refuse)


class Unhashable:
    def __hash__(self):
        raise TypeError("unhashable proxy")


@pytest.mark.parametrize("container", [b"e\x01", b"z\x01", b"d\x01"])
def test_unhashable_proxies_as_keys_are_refused(container):
    data = container + b"HL" + varint(1) + text("T") + (b"N" if container == b"d\x01" else b"")
    with pytest.raises(CodecError, match="cannot be hashed"):
        decode(data, on_handle=lambda *fields: Unhashable())


# --- caps -----------------------------------------------------------------------------------------


def _nested(depth: int):
    value: object = None
    for _ in range(depth):
        value = [value]
    return value


def test_depth_cap():
    assert same(round_trip(_nested(CAPS.depth)), _nested(CAPS.depth))
    with pytest.raises(CodecError, match=f"nested deeper than {CAPS.depth}"):
        encode(_nested(CAPS.depth + 1))
    with pytest.raises(CodecError, match=f"nested deeper than {CAPS.depth}"):
        decode(b"l\x01" * (CAPS.depth + 1) + b"N")


def test_node_cap():
    small = Caps(nodes=10)
    assert round_trip(list(range(10)), caps=small) == list(range(10))
    with pytest.raises(CodecError, match="more than 10 values"):
        encode(list(range(11)), caps=small)
    with pytest.raises(CodecError, match="more than 10 values"):
        encode([[1, 2, 3] for _ in range(3)], caps=small)
    with pytest.raises(CodecError, match="more than 10 values"):
        decode(encode({i: i for i in range(6)}), caps=small)


def test_byte_cap():
    small = Caps(bytes=1000)
    assert round_trip(b"x" * 900, caps=small) == b"x" * 900
    for value in (b"x" * 1000, ["x" * 100] * 10, np.zeros(200), np.zeros(20_000), [1.5] * 20_000):
        with pytest.raises(CodecError, match="over 1000 bytes"):
            encode(value, caps=small)
    with pytest.raises(CodecError, match="over the cap of 1000"):
        decode(encode(b"x" * 1000), caps=small)


def test_caps_on_decimal_and_fraction_sizes():
    with pytest.raises(CodecError, match="Decimal of more than"):
        encode(decimal.Decimal("1" * 100_001))
    with pytest.raises(CodecError, match="Fraction with a part over"):
        encode(fractions.Fraction(2**100_001, 3))
    with pytest.raises(CodecError, match="an int of more than"):
        decode(b"Q" + varint(20_000) + b"\x01" * 20_000 + b"\x01\x01")


# --- hostile bytes --------------------------------------------------------------------------------


def assert_only_codec_errors(data: bytes) -> None:
    """Decoding may succeed or raise CodecError, but never by the safety net that reports a bug."""
    try:
        decode(data, on_handle=lambda owner, ident, type_name: (owner, ident, type_name))
    except CodecError as exc:
        assert "decoder bug" not in str(exc), exc


@settings(HYPOTHESIS, max_examples=500)
@given(st.binary(max_size=300))
def test_random_bytes_give_a_value_or_a_codec_error(data):
    assert_only_codec_errors(data)


@settings(HYPOTHESIS, max_examples=500)
@given(
    st.sampled_from([tag for tag, read in enumerate(codec._DECODERS) if read is not codec._dec_unknown]),
    st.binary(max_size=60),
)
def test_each_tag_followed_by_random_bytes_gives_a_value_or_a_codec_error(tag, payload):
    assert_only_codec_errors(bytes([tag]) + payload)


mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "set", "insert", "delete", "truncate"]), st.integers(0, 10**6), st.integers(0, 255)
    ),
    min_size=1,
    max_size=4,
)


def _mutate(data: bytes, changes) -> bytes:
    out = bytearray(data)
    for kind, where, byte in changes:
        at = where % (len(out) + 1)
        if kind == "insert":
            out[at:at] = bytes([byte])
        elif kind == "truncate":
            del out[at:]
        elif not out or at == len(out):
            continue
        elif kind == "flip":
            out[at] ^= 1 << (byte % 8)
        elif kind == "set":
            out[at] = byte
        else:
            del out[at]
    return bytes(out)


@settings(HYPOTHESIS, max_examples=400)
@given(plain, mutations)
def test_mutated_encodings_give_a_value_or_a_codec_error(value, changes):
    assert_only_codec_errors(_mutate(encode(value), changes))


def test_every_truncation_of_a_rich_value_is_a_codec_error():
    registry = Registry()
    shared = [1]
    value = [shared, shared, {"a": (1.5, "é", b"x")}, Point(1, 2), np.arange(4.0), np.int8(3), Widget()]
    value += [dt.datetime(2020, 1, 1, tzinfo=dt.UTC), decimal.Decimal("1.5"), fractions.Fraction(1, 3)]
    value += [collections.deque([1], maxlen=2), collections.defaultdict(int), range(3), list(range(20))]
    data = encode(value, on_other=registry.on_other)
    for end in range(len(data)):
        with pytest.raises(CodecError):
            decode(data[:end], on_handle=registry.on_handle)
    with pytest.raises(CodecError, match="trailing garbage"):
        decode(data + b"N", on_handle=registry.on_handle)


HUGE = varint(10 * 2**30)  # claims 10 GiB


@pytest.mark.parametrize(
    "data",
    [
        b"s" + HUGE + b"x",
        b"b" + HUGE,
        b"B" + HUGE,
        b"i" + HUGE + b"\x01",
        b"l" + HUGE + b"N",
        b"d" + HUGE + b"NN",
        b"I" + HUGE + b"\x00" * 8,
        b"q\x00" + HUGE + b"N",
        b"x" + HUGE,
        b"A" + text("<f8") + b"\x02" + HUGE + HUGE,
        b"A" + text("<f8") + b"\x01" + varint(2**69),
        b"A" + text("<U999999999") + b"\x01\x01",
        b"G" + text("<U999999999") + b"\x00",
        b"s" + b"\xff" * 40,
        b"HL" + b"\x80" * 100,
    ],
)
def test_huge_length_claims_fail_fast_with_a_codec_error(data):
    with pytest.raises(CodecError):
        decode(data, on_handle=lambda *fields: fields)


@pytest.mark.parametrize(
    "opener", [b"l\x01", b"t\x01", b"d\x01N", b"q\x00\x01", b"n" + text("P") + b"\x01" + text("x")]
)
def test_deep_nesting_is_a_codec_error_not_a_recursion_error(opener):
    with pytest.raises(CodecError, match="nested deeper than 100"):
        decode(opener * 10_000 + b"N")


def test_a_depth_cap_above_the_interpreter_stack_still_gives_a_codec_error():
    deep = Caps(depth=10**6)
    with pytest.raises(CodecError, match="nested too deep for the interpreter's stack"):
        decode(b"l\x01" * 100_000 + b"N", caps=deep)
    with pytest.raises(CodecError, match="nested too deep for the interpreter's stack"):
        encode(_nested(100_000), caps=deep)


def namedtuple_token(typename: str, fields: list[str]) -> bytes:
    return b"n" + text(typename) + varint(len(fields)) + b"".join(map(text, fields)) + b"N" * len(fields)


@pytest.mark.parametrize(
    ("typename", "fields"),
    [
        ("P", ["__class__"]),
        ("P", ["import os"]),
        ("P", ["a b"]),
        ("P", ["def"]),
        ("P", ["_x"]),
        ("P", [""]),
        ("P", ["x" * 101]),
        ("P", ["x", "x"]),
        ("P", ["ﬁ", "fi"]),  # distinct strings, one identifier once NFKC-normalized
        ("P", ["a", "b);import os;("]),
        ("P", [f"f{i}" for i in range(257)]),
        ("__class__", ["x"]),
        ("import os", ["x"]),
        ("class", ["x"]),
        ("P\ud800", ["x"]),
    ],
)
def test_namedtuple_tokens_with_dangerous_names_are_refused(typename, fields):
    with pytest.raises(CodecError):
        decode(namedtuple_token(typename, fields))


def test_namedtuple_token_with_wrong_value_count_is_refused():
    with pytest.raises(CodecError):
        decode(namedtuple_token("P", ["x", "y"])[:-1])


def test_new_namedtuple_types_per_message_are_bounded():
    tokens = [namedtuple_token(f"Bound{i}", ["x"]) for i in range(codec._MAX_NEW_NAMEDTUPLES + 1)]
    data = b"l" + varint(len(tokens)) + b"".join(tokens)
    with pytest.raises(CodecError, match="new namedtuple types in one message"):
        decode(data)
    assert len(decode(data)) == len(tokens)  # the classes made by the refused message are cached now


@pytest.mark.parametrize(
    "dtype",
    ["O", "|O", "|O8", "<O8", "V8", "|V8", "[('a','<i4')]", "<i4,<i4", "object", "<f8 ", "f8", "<U0", "|S0", "<M8[X]"],
)
def test_dtypes_off_the_allow_list_are_refused(dtype):
    with pytest.raises(CodecError, match="dtype"):
        decode(b"A" + text(dtype) + b"\x01\x01" + b"\x00" * 8)
    with pytest.raises(CodecError, match="dtype"):
        decode(b"G" + text(dtype) + b"\x00" * 8)


@pytest.mark.parametrize(
    ("dtype", "raw", "message"),
    [
        ("|b1", b"\x02", "neither 0 nor 1"),
        ("<U1", b"\x00\x00\x11\x00", "code point"),
        ("<U1", b"\xff\xff\xff\xff", "code point"),
        (">U1", b"\x00\x11\x00\x00", "code point"),
    ],
)
def test_numpy_element_bytes_numpy_cannot_handle_are_refused(dtype, raw, message):
    with pytest.raises(CodecError, match=message):
        decode(b"A" + text(dtype) + b"\x01\x01" + raw)
    with pytest.raises(CodecError, match=message):
        decode(b"G" + text(dtype) + raw)


def test_an_ndarray_whose_bytes_do_not_match_its_shape_is_refused():
    data = encode(np.arange(6.0).reshape(2, 3))
    with pytest.raises(CodecError):
        decode(data[:-1])
    with pytest.raises(CodecError, match="ndarray numpy refused"):
        decode(b"A" + text("<f8") + b"\x03\x00" + varint(2**62) + varint(2**62))
    with pytest.raises(CodecError, match="more than 64 dimensions"):
        decode(b"A" + text("<f8") + varint(65) + b"\x01" * 65 + b"\x00" * 8)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"D" + bytes([len(codec._FACTORIES)]) + b"\x00", "not on the allow-list"),
        (b"D\xff\x00", "not on the allow-list"),
        (b"q" + varint(2**63 + 1) + b"\x00", "maxlen"),
        (b"e\x01l\x00", "cannot be hashed"),
        (b"d\x01l\x00N", "cannot be hashed"),
        (b"l\x01e\x01R\x01", "cannot be hashed"),
        (b"R\x00", "not in the message yet"),
        (b"l\x01R\x01", "not in the message yet"),
        (b"r\x01\x00\x01\x05\x01\x00", "step 0"),
        (b"W\x07\xe4\x0d\x01\x00\x00\x00\x00\x00\x00\x00", "invalid datetime"),
        (b"W\x07\xe4\x01\x01\x18\x00\x00\x00\x00\x00\x00", "invalid datetime"),
        (b"W\x07\xe4\x01\x01\x00\x00\x00\x00\x00\x00\x02", "timezone flag"),
        (b"W\x07\xe4\x01\x01\x00\x00\x00\x00\x00\x00\x01" + struct.pack("<q", 86_400 * 10**6), "UTC offset"),
        (b"a\x00\x00\x01\x01", "invalid date"),
        (b"h\x00\x3c\x00\x00\x00\x00\x00", "invalid time"),
        (b"g" + struct.pack("<iii", 2**31 - 1, 0, 0), "timedelta out of range"),
        (b"x" + text("1e5"), "Decimal"),
        (b"x" + text("1\u0661"), "Decimal"),
        (b"x" + text(" 1"), "Decimal"),
        (b"x" + text("1E+99999999999999999999"), "Decimal"),
        (b"Q\x01\x01\x01\x00", "denominator"),
        (b"Q\x01\x01\x01\xff", "denominator"),
        (b"s\x02\xc3\x28", "not UTF-8"),
        (b"l\x01s\x02\xc3\x28", "not UTF-8"),
        (b"l" + varint(1000) + b"N" * 999, "a container of 1000 values, with fewer bytes left"),
        (b"\x00", "unknown tag"),
        (b"", "truncated"),
        (b"NN", "trailing garbage"),
    ],
)
def test_malformed_tokens_are_refused_with_a_clear_message(data, message):
    with pytest.raises(CodecError, match=message):
        decode(data)


M61 = 2**61 - 1  # ints k * M61 all hash to 0


@pytest.mark.parametrize("make", [dict.fromkeys, set, frozenset, collections.Counter])
def test_keys_crafted_to_share_one_hash_are_refused(make):
    colliding = [k * M61 for k in range(100)]
    with pytest.raises(CodecError, match="100 .* share one hash"):
        decode(encode(make(colliding)))
    few = colliding[:16] + list(range(1, 100))  # -1 and -2 share a hash too: honest data may, a little
    assert round_trip(make(few + [-1, -2])) == make(few + [-1, -2])


def test_decode_takes_only_bytes_like_data():
    assert decode(bytearray(b"N")) is None and decode(memoryview(b"T")) is True
    with pytest.raises(CodecError, match="takes bytes"):
        decode("N")


def test_decode_never_imports_a_module_the_data_names():
    before = set(sys.modules)
    for name in ("antigravity", "this", "os.path", "__main__"):
        assert_only_codec_errors(b"s" + text(name))
        assert_only_codec_errors(namedtuple_token(name, ["system"]))
        assert_only_codec_errors(b"A" + text(name) + b"\x00")
        assert_only_codec_errors(b"HL\x01" + text(name))
    assert set(sys.modules) - before == set()


# --- the source is exec'd in the learner's kernel -------------------------------------------------

SOURCE = Path(codec.__file__).read_text()


def test_module_level_imports_are_standard_library_only():
    for node in ast.parse(SOURCE).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            assert not getattr(node, "level", 0), "no relative imports"
            names = [node.module] if isinstance(node, ast.ImportFrom) else [alias.name for alias in node.names]
            for name in names:
                assert name == "__future__" or name.split(".")[0] in sys.stdlib_module_names, name
    assert "__file__" not in SOURCE and "from grading" not in SOURCE


@pytest.mark.parametrize("name", [None, "learner_codec"])
@pytest.mark.parametrize("dont_inherit", [False, True])  # False: under this file's `from __future__ import annotations`
def test_the_source_works_when_execd_in_a_fresh_namespace(name, dont_inherit):
    namespace = {} if name is None else {"__name__": name}
    exec(compile(SOURCE, "<codec>", "exec", dont_inherit=dont_inherit), namespace)
    value = {"a": np.arange(3), "s": np.float32(2), "c": collections.Counter("ab"), "l": [[1.5, "x"], (None,)]}
    value["d"] = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert same(namespace["decode"](namespace["encode"](value)), value)
    assert same(decode(namespace["encode"](value)), value)  # and both speak the same format
    point = namespace["decode"](namespace["encode"](Point(1, [2])))
    assert type(point).__name__ == "Point" and point._fields == ("x", "y") and point == (1, [2])
    with pytest.raises(namespace["CodecError"]):
        namespace["decode"](b"l" + varint(10**9))
    assert issubclass(namespace["CodecError"], ValueError)


def test_numpy_is_imported_only_when_a_numpy_value_is_met():
    script = (
        "import sys; namespace = {}\n"
        f"exec(compile({SOURCE!r}, '<codec>', 'exec'), namespace)\n"
        "data = namespace['encode']([1, 'a', {2: 3.5}, (None,)])\n"
        "assert namespace['decode'](data) == [1, 'a', {2: 3.5}, (None,)]\n"
        "assert 'numpy' not in sys.modules, 'numpy imported for plain data'\n"
        "namespace['decode'](bytes.fromhex('4703') + b'<i8' + bytes(8))\n"
        "assert 'numpy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
