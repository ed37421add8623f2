"""The claim: what a pasted post claims, read before the search and the stance model see it.

The public door of the subpackage: other parts of claimbot import these names from
`claimbot.index.claim`, not from its modules.
"""

from claimbot.index.claim.reading import ClaimReading, Cleanup, read_post, truecase

__all__ = ["ClaimReading", "Cleanup", "read_post", "truecase"]
