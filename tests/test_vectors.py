import fcntl

import numpy as np
import pytest

from claimbot.index.search.marks import read_mark
from claimbot.index.search.vectors import VectorIndex
from claimbot.index.storage import ChangeMark, PassageChanges
from tests.conftest import file_size_limit

DIM = 16


def _unit(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class MemorySource:
    """The database as the vector index sees it: passages with growing ids and a removal log."""

    def __init__(self, name: str = "db") -> None:
        self.name = name  # `Store.database_id`
        self.vectors: dict[int, np.ndarray] = {}
        self.removals: list[int] = []
        self.issued = 0  # the highest id ever written: ids are never given out twice

    def write(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.vectors.update(zip(ids.tolist(), vectors, strict=True))
        self.issued = max([self.issued, *ids.tolist()])

    def delete(self, ids: list[int]) -> None:
        for i in ids:
            del self.vectors[i]
            self.removals.append(i)

    def passage_ids(self) -> np.ndarray:
        return np.asarray(sorted(self.vectors), dtype=np.int64)

    def change_mark(self) -> ChangeMark:
        return ChangeMark(max(self.vectors, default=0), len(self.removals))

    def issued_mark(self) -> ChangeMark:
        return ChangeMark(self.issued, len(self.removals))

    def changes_since(self, mark: ChangeMark) -> PassageChanges:
        added = np.asarray([i for i in sorted(self.vectors) if i > mark.passage_id], dtype=np.int64)
        removed = np.asarray(self.removals[mark.removal_seq :], dtype=np.int64)
        now = ChangeMark(int(added[-1]) if len(added) else mark.passage_id, len(self.removals))
        return PassageChanges(added, removed, now)

    def embeddings(self, ids: np.ndarray, dim: int) -> np.ndarray:
        return np.stack([self.vectors[int(i)] for i in ids]) if len(ids) else np.zeros((0, dim), np.float32)

    def exact_vectors(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        kept = np.asarray([i for i in ids.tolist() if i in self.vectors], dtype=np.int64)
        return kept, self.embeddings(kept, DIM)

    def database_id(self) -> str:
        return self.name


@pytest.mark.parametrize("threshold", [0, 50], ids=["exact", "hnsw"])
def test_add_search_remove_save_and_reload(tmp_path, threshold):
    path = tmp_path / "v.faiss"
    source = MemorySource()
    index = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=source.exact_vectors)
    vectors = _unit(200)
    ids = np.arange(1000, 1200, dtype=np.int64)
    source.write(ids, vectors)
    index.sync(source)
    assert index.is_hnsw == (threshold > 0) and index.is_quantised == (threshold > 0)
    assert index.search(vectors[5], 1)[0][0] == 1005
    source.delete([1005])
    assert index.sync(source) == (0, 1)
    assert len(index) == 199
    assert 1005 not in [i for i, _ in index.search(vectors[5], 10)]
    index.save()
    reopened = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=source.exact_vectors)
    # the mark saved with the file: nothing left to follow, and under HNSW the removal's mask came back
    assert reopened.sync(source) == (0, 0)
    assert sorted(reopened.ids().tolist()) == sorted(set(ids.tolist()) - {1005})
    assert reopened.search(vectors[7], 1)[0][0] == 1007
    assert 1005 not in [i for i, _ in reopened.search(vectors[5], 10)]


@pytest.mark.parametrize("threshold", [0, 50], ids=["exact", "hnsw"])
def test_following_the_log_again_from_an_older_mark_changes_nothing(tmp_path, threshold):
    """An ingest adds its vectors and saves the file without moving the mark (and a crash can
    leave the mark behind its file): following the same changes again adds no duplicate."""
    path = tmp_path / "v.faiss"
    source = MemorySource()
    vectors = _unit(120, seed=4)
    source.write(np.arange(1, 81, dtype=np.int64), vectors[:80])
    index = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=source.exact_vectors)
    index.sync(source)
    index.save()
    saved = read_mark(index.mark_path)
    assert saved is not None and saved.mark == ChangeMark(80, 0)
    source.write(np.arange(81, 121, dtype=np.int64), vectors[80:])
    index.add(np.arange(81, 121, dtype=np.int64), vectors[80:])  # what the ingestor does
    source.delete([3, 90])
    index.remove(np.array([3, 90], dtype=np.int64))
    index.save()
    reopened = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=source.exact_vectors)
    assert reopened.sync(source) == (0, 0)
    assert sorted(reopened.ids().tolist()) == sorted(set(range(1, 121)) - {3, 90})
    assert len(reopened) == 118
    reopened.save()
    saved = read_mark(reopened.mark_path)
    assert saved is not None and saved.mark == ChangeMark(120, 2)


