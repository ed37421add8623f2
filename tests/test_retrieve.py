from claimbot.index.search.retrieve import reciprocal_rank_fusion


def test_passages_found_by_both_rankings_come_first():
    hits = reciprocal_rank_fusion(dense=[1, 2, 3], lexical=[3, 4, 1])
    assert [h.passage_id for h in hits][:2] == [1, 3]
    assert hits[0].relevance == round((1 / 61 + 1 / 63) / (2 / 61), 4)
    assert {h.passage_id for h in hits} == {1, 2, 3, 4}
    assert hits[0].dense_rank == 1 and hits[0].lexical_rank == 3


def test_first_in_both_scores_one_and_order_is_deterministic():
    hits = reciprocal_rank_fusion(dense=[7, 8], lexical=[7, 9])
    assert hits[0].passage_id == 7 and hits[0].relevance == 1.0
    # 8 and 9 tie: the lower id wins, so answers do not flicker between runs
    assert [h.passage_id for h in hits[1:]] == [8, 9]
