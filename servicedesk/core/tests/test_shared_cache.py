"""Configuration bundles in the shared cache (``core.shared_cache``): every read checks the shared
stamp, so an administrator's change reaches every server at once; a fault call (OUT-2..OUT-6)
reads the stamps of the bundles it needs in one cache call."""

import pytest
from django.core.cache import cache

from servicedesk.core import shared_cache
from servicedesk.core.shared_cache import bundle_invalidate, cached_bundle, stamps_read_once


class Source:
    """A bundle's rows: ``version`` changes when an administrator saves."""

    def __init__(self, key: str) -> None:
        self.key, self.version, self.builds = key, 1, 0

    def build(self) -> dict:
        self.builds += 1
        return {"key": self.key, "version": self.version}

    def read(self) -> dict:
        return cached_bundle(self.key, 60, self.build)


@pytest.fixture
def sources(db):
    cache.clear()
    shared_cache._local.clear()
    yield [Source(f"test:bundle:{n}") for n in range(3)]
    cache.clear()
    shared_cache._local.clear()


class CountingCache:
    """Counts the reads the bundles make (a backend's ``get`` may call its ``get_many``: one read)."""

    def __init__(self, monkeypatch) -> None:
        self.reads = 0
        self.depth = 0
        for name in ("get", "get_many"):
            original = getattr(cache, name)

            def counted(*args, _original=original, **kwargs):
                self.reads += self.depth == 0
                self.depth += 1
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.depth -= 1

            monkeypatch.setattr(shared_cache.cache, name, counted)


def test_a_bundle_is_built_once_and_a_change_is_seen_on_the_next_read(sources):
    source = sources[0]
    assert source.read() == {"key": source.key, "version": 1}
    assert source.read()["version"] == 1 and source.builds == 1
    source.version = 2
    bundle_invalidate(source.key)  # what saving a row of the bundle does
    assert source.read()["version"] == 2 and source.builds == 2


def test_another_servers_change_is_seen_although_this_process_holds_the_bundle(sources):
    source = sources[0]
    source.read()
    source.version = 2
    cache.delete(f"{source.key}:stamp")  # the other server's invalidation, in the shared cache
    assert source.read()["version"] == 2


def test_stamps_read_once_reads_the_stamps_of_several_bundles_in_one_cache_call(sources, monkeypatch):
    for source in sources:
        source.read()
    counting = CountingCache(monkeypatch)
    with stamps_read_once(s.key for s in sources):
        assert [s.read()["version"] for s in sources] == [1, 1, 1]
        assert [s.read()["version"] for s in sources] == [1, 1, 1]
    assert counting.reads == 1
    assert [s.builds for s in sources] == [1, 1, 1]
    # Outside the block every read asks the shared cache again.
    sources[0].read()
    assert counting.reads == 2


def test_a_bundle_changed_inside_the_block_is_read_afresh(sources):
    first = sources[0]
    first.read()
    with stamps_read_once([first.key]):
        first.version = 2
        bundle_invalidate(first.key)
        assert first.read()["version"] == 2
        assert first.read()["version"] == 2 and first.builds == 2  # rebuilt once, then its new stamp


def test_a_missing_stamp_is_built_once_inside_the_block(sources):
    first = sources[0]
    with stamps_read_once([first.key]):
        first.read()
        first.read()
    assert first.builds == 1
