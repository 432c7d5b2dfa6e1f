"""REST API of template 4 under `reviews/`: the acceptance resources
(reviews_app.acceptance.api) and the retrospective resources
(reviews_app.retrospective.api)."""

from .acceptance.api import AcceptanceViewSet, CriterionViewSet
from .retrospective.api import ImprovementViewSet, MetricViewSet, RetrospectiveViewSet

__all__ = [
    "AcceptanceViewSet",
    "CriterionViewSet",
    "ImprovementViewSet",
    "MetricViewSet",
    "RetrospectiveViewSet",
    "register",
]


def register(router):
    router.register("reviews/criteria", CriterionViewSet, basename="review-criterion")
    router.register("reviews/acceptances", AcceptanceViewSet, basename="review-acceptance")
    router.register("reviews/retrospectives", RetrospectiveViewSet, basename="review-retrospective")
    router.register("reviews/metrics", MetricViewSet, basename="review-metric")
    router.register("reviews/improvements", ImprovementViewSet, basename="review-improvement")
