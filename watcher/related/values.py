"""The plain values of linking: the ranker's settings, a document to link, one salient
feature of it, and a link found for it."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any, TypeVar

T = TypeVar("T")


def direct_init(cls: type[T]) -> type[T]:
    """A frozen dataclass's `__init__` that writes its fields into the instance's `__dict__`,
    as unpickling does, instead of the generated one's `object.__setattr__` per field
    (`Link`: ~3.5 -> ~0.8 us, `Feature` ~2.2 -> ~0.7 us; a linked change makes ~25 `Feature`s
    and 10 `Link`s). The same signature (names, order, default objects, annotations) and the
    same instances; only for plain fields (no default factory, no `__post_init__`, every field
    in `__init__`): anything else is refused here."""
    plain = list(fields(cls))  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__") or any(f.default_factory is not MISSING or not f.init for f in plain):
        raise TypeError(f"direct_init: {cls.__name__} has more than plain fields")
    defaults = {f"_default_{f.name}": f.default for f in plain if f.default is not MISSING}
    params = ", ".join(f.name if f.default is MISSING else f"{f.name}=_default_{f.name}" for f in plain)
    body = "".join(f"    d[{f.name!r}] = {f.name}\n" for f in plain)
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, {params}):\n    d = self.__dict__\n{body}", defaults, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = {f.name: f.type for f in plain} | {"return": None}
    cls.__init__ = init  # type: ignore[misc,method-assign]
    return cls


@dataclass(frozen=True)
class Ranking:
    """Settings of the ranker; the defaults are what the development half measures best
    (bench/related_eval.py --ablation turns each part off)."""

    before_days: int = 120
    after_days: int = 365
    threshold: float = 0.6
    #: A link is shown only when it shares a feature at least this rare (its idf over the idf
    #: of a feature unique to the pair): a template notice shares only common words.
    rarity: float = 0.8
    identifier_shows: bool = True  # a rare shared identifier shows a link below the threshold
    #: A link ranked above `lead_rank` is also shown (rare features or not) when it scores at
    #: least `lead` times the candidate at `lead_rank` (0: off) and at least `lead_floor`: a
    #: few clearly best matches are evidence of their own (development half: related updates
    #: without a shown link 17 -> 5, shown precision 0.21 -> 0.26). Round 7 (three corpora,
    #: 88 related development updates): 1.3 / 0.5 -> 1.15 / 0.3 took those without a shown link
    #: 22 -> 6 and shown recall 0.570 -> 0.782 (EU 12 -> 3, GOV.UK 10 -> 3), quiet 0.63 -> 0.41.
    lead: float = 1.15
    lead_rank: int = 4
    lead_floor: float = 0.3
    #: A leading group larger than `lead_rank` - 1 (several articles written about one update):
    #: a link of the best `shown` is also shown when it scores at least `lead` times the first
    #: candidate from rank `lead_rank` to `lead_group` that scores below `lead_break` times the
    #: one before it (0: off; linking.break_bar). Round 18, decided on the development half and
    #: on a local set of the acceptance's shape (bench/README "Related round 18"): 21 updates
    #: with 3-4 articles each among 5,157 others, slack recall@3 0.548 -> 0.690, zero-link 1 -> 0;
    #: development half quiet 0.434 -> 0.430, US/UK index 0.517 both. A group up to 9
    #: (`lead_group` 10) cost the US/UK index's quiet 0.517 -> 0.483 for 0.702.
    lead_break: float = 0.6
    lead_group: int = 5
    shown: int = 3
    #: Companions ([related] companions): once a document's best link is shown, the links
    #: after it up to `shown` are shown too when each scores at least `companion_share` of
    #: the best's score and shares something not common (its rarest shared feature at least
    #: `companion_rarity`, as `rarity`): for teams that would rather see three related
    #: articles than one. Alone (round 10, off then) it lifts slack recall@3 of the
    #: development updates with two or more related articles 0.766 -> 0.804 (all updates
    #: 0.800 -> 0.810), but the siblings of a series (the same RIN, the same authority's
    #: fines) then show beside a best link that is only half related: quiet 0.430 -> 0.408,
    #: shown precision 0.251 -> 0.186 (and below the test half's floors). Round 11 added
    #: `companion_own` (a companion must also hold evidence of its own) and turned it on by
    #: default on the development half's figures; the test half, read once, then showed no
    #: gain in slack recall@3 (0.831 both ways) and quiet 0.397 -> 0.388 (below its floors of
    #: 0.39 whole, 0.41 US + UK, 0.45 EU): off by default again.
    companions: bool = False
    companion_share: float = 0.5
    companion_rarity: float = 0.4
    #: With `companions`, a companion must hold at least this share of its matched feature
    #: weight in features that at most `shown` of the document's candidates match (0: not
    #: asked): evidence of its own, as a clear lead is for the best link. The siblings of a
    #: template or a series (the same RIN's airworthiness directives, one authority's fines)
    #: match what the rest of the candidates match; a related page shares something they lack
    #: ("pets", "insurance"). Development half (bench/README "Related round 11"): companions
    #: alone cost quiet 0.430 -> 0.408; with 0.1, slack recall@3 0.800 -> 0.810 (two or more
    #: related: 0.766 -> 0.802), quiet, slack P@1 and MRR unchanged, shown precision 0.251 ->
    #: 0.221 (EU 0.339 -> 0.278). 0.05 / 0.08: quiet 0.412 / 0.421; 0.15: multi 0.780.
    companion_own: float = 0.1
    keep: int = 10
    identifiers: bool = True
    #: A slashed identifier ("28/2024") weighs by how many items write it as one, not by its
    #: rarest token (dates hold "28 2024" too): features.Vocabulary.written_holders.
    written_identifiers: bool = True
    acts: bool = True
    phrases: bool = True
    #: Key phrases of the body (its most frequent adjacent content-word pairs) added to the
    #: title's, with `phrases`: query expansion from the document's own words. Development
    #: half, 0/3/6/10: shown precision 0.274/0.291/0.294/0.287, quiet 0.680/0.701/0.707/0.714,
    #: related updates without a shown link 5/5/5/6; rank figures unchanged.
    body_phrases: int = 6
    #: Phrases the retrieval query left out (their words are common in a large history) that
    #: a second, small query looks for (0: off): see topical.py.
    topical: int = 3
    #: With `topical`, also the heaviest left-out title word, in items' titles (topical.py).
    topical_title: bool = True
    idf_words: bool = True
    #: Tell common words apart (spread.py): a word above the Vocabulary's cap weighs by an
    #: estimate of its real frequency instead of the cap's.
    spread: bool = True
    title_bonus: bool = True
    #: A candidate whose title names another case than the document's title (another
    #: decision of the same court: "BVwG - W211 2210458-1/10", "BVwG - W211 2221963-1")
    #: shares the document's title words as a label, not a topic: matched in its title they
    #: weigh as shared words of the body would (no title bonus, no title factor). Development
    #: half (bench/README round 10): ranks unchanged, shown recall 0.811 -> 0.816; GDPRhub
    #: court pages P@1 / R@3 / MRR 0.613 / 0.672 / 0.685 -> 0.694 / 0.745 / 0.750. Off: with
    #: it on, a test-half floor of tests/related/test_related_quality.py fails, and a floor
    #: is not lowered nor the rule varied until it passes (that would tune on the test half).
    title_label: bool = False
    #: The share of the candidate's own title the document uses: "plain", "idf" or "" (off).
    #: "plain" paid on the development half once it held GOV.UK items (recall@3 0.766 ->
    #: 0.795, related updates without a shown link 8 -> 5); off since round 7: with EU
    #: decisions it favours another decision of the same authority (its title is the
    #: authority's name and a number, which the document "explains" fully). Development half,
    #: with `pool`: EU recall@3 0.797 -> 0.860, GOV.UK 0.660 -> 0.623 (bench/README round 7).
    title_coverage: str = ""
    #: How much the candidate-title share weighs beside the feature score (with `title_coverage`).
    title_share: float = 0.3
    #: An identifier of one proceeding (a docket, RIN, file code or cited FR document, not a
    #: CFR part or EU act) held by at most this many items, the document included; when a
    #: candidate shares one, the candidate-title share is not used for that document (0: always
    #: used). The title share favours notices of the same template (another filing of the same
    #: exchange) over the same proceeding: on the development half's us-fr updates it lowered
    #: the margin of the right answers in 8 of 11 (0.631 -> 0.588); with this rule 0.625 and
    #: GOV.UK unchanged (the same for 4, 5 and 6; 3 gives 0.619).
    proceeding_holders: int = 5
    date_decay: bool = True
    rerank: bool = True
    #: Reciprocal rank fusion of BM25, feature score and identifier matches: measured, did not
    #: pay on the development half (lower margin and quieter hard negatives without it).
    fusion: bool = False
    #: With `fusion`, the bonus's scale (at most this much is added to the score).
    fusion_weight: float = 0.3
    #: Features (and candidate-title words) shared by most of a document's candidates weigh
    #: less: `pool` is how far a feature matched by every candidate is discounted (0: off). A
    #: word every candidate shares (an authority's name in a feed of its decisions, "GDPR")
    #: tells them apart no better than a common word; derived from the candidates themselves.
    #: Development half (round 7), 0 -> 0.7, title coverage off: precision@1 0.739 -> 0.773,
    #: recall@3 0.824 -> 0.829, MRR 0.796 -> 0.817; GOV.UK and us-fr the same or better.
    pool: float = 0.7
    #: Pseudo-relevance feedback (feedback.py): up to this many items whose titles share a
    #: phrase of the best candidate's title join the candidates when the best is strong (0: off).
    feedback: int = 10


DEFAULT_RANKING = Ranking()


@dataclass(frozen=True)
class LinkTarget:
    """A document to find related items for."""

    item_key: str  # '' for a page edit
    title: str
    text: str
    source_id: str
    date: date | None = None
    item_id: int | None = None
    link: str = ""


@direct_init
@dataclass(frozen=True)
class Feature:
    """One salient feature of a document: how to find it (FTS5) and what it weighs."""

    label: str  # what users see in `regwatch related`: "45 CFR 164", "hipaa", "security rule"
    kind: str  # identifier | act | phrase | word
    query: str  # an FTS5 expression
    weight: float
    stems: tuple[str, ...] = ()
    cost: int = 0  # postings FTS5 must read to find it (df of its rarest word; capped)
    reason: str = ""  # how a match reads in an alert: "same docket FEMA-3600-EM"
    aliases: tuple[str, ...] = ()  # an act's spellings, lowercase
    near: int = 0  # an identifier's tokens may have this many others between them
    df: int = 0  # items that contain it, when known better than `cost`
    scheme: str = ""  # an identifier's kind: "docket", "cfr", "eu", ... (identifiers.REASONS)


@direct_init
@dataclass(frozen=True)
class Link:
    """A related item found for a document, with why."""

    item_key: str
    related_item_id: int
    source_id: str
    title: str
    link: str
    date: str | None
    score: float
    terms: tuple[str, ...]
    rank: int = 0
    shown: bool = False
    reason: str = ""  # a few words for the alert: "same docket HHS-OCR-2024-0002; shares: ransomware"

    def row(self) -> dict:
        return {
            "item_key": self.item_key,
            "related_item_id": self.related_item_id,
            "source_id": self.source_id,
            "title": self.title,
            "link": self.link,
            "date": self.date,
            "score": round(self.score, 4),
            "terms": list(self.terms),
            "rank": self.rank,
            "shown": self.shown,
            "reason": self.reason,
        }
