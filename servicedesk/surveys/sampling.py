"""Which closed requests fall in a survey's sample (SUR-1, 002 §4.2: a regular share of them).

Not a random draw: a request is in the sample when a hash of the rule's salt and the request's id,
read as a number from 0 to 9999, is below the share (20 % → below 2000). So the same request is
always in or always out, whichever worker looks at it and however often; another salt draws
another sample of the same size.
"""

import hashlib

BUCKETS = 10_000


def sample_bucket(request_id: int, salt: str) -> int:
    """0 … 9999, evenly spread over request ids."""
    digest = hashlib.sha256(f"{salt}:{request_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_sample(request_id: int, salt: str, percent: int) -> bool:
    if percent >= 100:
        return True
    if percent <= 0:
        return False
    return sample_bucket(request_id, salt) < percent * BUCKETS // 100
