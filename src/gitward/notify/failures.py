"""How a delivery fails: for good, or for now.

::

    GitwardError
    └── DeliveryError            the service refused the notification; sending again won't help
        └── DeliveryRetryError   the service could not be reached or failed for now
"""

from __future__ import annotations

from gitward.errors import GitwardError

__all__ = ["DeliveryError", "DeliveryRetryError"]


class DeliveryError(GitwardError):
    """The service refused the notification; sending it again will not help."""


class DeliveryRetryError(DeliveryError):
    """The service could not be reached or failed for now; try again later."""
