"""How an author's reach is written, the same in triage reasons and in alerts."""

from __future__ import annotations


def compact_number(n: int) -> str:
    """950 → "950"; 8,400 → "8.4k"; 84,312 → "84k"; 1,250,000 → "1.2M"."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if n >= 10_000:
        return f"{n // 1000}k"
    if n >= 1000:
        return f"{n / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(n)


def followers_text(n: int) -> str:
    """84,312 → "84k followers"; 1,250,000 → "1.2M followers"; 1 → "1 follower"."""
    return f"{compact_number(n)} follower" + ("" if n == 1 else "s")