def test_a_file_without_a_mark_is_compared_id_by_id_once(tmp_path):
    path = tmp_path / "v.faiss"
    source = MemorySource()
    vectors = _unit(10)
    index = VectorIndex(path, DIM, hnsw_threshold=0)
    index.add(np.arange(0, 6, dtype=np.int64), vectors[:6])  # an index saved before marks existed
    index.save()
    assert read_mark(index.mark_path) is None
    source.write(np.arange(2, 10, dtype=np.int64), vectors[2:])
    reopened = VectorIndex(path, DIM, hnsw_threshold=0)
    assert reopened.sync(source) == (4, 2)
    assert reopened.mark == ChangeMark(9, 0)
    assert sorted(reopened.ids().tolist()) == list(range(2, 10))


def test_quantised_hits_carry_the_exact_similarity_in_exact_order(tmp_path):
    source = MemorySource()
    vectors = _unit(400, seed=5)
    ids = np.arange(1, 401, dtype=np.int64)
    source.write(ids, vectors)
    index = VectorIndex(tmp_path / "v.faiss", DIM, hnsw_threshold=100, exact_vectors=source.exact_vectors)
    index.sync(source)
    assert index.is_quantised
    query = vectors[10] + 0.5 * vectors[11]
    query /= np.linalg.norm(query)
    hits = index.search(query, 10)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    for passage_id, score in hits:
        assert score == pytest.approx(float(vectors[passage_id - 1] @ query), abs=1e-5)
    exact = (ids[np.argsort(-(vectors @ query))][:10]).tolist()
    assert len(set(exact) & {i for i, _ in hits}) >= 9


