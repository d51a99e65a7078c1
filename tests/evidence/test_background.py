"""BackgroundSink: every byte reaches the consumer in order, a consumer's failure stops the producer as itself,
and memory stays bounded when the consumer is slow."""

from __future__ import annotations

import hashlib
import random
import threading
import time

import pytest

from evidence.core.background import BackgroundSink
from evidence.core.errors import BundleError


def test_every_byte_reaches_the_consumer_in_order() -> None:
    rng = random.Random(7)
    pieces = [rng.randbytes(rng.randrange(0, 20_000)) for _ in range(500)]
    digest = hashlib.sha256()
    with BackgroundSink(digest.update, batch=64 * 1024) as sink:
        for p in pieces:
            assert sink.write(p) == len(p)
    assert digest.hexdigest() == hashlib.sha256(b"".join(pieces)).hexdigest()


def test_the_consumers_error_stops_the_producer_as_itself() -> None:
    seen: list[int] = []

    def consume(piece: bytes) -> None:
        seen.append(len(piece))
        if len(seen) == 3:
            raise BundleError("zip structure: not a bundle zip", check="zip structure")

    sink = BackgroundSink(consume, batch=1000, depth=2)

    def produce() -> None:
        for _ in range(10_000):
            sink.write(b"x" * 1000)
        sink.close()

    with pytest.raises(BundleError) as caught:
        produce()
    assert caught.value.check == "zip structure"
    assert len(seen) == 3  # nothing after the failure was consumed
    sink.abort()
    assert not sink._thread.is_alive()


def test_an_error_in_the_last_piece_is_raised_by_close() -> None:
    def consume(piece: bytes) -> None:
        if piece.endswith(b"!"):
            raise ValueError("bad tail")

    sink = BackgroundSink(consume, batch=10)
    sink.write(b"0123456789" * 3)
    sink.write(b"tail!")
    with pytest.raises(ValueError, match="bad tail"):
        sink.close()


def test_a_slow_consumer_bounds_what_waits() -> None:
    gate = threading.Event()
    consumed: list[int] = []

    def consume(piece: bytes) -> None:
        gate.wait()
        consumed.append(len(piece))

    sink = BackgroundSink(consume, batch=100, depth=3)
    written = 0

    def produce() -> None:
        nonlocal written
        for _ in range(50):
            sink.write(b"y" * 100)
            written += 1

    producer = threading.Thread(target=produce)
    producer.start()
    deadline = time.monotonic() + 5
    while written < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    # one piece held by the consumer, three in the queue, the producer blocked on the next one
    assert written <= 5
    gate.set()
    producer.join(10)
    sink.close()
    assert sum(consumed) == 50 * 100


def test_abort_stops_without_consuming_the_rest() -> None:
    gate = threading.Event()
    consumed: list[bytes] = []

    def consume(piece: bytes) -> None:
        gate.wait()
        consumed.append(piece)

    sink = BackgroundSink(consume, batch=1, depth=4)
    for i in range(4):
        sink.write(bytes([i]))
    gate.set()
    sink.abort()
    assert not sink._thread.is_alive()
    assert len(consumed) <= 2
