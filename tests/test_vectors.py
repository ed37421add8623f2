import numpy as np
import pytest

from claimbot.index.search.vectors import VectorIndex

DIM = 16


def _unit(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("threshold", [0, 50], ids=["exact", "hnsw"])
def test_add_search_remove_save_and_reload(tmp_path, threshold):
    path = tmp_path / "v.faiss"
    index = VectorIndex(path, DIM, hnsw_threshold=threshold)
    vectors = _unit(200)
    ids = np.arange(1000, 1200, dtype=np.int64)
    index.add(ids, vectors)
    assert index.is_hnsw == (threshold > 0)
    assert index.search(vectors[5], 1)[0][0] == 1005
    index.remove(np.array([1005], dtype=np.int64))
    assert len(index) == 199
    assert 1005 not in [i for i, _ in index.search(vectors[5], 10)]
    index.save()
    reopened = VectorIndex(path, DIM, hnsw_threshold=threshold)
    # a removal under HNSW is a mask that is not saved: sync with the truth restores it
    reopened.sync(np.setdiff1d(ids, [1005]), lambda wanted: vectors[wanted - 1000])
    assert sorted(reopened.ids().tolist()) == sorted(set(ids.tolist()) - {1005})
    assert reopened.search(vectors[7], 1)[0][0] == 1007
    assert 1005 not in [i for i, _ in reopened.search(vectors[5], 10)]


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


def test_sync_adds_missing_and_drops_extra(tmp_path):
    vectors = _unit(10)
    index = VectorIndex(tmp_path / "v.faiss", DIM, hnsw_threshold=0)
    index.add(np.arange(0, 6, dtype=np.int64), vectors[:6])
    truth = np.array([2, 3, 4, 5, 6, 7, 8, 9], dtype=np.int64)
    added, removed = index.sync(truth, lambda wanted: vectors[wanted])
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
    index = VectorIndex(
        tmp_path / "v.faiss",
        DIM,
        hnsw_threshold=threshold,
        collection_ids=lambda name: small if name == "small" else np.empty(0, np.int64),
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