def test_a_removed_id_added_again_under_hnsw_finds_only_its_new_vector(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", DIM, hnsw_threshold=50)
    old, new = _unit(100, seed=1), _unit(100, seed=2)
    index.add(np.arange(100, dtype=np.int64), old)
    assert index.is_hnsw
    again = np.arange(96, 100, dtype=np.int64)
    index.remove(again)
    index.add(again, new[96:])
    assert len(index) == 100 and sorted(index.ids().tolist()) == list(range(100))
    assert index.search(new[98], 1)[0][0] == 98
    assert 98 not in [i for i, score in index.search(old[98], 5) if score > 0.99]


def test_an_unreadable_file_is_replaced_and_saving_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "v.faiss"
    path.write_bytes(b"not a faiss index")  # e.g. a disk that filled up under another tool
    index = VectorIndex(path, DIM, hnsw_threshold=0)
    assert len(index) == 0  # sync with the database fills it
    index.add(np.arange(3, dtype=np.int64), _unit(3))
    index.save()
    assert [p.name for p in tmp_path.iterdir()] == ["v.faiss"]
    assert len(VectorIndex(path, DIM, hnsw_threshold=0)) == 3


def test_a_save_that_cannot_be_written_keeps_the_last_file_and_the_process_going(tmp_path):
    """A full disk: the save raised faiss's RuntimeError through `check` and every ingest's end (a
    traceback where the database had every passage). The file is a cache: keep the last one."""
    path = tmp_path / "v.faiss"
    source = MemorySource()
    source.write(np.arange(1, 51, dtype=np.int64), _unit(50))
    index = VectorIndex(path, DIM, hnsw_threshold=0)
    index.sync(source)
    index.save()
    saved = path.read_bytes()
    source.write(np.arange(51, 151, dtype=np.int64), _unit(100, seed=3))
    index.sync(source)
    with file_size_limit(len(saved)):
        index.save()  # no error
    assert index.dirty and path.read_bytes() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.faiss", "v.faiss.mark.json"]
    reopened = VectorIndex(path, DIM, hnsw_threshold=0)
    reopened.sync(source)
    assert sorted(reopened.ids().tolist()) == list(range(1, 151))


def test_a_save_removes_what_a_killed_save_left_and_keeps_one_being_written(tmp_path):
    """A process killed while saving (SIGKILL, or a SIGTERM, which runs no cleanup) left its
    temporary file, as large as the index, for good; each such kill left another."""
    path = tmp_path / "v.faiss"
    (tmp_path / "v.faiss.k1ll3d00.tmp").write_bytes(b"\0" * 4096)
    busy = tmp_path / "v.faiss.wr1t1ng0.tmp"
    busy.write_bytes(b"\0")
    with open(busy, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # another process's save, under way
        index = VectorIndex(path, DIM, hnsw_threshold=0)
        index.add(np.arange(3, dtype=np.int64), _unit(3))
        index.save()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["v.faiss", "v.faiss.wr1t1ng0.tmp"]


def test_sync_adds_missing_and_drops_extra(tmp_path):
    vectors = _unit(10)
    index = VectorIndex(tmp_path / "v.faiss", DIM, hnsw_threshold=0)
    index.add(np.arange(0, 6, dtype=np.int64), vectors[:6])
    truth = np.array([2, 3, 4, 5, 6, 7, 8, 9], dtype=np.int64)
    added, removed = index.sync_ids(truth, lambda wanted: vectors[wanted])
    assert (added, removed) == (4, 2)
    assert sorted(index.ids().tolist()) == truth.tolist()


def test_grows_from_exact_to_hnsw_past_the_threshold(tmp_path):
    index = VectorIndex(tmp_path / "v.faiss", DIM, hnsw_threshold=100)
    vectors = _unit(150, seed=3)
    index.add(np.arange(100, dtype=np.int64), vectors[:100])
    assert not index.is_hnsw
    index.add(np.arange(100, 150, dtype=np.int64), vectors[100:])
    assert index.is_hnsw and len(index) == 150
    hits = [index.search(vectors[i], 1)[0][0] for i in range(150)]
    assert sum(h == i for i, h in enumerate(hits)) >= 148  # approximate search, but near-exact here


def test_a_file_for_another_dimension_is_ignored(tmp_path):
    path = tmp_path / "v.faiss"
    old = VectorIndex(path, DIM, hnsw_threshold=0)
    old.add(np.arange(3, dtype=np.int64), _unit(3))
    old.save()
    new = VectorIndex(path, DIM * 2, hnsw_threshold=0)
    assert len(new) == 0


@pytest.mark.parametrize("threshold", [0, 50], ids=["exact", "hnsw"])
def test_a_collection_search_returns_only_its_live_passages_nearest_first(tmp_path, threshold):
    vectors = _unit(200, seed=3)
    ids = np.arange(200, dtype=np.int64)
    small = np.arange(0, 200, 20, dtype=np.int64)  # a 10-passage collection spread over the index
    source = MemorySource()
    source.write(ids, vectors)
    index = VectorIndex(
        tmp_path / "v.faiss",
        DIM,
        hnsw_threshold=threshold,
        collection_ids=lambda name: small if name == "small" else np.empty(0, np.int64),
        exact_vectors=source.exact_vectors,
    )
    index.add(ids, vectors)
    index.remove(np.array([40], dtype=np.int64))  # under HNSW a mask, combined with the collection's
    query = vectors[60] + 0.3 * vectors[61]
    query /= np.linalg.norm(query)
    hits = index.search(query, 5, "small")
    live = np.setdiff1d(small, [40])
    expected = live[np.argsort(-(vectors[live] @ query))][:5]
    assert [i for i, _ in hits] == expected.tolist()
    assert index.search(query, 5, "empty") == []


@pytest.mark.parametrize("threshold", [0, 50], ids=["exact", "hnsw"])
def test_a_file_ahead_of_a_restored_database_is_rebuilt_from_it(tmp_path, threshold):
    """An older backup restored under vectors/: the database gives ids 101-120 out again for other
    passages, and the file, trusting its mark at 120, kept the old vectors under them."""
    import copy

    path = tmp_path / "v.faiss"
    source = MemorySource()
    index = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=source.exact_vectors)
    old, new = _unit(120, seed=1), _unit(20, seed=2)
    source.write(np.arange(1, 101, dtype=np.int64), old[:100])
    backup = copy.deepcopy(source)
    source.write(np.arange(101, 121, dtype=np.int64), old[100:])
    index.sync(source)
    index.save()
    restored = backup  # ...and an ingest takes ids 101-110 again, for other passages
    restored.write(np.arange(101, 111, dtype=np.int64), new[:10])
    reopened = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=restored.exact_vectors)
    assert reopened.mark == ChangeMark(120, 0)
    reopened.sync(restored)
    assert reopened.mark == ChangeMark(110, 0)
    assert sorted(reopened.ids().tolist()) == list(range(1, 111))
    for n in range(10):  # each id finds the vector the database holds for it now
        assert reopened.search(new[n], 1)[0][0] == 101 + n
    assert 115 not in [i for i, _ in reopened.search(old[114], 5)]


@pytest.mark.parametrize("threshold", [0, 50], ids=["exact", "hnsw"])
def test_a_file_saved_for_another_database_is_rebuilt_from_this_one(tmp_path, threshold):
    """vectors/ copied from another installation: its mark (100) is within this database's ids, and
    following on from it kept the other database's vectors under ids 1-100."""
    path = tmp_path / "v.faiss"
    other, this = MemorySource("other"), MemorySource("this")
    other.write(np.arange(1, 101, dtype=np.int64), _unit(100, seed=1))
    mine = _unit(150, seed=2)
    this.write(np.arange(1, 151, dtype=np.int64), mine)
    index = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=other.exact_vectors)
    index.sync(other)
    index.save()
    copied = VectorIndex(path, DIM, hnsw_threshold=threshold, exact_vectors=this.exact_vectors)
    copied.sync(this)
    assert sorted(copied.ids().tolist()) == list(range(1, 151))
    for n in range(0, 150, 7):  # each id finds the vector this database holds for it
        assert copied.search(mine[n], 1)[0][0] == n + 1
    copied.save()
    saved = read_mark(path.with_name(path.name + ".mark.json"))
    assert saved is not None and saved.database == "this"
